/**
 * lock: the lock recipe (src/stores/primitives/lock.ts) on a three-node KV cluster, with lock
 * clients that do a read-modify-write increment on a **fenced resource** under the lock, and
 * sometimes pause (a long stall, as in a GC pause) between the read and the write — longer than
 * their lease's TTL, so the lease expires and another client acquires the lock meanwhile.
 *
 * With `fenced: true` the resource admits an operation only with a token at least the highest it
 * has seen, so the paused holder's write is rejected and the `fenced-exclusive` invariant holds.
 * With `fenced: false` (examples/lock-unfenced.ts) it accepts every operation, and a paused holder
 * overwrites its successor's increment: a lost update the invariant catches.
 *
 *   npx cadre simulate examples/lock.ts --seeds 1..200
 */
import {
  type Context,
  defineSpec,
  fact,
  type NodeId,
  type Process,
  type Spec,
  type SwarmOptions,
} from '../src/index.js';
import type { KvResult } from '../src/stores/kv/commands.js';
import type { KvProcessOptions, KvWire } from '../src/stores/kv/process.js';
import { admitToken } from '../src/stores/primitives/fence.js';
import {
  IDLE_LOCK,
  keepAliveRequest,
  type LockOptions,
  type LockRequest,
  type LockState,
  type LockStep,
  onKeepAlive,
  onResult,
  startAcquire,
  startRelease,
} from '../src/stores/primitives/lock.js';
import {
  fencedExclusive,
  fencingTokensIncrease,
  RESOURCE_INCREMENTS,
  RESOURCE_STALE,
  RESOURCE_VALUE,
} from '../src/stores/primitives/lock-guarantees.js';
import type { ClientReply } from '../src/stores/raft/client-messages.js';
import { KV_NODES, recipeKvProcess, recipeSwarm } from './kv-recipe-client.js';

/** Messages between lock clients and the resource. A `read` or `write` carries the holder's
 *  fencing token; `seq` makes a retried request apply once. */
export type ResourceMessage =
  | { readonly type: 'res-read'; readonly seq: number; readonly token: number }
  | {
      readonly type: 'res-write';
      readonly seq: number;
      readonly token: number;
      readonly value: number;
    }
  | {
      readonly type: 'res-reply';
      readonly seq: number;
      readonly ok: boolean;
      readonly value: number;
    };

/** Every message of the lock spec. */
export type LockWire = KvWire | ResourceMessage;

/** The resource's node id. */
export const RESOURCE: NodeId = 'res';

/**
 * A counter behind a fence. `fenced`: admits an operation only with a token ≥ the highest seen
 * (src/stores/primitives/fence.ts), else rejects it. Unfenced: admits everything. Either way it
 * publishes `value`, `increments` (accepted writes) and `stale` (accepted operations whose token
 * was below the highest seen before) for the `fenced-exclusive` invariant. Each client numbers its
 * requests: one seen again (a retry, or a duplicate) never applies twice.
 */
export class FencedResource implements Process<LockWire> {
  constructor(readonly fenced: boolean) {}

  init(ctx: Context<LockWire>): void {
    ctx.memory.set(RESOURCE_VALUE, 0);
    ctx.memory.set(RESOURCE_INCREMENTS, 0);
    ctx.memory.set(RESOURCE_STALE, 0);
    ctx.memory.set('highest', 0);
  }

  timer(): void {}

  receive(ctx: Context<LockWire>, from: NodeId, msg: LockWire): void {
    if (msg.type !== 'res-read' && msg.type !== 'res-write') return;
    const last = ctx.memory.get<ResourceMessage>(`reply/${from}`);
    if (last !== undefined && msg.seq <= last.seq) {
      // A retry of the last request gets its reply again; an older one (a duplicate the network
      // delivered late) was answered long ago and must not apply twice.
      if (msg.seq === last.seq) ctx.send(from, last);
      return;
    }
    const highest = ctx.memory.get<number>('highest') ?? 0;
    const decision = admitToken(highest, msg.token);
    let reply: ResourceMessage;
    if (this.fenced && !decision.admitted) {
      reply = { type: 'res-reply', seq: msg.seq, ok: false, value: highest };
    } else {
      if (!decision.admitted)
        ctx.memory.set(RESOURCE_STALE, (ctx.memory.get<number>(RESOURCE_STALE) ?? 0) + 1);
      ctx.memory.set('highest', decision.highest);
      if (msg.type === 'res-write') {
        ctx.memory.set(RESOURCE_VALUE, msg.value);
        ctx.memory.set(RESOURCE_INCREMENTS, (ctx.memory.get<number>(RESOURCE_INCREMENTS) ?? 0) + 1);
      }
      reply = {
        type: 'res-reply',
        seq: msg.seq,
        ok: true,
        value: ctx.memory.get<number>(RESOURCE_VALUE) ?? 0,
      };
    }
    ctx.memory.set(`reply/${from}`, reply);
    ctx.send(from, reply);
  }
}

