/**
 * The parts the KV recipe examples (examples/event-log.ts, discovery.ts, lock.ts, registry.ts)
 * share: the three-node Raft KV they run on, its swarm faults, and the client driver that sends a
 * recipe's requests to it.
 */
import type { Context, NodeId, Process, ProcessFactory, SwarmOptions } from '../src/index.js';
import type { KvResult } from '../src/stores/kv/commands.js';
import { type KvProcessOptions, type KvWire, kvProcess } from '../src/stores/kv/process.js';
import type { KvRequest } from '../src/stores/primitives/kv-request.js';
import type { ClientReply } from '../src/stores/raft/client-messages.js';

/** The KV nodes the recipe examples run on. */
export const KV_NODES: readonly NodeId[] = ['n1', 'n2', 'n3'];

/** Partitions, loss, duplication, clogging, clock skew and a crash-restart of a KV node (the
 *  swarm faults server nodes only: the recipe clients are not crashed by it). */
export const KV_RECIPE_SWARM: SwarmOptions = {
  kinds: ['crash', 'partition', 'one-way-partition', 'loss', 'duplicate', 'clog', 'clock'],
  crashMode: 'restart',
  crashesMax: 1,
  faultsMax: 4,
};

/** The swarm part of a recipe spec's `faults`: `swarm` if given, {@link KV_RECIPE_SWARM} if
 *  undefined, none if false. */
export function recipeSwarm(swarm: SwarmOptions | false | undefined): { swarm?: SwarmOptions } {
  return swarm === false ? {} : { swarm: swarm ?? KV_RECIPE_SWARM };
}

/** The KV process of the recipe examples: 10 ms ticks, elections after 10 ticks, heartbeats every
 *  2, a snapshot every 16 entries, leases ticked every 30 ms; `overrides` win. */
export function recipeKvProcess(overrides?: KvProcessOptions): ProcessFactory<KvWire> {
  return kvProcess({
    electionTicks: 10,
    heartbeatTicks: 2,
    tickMs: 10,
    snapshotEntries: 16,
    lazySnapshots: true,
    leaseTickMs: 30,
    ...overrides,
  });
}

/** How a recipe client talks to the KV: one request at a time, resent (same session and seq) to
 *  the next node, or the leader named, until answered. */
export abstract class KvRecipeClient implements Process<KvWire> {
  constructor(
    readonly kvNodes: readonly NodeId[],
    readonly retryMs: number,
  ) {}

  abstract init(ctx: Context<KvWire>): void;
  /** An answer to the pending request. */
  protected abstract onAnswer(ctx: Context<KvWire>, result: KvResult): void;
  /** A timer other than the driver's own. */
  protected abstract onTimer(ctx: Context<KvWire>, name: string): void;

  /** Starts at a random KV node, so the clients do not all pile onto the first one. */
  protected pickTarget(ctx: Context<KvWire>): void {
    ctx.memory.set('target', Math.floor(ctx.random() * this.kvNodes.length));
  }

  /** For a client that polls every `everyMs`: {@link pickTarget}, then the first `go` timer at a
   *  random offset in [1, everyMs] ms, so the pollers do not fire in lockstep. */
  protected startPolling(ctx: Context<KvWire>, everyMs: number): void {
    this.pickTarget(ctx);
    ctx.setTimer('go', 1 + Math.floor(ctx.random() * everyMs));
  }

  /** The session name: unique per incarnation, so a restarted client's seqs never collide. */
  protected session(ctx: Context<KvWire>): string {
    return `${ctx.id}/${ctx.memory.get<number>('incarnation') ?? 0}`;
  }

  protected request(ctx: Context<KvWire>, request: KvRequest, afterMs = 0): void {
    ctx.memory.set('kvSeq', (ctx.memory.get<number>('kvSeq') ?? 0) + 1);
    ctx.memory.set('kvRequest', request);
    if (afterMs > 0) ctx.setTimer('kv-send', afterMs);
    else this.#send(ctx);
  }

  #send(ctx: Context<KvWire>): void {
    const request = ctx.memory.get<KvRequest>('kvRequest');
    if (request === undefined) return;
    const seq = ctx.memory.get<number>('kvSeq') as number;
    const to = this.kvNodes[ctx.memory.get<number>('target') ?? 0] as NodeId;
    const session = this.session(ctx);
    if (request.kind === 'command')
      ctx.send(to, { type: 'propose', session, seq, command: request.command });
    else ctx.send(to, { type: 'read', session, seq, query: request.query });
    ctx.setTimer('kv-retry', this.retryMs);
  }

  #rotate(ctx: Context<KvWire>): void {
    ctx.memory.set('target', ((ctx.memory.get<number>('target') ?? 0) + 1) % this.kvNodes.length);
  }

  timer(ctx: Context<KvWire>, name: string): void {
    if (name === 'kv-send') this.#send(ctx);
    else if (name === 'kv-retry') {
      this.#rotate(ctx);
      this.#send(ctx);
    } else this.onTimer(ctx, name);
  }

  receive(ctx: Context<KvWire>, _from: NodeId, msg: KvWire): void {
    if (msg.type !== 'reply') return;
    const reply = msg as ClientReply<KvResult>;
    if (
      reply.session !== this.session(ctx) ||
      reply.seq !== ctx.memory.get<number>('kvSeq') ||
      ctx.memory.get('kvRequest') === undefined
    )
      return;
    if (!reply.ok) {
      if (reply.error.startsWith('bad request') || reply.error.startsWith('command failed'))
        throw new Error(`KV recipe client ${ctx.id}: the KV refused a request: ${reply.error}`);
      // not-leader / no-quorum / timeout: the outcome is unknown; resend the same (session, seq).
      const index = reply.leader === undefined ? -1 : this.kvNodes.indexOf(reply.leader);
      if (index >= 0) ctx.memory.set('target', index);
      else this.#rotate(ctx);
      ctx.setTimer('kv-retry', index >= 0 ? 1 : this.retryMs / 4);
      return;
    }
    ctx.cancelTimer('kv-retry');
    ctx.memory.delete('kvRequest');
    this.onAnswer(ctx, reply.result);
  }
}
