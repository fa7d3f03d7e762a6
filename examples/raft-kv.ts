/**
 * raft-kv: Cadre's key/value store (src/stores/kv: etcd-style revisions, CAS, leases) replicated
 * by Raft on three nodes, with three workload clients doing random get / put / compare-and-set on
 * a few keys. Guarantees: Raft's safety invariants at every event, the client history
 * linearisable against a key/value model (checked key by key), and after the heal a leader with
 * every client operation completed. Swarm mode draws partitions, crash-restarts, loss,
 * duplication, clogging and clock skew per seed.
 *
 *   npx cadre simulate examples/raft-kv.ts --seeds 1..200
 */
import {
  type Context,
  defineSpec,
  kvModel,
  linearizable,
  type NodeId,
  type OpValue,
  type Process,
  type Spec,
  type SwarmOptions,
} from '../src/index.js';
import type { KvCommand, KvQuery, KvResult } from '../src/stores/kv/commands.js';
import { type KvProcessOptions, type KvWire, kvProcess } from '../src/stores/kv/process.js';
import type { ClientReply } from '../src/stores/raft/client-messages.js';
import { raftInvariants } from '../src/stores/raft/invariants.js';
import { clientsDone, RAFT_SWARM } from './raft-core.js';

/** Options of the KV workload client. */
export interface KvClientOptions {
  /** Operations each client performs. */
  readonly ops: number;
  /** Keys the operations pick from. */
  readonly keys: readonly string[];
  /** A request with no answer after this long is sent again (same session and seq), in ms. */
  readonly retryMs: number;
  /** Pause between a completed operation and the next, at most, in ms. */
  readonly thinkMs: number;
}

type Op =
  | { readonly f: 'get'; readonly key: string }
  | { readonly f: 'put'; readonly key: string; readonly value: string }
  | { readonly f: 'cas'; readonly key: string; readonly from: string | null; readonly to: string };

/**
 * A workload client: `ops` random operations, one at a time, each recorded in the history as the
 * kv model reads it (`get [k, v]`, `put [k, v]`, `cas [k, [from, to]]`). A request is retried with
 * the same (session, seq) until it gets an answer, so a write applies exactly once however often
 * it is sent; a cas that did not hold is recorded as failed (it took no effect).
 */
export class KvClient implements Process<KvWire> {
  constructor(readonly options: KvClientOptions) {}

  init(ctx: Context<KvWire>): void {
    ctx.memory.set('done', this.options.ops === 0);
    ctx.memory.set('seq', 0);
    ctx.memory.set('target', Math.floor(ctx.random() * ctx.nodes.length));
    if (this.options.ops > 0)
      ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
  }

  timer(ctx: Context<KvWire>, name: string): void {
    if (name === 'next') this.#start(ctx);
    else if (name === 'retry') {
      ctx.memory.set('target', ((ctx.memory.get<number>('target') ?? 0) + 1) % ctx.nodes.length);
      this.#send(ctx);
    }
  }

  receive(ctx: Context<KvWire>, _from: NodeId, msg: KvWire): void {
    if (msg.type !== 'reply') return;
    const reply = msg as ClientReply<KvResult>;
    if (reply.seq !== ctx.memory.get<number>('seq') || ctx.memory.get('handle') === undefined)
      return;
    const op = ctx.memory.get<Op>('op') as Op;
    const handle = ctx.memory.get<number>('handle') as number;
    if (!reply.ok) {
      if (reply.error.startsWith('bad request') || reply.error.startsWith('command failed')) {
        ctx.history.fail(handle, reply.error);
        this.#finish(ctx);
        return;
      }
      // not-leader / no-quorum: the outcome is unknown; retry the same request.
      const index = reply.leader === undefined ? -1 : ctx.nodes.indexOf(reply.leader);
      ctx.memory.set(
        'target',
        index >= 0 ? index : ((ctx.memory.get<number>('target') ?? 0) + 1) % ctx.nodes.length,
      );
      ctx.setTimer('retry', index >= 0 ? 1 : this.options.retryMs / 4);
      return;
    }
    const r = reply.result;
    if (op.f === 'get' && r.type === 'get') ctx.history.ok(handle, [op.key, r.kv?.value ?? null]);
    else if (op.f === 'put' && r.type === 'put') ctx.history.ok(handle, [op.key, op.value]);
    else if (op.f === 'cas' && r.type === 'cas') {
      if (r.succeeded) ctx.history.ok(handle, [op.key, [op.from, op.to]]);
      else ctx.history.fail(handle, [op.key, [op.from, op.to]]);
    } else ctx.history.fail(handle, `unexpected result ${JSON.stringify(r)}`);
    this.#finish(ctx);
  }