/** Options of a lock client. */
export interface LockClientOptions {
  /** Acquire–increment–release rounds each client performs. */
  readonly rounds: number;
  /** The lock: prefix and lease TTL (ms). */
  readonly prefix: string;
  readonly ttlMs: number;
  /** Probability that a holder stalls between its read and its write. */
  readonly pauseChance: number;
  /** How long a stall lasts, in ms (longer than `ttlMs` to lose the lease). */
  readonly pauseMs: number;
  /** A request with no answer after this long is sent again, in ms. */
  readonly retryMs: number;
  /** Pause between rounds, at most, in ms. */
  readonly thinkMs: number;
  /** Poll interval of the change feed while queued, in ms. Default 20. */
  readonly pollMs?: number;
  /** The KV nodes to send requests to. Default: every server node. */
  readonly kvNodes?: readonly NodeId[];
}

type App = 'idle' | 'acquiring' | 'reading' | 'paused' | 'writing' | 'releasing' | 'done';

/**
 * A lock client: `rounds` times, acquires the lock (history `acquire` → the fencing token), reads
 * the resource and writes the value + 1 with its token (history `increment`: ok when the write
 * was accepted, fail when the fence rejected the read or the write), then releases. It keeps its
 * lease alive every `ttlMs / 3` except while stalled. It does not stop when its lease is found
 * expired while holding: like a real program that cannot check before every write, it relies on
 * the fence.
 */
