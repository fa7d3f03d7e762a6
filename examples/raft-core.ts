/**
 * The Raft specs' shared parts (examples/raft.ts and the tests in test/stores/raft): a register
 * replicated by Raft (src/stores/raft), workload clients that record a history, and the
 * guarantees — Raft's five safety invariants at every event, the history linearisable against a
 * CAS register, and, after the heal, a leader with every client operation completed.
 */
import {
  type Context,
  casRegisterModel,
  type Liveness,
  linearizable,
  type NodeId,
  type OpValue,
  type Process,
  type Spec,
  type SwarmOptions,
} from '../src/index.js';
import type { ClientReply } from '../src/stores/raft/client-messages.js';
import { leaderElected, raftInvariants } from '../src/stores/raft/invariants.js';
import {
  type RaftProcessOptions,
  type RaftWireMessage,
  raftProcess,
} from '../src/stores/raft/process.js';
import {
  type RegisterCommand,
  RegisterMachine,
  type RegisterQuery,
  type RegisterResult,
} from './raft-register.js';

export type RegisterWire = RaftWireMessage<RegisterCommand, RegisterQuery, RegisterResult>;

/** Options of a Raft workload client. */
export interface WorkloadClientOptions {
  /** Operations each client performs. */
  readonly ops: number;
  /** A request with no answer after this long is sent again (same session and seq), in ms. */
  readonly retryMs: number;
  /** Pause between a completed operation and the next, at most, in ms. */
  readonly thinkMs: number;
}

/** Options of the register client. */
export type RegisterClientOptions = WorkloadClientOptions;

/** A client request to a Raft cluster, without its session and seq. */
export type WorkloadRequest<C, Q> =
  | { readonly type: 'read'; readonly query: Q }
  | { readonly type: 'propose'; readonly command: C };

/**
 * A workload client of a state machine replicated by Raft: performs `ops` random operations one
 * at a time, each recorded in the history. A request is retried with the same (session, seq)
 * until it gets an answer — after a timeout, or at once to the leader a `not-leader` reply names —
 * so a write applies exactly once however many times it is sent. Volatile state lives in tracked
 * memory. Subclasses say what an operation is, how it is sent and how its answer is recorded.
 */
export abstract class RaftWorkloadClient<C, Q, R, Op extends { readonly f: string }>
  implements Process<RaftWireMessage<C, Q, R>>
{
  constructor(readonly options: WorkloadClientOptions) {}

  /** Draws the next operation (from `ctx.random()` only). */
  protected abstract pickOp(ctx: Context<RaftWireMessage<C, Q, R>>): Op;
  /** The value the history records at the invocation of `op`. */
  protected abstract invokeArg(op: Op): OpValue;
  /** The request that performs `op`. */
  protected abstract request(op: Op): WorkloadRequest<C, Q>;
  /** Records the successful answer `result` to `op` as the completion of `handle`. */
  protected abstract record(
    ctx: Context<RaftWireMessage<C, Q, R>>,
    handle: number,
    op: Op,
    result: R,
  ): void;

  init(ctx: Context<RaftWireMessage<C, Q, R>>): void {
    ctx.memory.set('done', this.options.ops === 0);
    ctx.memory.set('seq', 0);
    ctx.memory.set('target', Math.floor(ctx.random() * ctx.nodes.length));
    if (this.options.ops > 0)
      ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
  }

  timer(ctx: Context<RaftWireMessage<C, Q, R>>, name: string): void {
    if (name === 'next') this.#start(ctx);
    else if (name === 'retry') {
      // No answer: try the next server.
      ctx.memory.set('target', ((ctx.memory.get<number>('target') ?? 0) + 1) % ctx.nodes.length);
      this.#send(ctx);
    }
  }

  receive(
    ctx: Context<RaftWireMessage<C, Q, R>>,
    _from: NodeId,
    msg: RaftWireMessage<C, Q, R>,
  ): void {
    if (msg.type !== 'reply') return;
    const reply = msg as ClientReply<R>;
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
      // not-leader / no-quorum / timeout: the outcome is unknown; retry the same request, at once
      // to the leader a `not-leader` reply names (only those name one).
      const index = reply.leader === undefined ? -1 : ctx.nodes.indexOf(reply.leader);
      ctx.memory.set(
        'target',
        index >= 0 ? index : ((ctx.memory.get<number>('target') ?? 0) + 1) % ctx.nodes.length,
      );
      ctx.setTimer('retry', index >= 0 ? 1 : this.options.retryMs / 4);
      return;
    }
    this.record(ctx, handle, op, reply.result);
    this.#finish(ctx);
  }

  #start(ctx: Context<RaftWireMessage<C, Q, R>>): void {
    const seq = (ctx.memory.get<number>('seq') ?? 0) + 1;
    const op = this.pickOp(ctx);
    ctx.memory.set('seq', seq);
    ctx.memory.set('op', op);
    ctx.memory.set('handle', ctx.history.invoke(op.f, this.invokeArg(op)));
    this.#send(ctx);
  }

  #send(ctx: Context<RaftWireMessage<C, Q, R>>): void {
    const op = ctx.memory.get<Op>('op') as Op;
    const seq = ctx.memory.get<number>('seq') as number;
    const to = ctx.nodes[ctx.memory.get<number>('target') ?? 0] as NodeId;
    const session = ctx.id;
    const request = this.request(op);
    if (request.type === 'read') ctx.send(to, { type: 'read', session, seq, query: request.query });
    else ctx.send(to, { type: 'propose', session, seq, command: request.command });
    ctx.setTimer('retry', this.options.retryMs);
  }

  #finish(ctx: Context<RaftWireMessage<C, Q, R>>): void {
    ctx.cancelTimer('retry');
    ctx.memory.delete('handle');
    if ((ctx.memory.get<number>('seq') as number) >= this.options.ops) {
      ctx.memory.set('done', true);
      return;
    }
    ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
  }
}