  #start(ctx: Context<KvWire>): void {
    const seq = (ctx.memory.get<number>('seq') ?? 0) + 1;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(ctx.random() * xs.length)] as T;
    const key = pick(this.options.keys);
    const value = String(Math.floor(ctx.random() * 5));
    const r = ctx.random();
    const op: Op =
      r < 0.4
        ? { f: 'get', key }
        : r < 0.75
          ? { f: 'put', key, value }
          : { f: 'cas', key, from: pick([null, '0', '1', '2', '3', '4']), to: value };
    ctx.memory.set('seq', seq);
    ctx.memory.set('op', op);
    const arg: OpValue =
      op.f === 'get' ? [key, null] : op.f === 'put' ? [key, op.value] : [key, [op.from, op.to]];
    ctx.memory.set('handle', ctx.history.invoke(op.f, arg));
    this.#send(ctx);
  }

  #send(ctx: Context<KvWire>): void {
    const op = ctx.memory.get<Op>('op') as Op;
    const seq = ctx.memory.get<number>('seq') as number;
    const to = ctx.nodes[ctx.memory.get<number>('target') ?? 0] as NodeId;
    const session = ctx.id;
    if (op.f === 'get') {
      const query: KvQuery = { op: 'get', key: op.key };
      ctx.send(to, { type: 'read', session, seq, query });
    } else {
      const command: KvCommand =
        op.f === 'put'
          ? { op: 'put', key: op.key, value: op.value }
          : { op: 'cas', key: op.key, expect: { value: op.from }, value: op.to };
      ctx.send(to, { type: 'propose', session, seq, command });
    }
    ctx.setTimer('retry', this.options.retryMs);
  }

  #finish(ctx: Context<KvWire>): void {
    ctx.cancelTimer('retry');
    ctx.memory.delete('handle');
    if ((ctx.memory.get<number>('seq') as number) >= this.options.ops) {
      ctx.memory.set('done', true);
      return;
    }
    ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
  }
}

/** Settings of a KV-over-Raft spec. */
export interface RaftKvSpecOptions {
  readonly name?: string;
  readonly nodes?: readonly NodeId[];
  readonly clients?: number;
  readonly client?: Partial<KvClientOptions>;
  readonly kv?: KvProcessOptions;
  readonly horizonMs?: number;
  readonly swarm?: SwarmOptions;
  readonly livenessBoundMs?: number;
}

/** The KV store replicated by Raft, with workload clients `c1..cN`. */
export function raftKvSpec(options: RaftKvSpecOptions = {}): Spec<KvWire> {
  const clients = Array.from({ length: options.clients ?? 3 }, (_, i) => `c${i + 1}`);
  const client: KvClientOptions = {
    ops: 6,
    keys: ['a', 'b', 'c'],
    retryMs: 150,
    thinkMs: 60,
    ...options.client,
  };
  return defineSpec<KvWire>({
    name: options.name ?? 'raft-kv',
    description:
      'The KV store on Raft: safety invariants, a linearisable history, liveness after heal.',
    nodes: options.nodes ?? ['n1', 'n2', 'n3'],
    process: kvProcess({
      electionTicks: 10,
      heartbeatTicks: 2,
      tickMs: 10,
      snapshotEntries: 8,
      ...options.kv,
    }),
    clients: { ids: clients, process: () => new KvClient(client) },
    time: { model: 'async', horizonMs: options.horizonMs ?? 800 },
    guarantees: {
      invariants: raftInvariants,
      liveness: [clientsDone],
      final: [linearizable(kvModel())],
    },
    faults: {
      swarm: options.swarm ?? RAFT_SWARM,
      livenessBoundMs: options.livenessBoundMs ?? 4_000,
    },
  });
}

export default raftKvSpec();