export class LockClient implements Process<LockWire> {
  readonly #lock: LockOptions;
  constructor(readonly options: LockClientOptions) {
    this.#lock = {
      prefix: options.prefix,
      ttlMs: options.ttlMs,
      owner: '',
      pollMs: options.pollMs ?? 20,
    };
  }

  #kvNodes(ctx: Context<LockWire>): readonly NodeId[] {
    return this.options.kvNodes ?? ctx.nodes;
  }

  init(ctx: Context<LockWire>): void {
    ctx.memory.set('done', this.options.rounds === 0);
    ctx.memory.set('app', 'idle');
    ctx.memory.set('lock', IDLE_LOCK);
    ctx.memory.set('round', 0);
    ctx.memory.set('kvSeq', 0);
    ctx.memory.set('kaSeq', 0);
    ctx.memory.set('resSeq', 0);
    ctx.memory.set('target', Math.floor(ctx.random() * this.#kvNodes(ctx).length));
    if (this.options.rounds > 0) ctx.emit(fact('started', ctx.id));
    if (this.options.rounds > 0)
      ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
    ctx.setTimer('keepalive', Math.max(1, Math.floor(this.options.ttlMs / 3)));
  }

  timer(ctx: Context<LockWire>, name: string): void {
    const app = ctx.memory.get<App>('app');
    if (name === 'next') {
      ctx.memory.set('round', (ctx.memory.get<number>('round') ?? 0) + 1);
      ctx.memory.set('app', 'acquiring');
      ctx.memory.set('handle', ctx.history.invoke('acquire', null));
      this.#apply(ctx, startAcquire({ ...this.#lock, owner: ctx.id }));
    } else if (name === 'keepalive') {
      ctx.setTimer('keepalive', Math.max(1, Math.floor(this.options.ttlMs / 3)));
      // A stalled process sends nothing: that is how its lease runs out.
      if (app === 'paused') return;
      const lock = ctx.memory.get<LockState>('lock') as LockState;
      const request = keepAliveRequest(lock);
      if (request === undefined || request.kind !== 'command') return;
      const seq = (ctx.memory.get<number>('kaSeq') ?? 0) + 1;
      ctx.memory.set('kaSeq', seq);
      const to = this.#kvNodes(ctx)[ctx.memory.get<number>('target') ?? 0] as NodeId;
      ctx.send(to, {
        type: 'propose',
        session: `${ctx.id}/ka/${lock.lease}`,
        seq,
        command: request.command,
      });
    } else if (name === 'kv-send') this.#sendKv(ctx);
    else if (name === 'kv-retry') {
      ctx.memory.set(
        'target',
        ((ctx.memory.get<number>('target') ?? 0) + 1) % this.#kvNodes(ctx).length,
      );
      this.#sendKv(ctx);
    } else if (name === 'resume') {
      ctx.memory.set('app', 'writing');
      this.#sendWrite(ctx);
    } else if (name === 'res-retry') this.#sendResource(ctx);
  }

  receive(ctx: Context<LockWire>, _from: NodeId, msg: LockWire): void {
    if (msg.type === 'res-reply') this.#onResource(ctx, msg);
    else if (msg.type === 'reply') this.#onKv(ctx, msg as ClientReply<KvResult>);
  }

  #onKv(ctx: Context<LockWire>, reply: ClientReply<KvResult>): void {
    const lock = ctx.memory.get<LockState>('lock') as LockState;
    if (reply.session.startsWith(`${ctx.id}/ka/`)) {
      if (!reply.ok || reply.session !== `${ctx.id}/ka/${lock.lease}`) return;
      this.#apply(ctx, onKeepAlive(lock, reply.result));
      return;
    }
    if (reply.seq !== ctx.memory.get<number>('kvSeq') || ctx.memory.get('kvRequest') === undefined)
      return;
    if (!reply.ok) {
      if (reply.error.startsWith('bad request') || reply.error.startsWith('command failed'))
        throw new Error(`lock client ${ctx.id}: the KV refused a lock request: ${reply.error}`);
      // not-leader / no-quorum / timeout: the outcome is unknown; retry the same (session, seq).
      const index = reply.leader === undefined ? -1 : this.#kvNodes(ctx).indexOf(reply.leader);
      ctx.memory.set(
        'target',
        index >= 0
          ? index
          : ((ctx.memory.get<number>('target') ?? 0) + 1) % this.#kvNodes(ctx).length,
      );
      ctx.setTimer('kv-retry', index >= 0 ? 1 : this.options.retryMs / 4);
      return;
    }
    ctx.cancelTimer('kv-retry');
    ctx.memory.delete('kvRequest');
    this.#apply(ctx, onResult(this.#lock, lock, reply.result));
  }

  /** Takes a step of the recipe: stores the state, schedules its request, reacts to its event. */
  #apply(ctx: Context<LockWire>, step: LockStep): void {
    ctx.memory.set('lock', step.state);
    if (step.next !== undefined) {
      ctx.memory.set('kvSeq', (ctx.memory.get<number>('kvSeq') ?? 0) + 1);
      ctx.memory.set('kvRequest', step.next);
      if (step.afterMs !== undefined && step.afterMs > 0) ctx.setTimer('kv-send', step.afterMs);
      else this.#sendKv(ctx);
    }
    const app = ctx.memory.get<App>('app');
    if (step.event === 'acquired') {
      ctx.history.ok(ctx.memory.get<number>('handle') as number, step.state.token);
      ctx.memory.set('app', 'reading');
      ctx.memory.set('handle', ctx.history.invoke('increment', null));
      this.#sendResource(ctx, { type: 'res-read', seq: 0, token: step.state.token });
    } else if (step.event === 'lost' && app === 'acquiring') {
      ctx.history.fail(ctx.memory.get<number>('handle') as number, step.state.reason);
      this.#release(ctx);
    } else if (step.event === 'released') {
      ctx.memory.set('app', 'idle');
      if ((ctx.memory.get<number>('round') ?? 0) >= this.options.rounds) {
        ctx.memory.set('app', 'done');
        ctx.memory.set('done', true);
        // For LDFI's pre/post (examples/lock-ldfi.ts): this client's rounds all completed.
        ctx.emit(fact('finished', ctx.id));
      } else ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
    }
  }

  #release(ctx: Context<LockWire>): void {
    // Drop whatever lock request is in flight or scheduled: the release replaces it.
    ctx.cancelTimer('kv-retry');
    ctx.cancelTimer('kv-send');
    ctx.memory.delete('kvRequest');
    ctx.memory.set('app', 'releasing');
    this.#apply(ctx, startRelease(ctx.memory.get<LockState>('lock') as LockState));
  }

  #sendKv(ctx: Context<LockWire>): void {
    const request = ctx.memory.get<LockRequest>('kvRequest');
    if (request === undefined) return;
    const seq = ctx.memory.get<number>('kvSeq') as number;
    const to = this.#kvNodes(ctx)[ctx.memory.get<number>('target') ?? 0] as NodeId;
    const session = `${ctx.id}/lock`;
    if (request.kind === 'command')
      ctx.send(to, { type: 'propose', session, seq, command: request.command });
    else ctx.send(to, { type: 'read', session, seq, query: request.query });
    ctx.setTimer('kv-retry', this.options.retryMs);
  }

  #onResource(
    ctx: Context<LockWire>,
    reply: Extract<ResourceMessage, { type: 'res-reply' }>,
  ): void {
    if (reply.seq !== ctx.memory.get<number>('resSeq')) return;
    const app = ctx.memory.get<App>('app');
    if (app !== 'reading' && app !== 'writing') return;
    ctx.cancelTimer('res-retry');
    ctx.memory.delete('resRequest');
    const handle = ctx.memory.get<number>('handle') as number;
    if (!reply.ok) {
      ctx.history.fail(handle, 'fenced');
      this.#release(ctx);
      return;
    }
    if (app === 'reading') {
      ctx.memory.set('read', reply.value);
      if (ctx.random() < this.options.pauseChance) {
        ctx.memory.set('app', 'paused');
        ctx.setTimer('resume', this.options.pauseMs);
      } else {
        ctx.memory.set('app', 'writing');
        this.#sendWrite(ctx);
      }
    } else {
      ctx.history.ok(handle, reply.value);
      this.#release(ctx);
    }
  }

  #sendWrite(ctx: Context<LockWire>): void {
    const lock = ctx.memory.get<LockState>('lock') as LockState;
    const token = lock.token > 0 ? lock.token : (ctx.memory.get<number>('token') ?? 0);
    this.#sendResource(ctx, {
      type: 'res-write',
      seq: 0,
      token,
      value: (ctx.memory.get<number>('read') ?? 0) + 1,
    });
  }

  /** Sends `request` with the next seq (or, with none, sends the pending request again). */
  #sendResource(ctx: Context<LockWire>, request?: ResourceMessage): void {
    let pending = ctx.memory.get<ResourceMessage>('resRequest');
    if (request !== undefined) {
      const seq = (ctx.memory.get<number>('resSeq') ?? 0) + 1;
      ctx.memory.set('resSeq', seq);
      pending = { ...request, seq };
      ctx.memory.set('resRequest', pending);
      if (request.type === 'res-read') ctx.memory.set('token', request.token);
    }
    if (pending === undefined) return;
    ctx.send(RESOURCE, pending);
    ctx.setTimer('res-retry', this.options.retryMs);
  }
}