type Op =
  | { readonly f: 'write'; readonly value: number }
  | { readonly f: 'read' }
  | { readonly f: 'cas'; readonly from: number | null; readonly to: number };

/** The register workload: reads, writes and compare-and-sets of values 0..4. */
export class RegisterClient extends RaftWorkloadClient<
  RegisterCommand,
  RegisterQuery,
  RegisterResult,
  Op
> {
  protected pickOp(ctx: Context<RegisterWire>): Op {
    const r = ctx.random();
    const value = Math.floor(ctx.random() * 5);
    return r < 0.4
      ? { f: 'read' }
      : r < 0.8
        ? { f: 'write', value }
        : { f: 'cas', from: Math.floor(ctx.random() * 5), to: value };
  }

  protected invokeArg(op: Op): OpValue {
    return op.f === 'read' ? null : op.f === 'write' ? op.value : [op.from, op.to];
  }

  protected request(op: Op): WorkloadRequest<RegisterCommand, RegisterQuery> {
    if (op.f === 'read') return { type: 'read', query: 'read' };
    return {
      type: 'propose',
      command:
        op.f === 'write'
          ? { op: 'write', value: op.value }
          : { op: 'cas', from: op.from, to: op.to },
    };
  }

  protected record(
    ctx: Context<RegisterWire>,
    handle: number,
    op: Op,
    result: RegisterResult,
  ): void {
    if (op.f === 'read') ctx.history.ok(handle, result);
    else if (op.f === 'write') ctx.history.ok(handle, op.value);
    else if (result === true) ctx.history.ok(handle, [op.from, op.to]);
    else ctx.history.fail(handle, [op.from, op.to]);
  }
}

/** Liveness: every client finished its operations, and a leader is followed by a majority. */
export const clientsDone: Liveness = {
  name: 'raft-clients-done',
  holds(world) {
    if (!leaderElected.holds(world)) return false;
    const clients =
      world.history.length === 0 ? [] : [...new Set(world.history.map((e) => e.process))];
    return clients.every((c) => world.memory(c).get('done') === true);
  },
};

/** Settings of a register-over-Raft spec. */
export interface RaftRegisterSpecOptions {
  readonly name: string;
  readonly description: string;
  readonly nodes?: readonly NodeId[];
  readonly clients?: number;
  readonly client?: Partial<RegisterClientOptions>;
  readonly raft?: Omit<
    RaftProcessOptions<RegisterCommand, RegisterQuery, RegisterResult>,
    'stateMachine'
  >;
  readonly horizonMs?: number;
  readonly swarm?: SwarmOptions;
  readonly livenessBoundMs?: number;
}

/** Swarm faults of the campaign: partitions (both kinds), crash-restart of any node (all three
 * may be down at once), message loss, duplication, clogging, clock skew and disk faults (full
 * disks, and `unsynced` windows — see docs/guide/raft.md on why a lying fsync is outside Raft's
 * fault model). Corrupted records are left out: a node does not yet recover from them. */
export const RAFT_SWARM: SwarmOptions = {
  kinds: ['crash', 'partition', 'one-way-partition', 'loss', 'duplicate', 'clog', 'clock', 'disk'],
  crashMode: 'restart',
  crashesMax: 3,
  faultsMax: 8,
};

/** A register replicated by Raft with workload clients `c1..cN`. */
export function raftRegisterSpec(options: RaftRegisterSpecOptions): Spec<RegisterWire> {
  const clients = Array.from({ length: options.clients ?? 2 }, (_, i) => `c${i + 1}`);
  const client: RegisterClientOptions = { ops: 6, retryMs: 150, thinkMs: 60, ...options.client };
  return {
    name: options.name,
    description: options.description,
    nodes: options.nodes ?? ['n1', 'n2', 'n3'],
    process: raftProcess({
      electionTicks: 10,
      heartbeatTicks: 2,
      tickMs: 10,
      snapshotEntries: 8,
      ...options.raft,
      stateMachine: (kv) => new RegisterMachine(kv),
    }),
    clients: { ids: clients, process: () => new RegisterClient(client) },
    time: { model: 'async', horizonMs: options.horizonMs ?? 800 },
    guarantees: {
      invariants: raftInvariants,
      liveness: [clientsDone],
      final: [linearizable(casRegisterModel())],
    },
    faults: {
      swarm: options.swarm ?? RAFT_SWARM,
      livenessBoundMs: options.livenessBoundMs ?? 4_000,
    },
  };
}