/** Settings of a lock spec. */
export interface LockSpecOptions {
  readonly name?: string;
  /** Whether the resource checks fencing tokens. Default true. */
  readonly fenced?: boolean;
  readonly clients?: number;
  readonly client?: Partial<LockClientOptions>;
  readonly kv?: KvProcessOptions;
  readonly horizonMs?: number;
  /** Swarm faults on the KV nodes. Default {@link KV_RECIPE_SWARM}. */
  readonly swarm?: SwarmOptions | false;
}

/** The lock on a three-node KV cluster, with lock clients `c1..cN` and the resource `res`. */
export function lockSpec(options: LockSpecOptions = {}): Spec<LockWire> {
  const fenced = options.fenced ?? true;
  const clients = Array.from({ length: options.clients ?? 3 }, (_, i) => `c${i + 1}`);
  const client: LockClientOptions = {
    rounds: 2,
    prefix: 'locks/res',
    ttlMs: 150,
    pauseChance: 0.3,
    pauseMs: 400,
    retryMs: 100,
    thinkMs: 40,
    ...options.client,
  };
  const kv = recipeKvProcess(options.kv);
  return defineSpec<LockWire>({
    name: options.name ?? (fenced ? 'lock' : 'lock-unfenced'),
    description: fenced
      ? 'A lease-based lock with fencing tokens: at most one holder as seen by the fenced resource.'
      : 'The same lock in front of a resource that ignores tokens: a paused holder loses an update.',
    nodes: [...KV_NODES],
    process: kv as unknown as Spec<LockWire>['process'],
    clients: {
      ids: [...clients, RESOURCE],
      process: (id) => (id === RESOURCE ? new FencedResource(fenced) : new LockClient(client)),
    },
    time: { model: 'async', horizonMs: options.horizonMs ?? 2_000 },
    guarantees: {
      invariants: [fencedExclusive(RESOURCE)],
      final: [fencingTokensIncrease('acquire')],
    },
    faults: recipeSwarm(options.swarm),
  });
}

export default lockSpec();
