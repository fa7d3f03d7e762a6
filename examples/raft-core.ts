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

/** Options of the register client. */
export interface RegisterClientOptions {
  /** Operations each client performs. */
  readonly ops: number;
  /** A request with no answer after this long is sent again (same session and seq). */
  readonly retryMs: number;
  /** Pause between a completed operation and the next. */
  readonly thinkMs: number;
}

type Op =
  | { readonly f: 'write'; readonly value: number }
  | { readonly f: 'read' }
  | { readonly f: 'cas'; readonly from: number | null; readonly to: number };

/**
 * A workload client: performs `ops` random operations one at a time (read, write, cas), each
 * recorded in the history. A request is retried with the same (session, seq) until it gets an
 * answer — after a timeout, or at once to the leader a `not-leader` reply names — so a write
 * applies exactly once however many times it is sent. Volatile state lives in tracked memory.
 */
export class RegisterClient implements Process<RegisterWire> {
  constructor(readonly options: RegisterClientOptions) {}

  init(ctx: Context<RegisterWire>): void {
    ctx.memory.set('done', this.options.ops === 0);
    ctx.memory.set('seq', 0);
    ctx.memory.set('target', Math.floor(ctx.random() * ctx.nodes.length));
    if (this.options.ops > 0)
      ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
  }

  timer(ctx: Context<RegisterWire>, name: string): void {
    if (name === 'next') this.#start(ctx);
    else if (name === 'retry') {
      // No answer: try the next server.
      ctx.memory.set('target', ((ctx.memory.get<number>('target') ?? 0) + 1) % ctx.nodes.length);
      this.#send(ctx);
    }
  }

  receive(ctx: Context<RegisterWire>, _from: NodeId, msg: RegisterWire): void {
    if (msg.type !== 'reply') return;
    const reply = msg as ClientReply<RegisterResult>;
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
      // not-leader / no-quorum / timeout: the outcome is unknown; retry the same request.
      const leader = reply.error === 'not-leader' ? reply.leader : undefined;
      const index = leader === undefined ? -1 : ctx.nodes.indexOf(leader);
      ctx.memory.set(
        'target',
        index >= 0 ? index : ((ctx.memory.get<number>('target') ?? 0) + 1) % ctx.nodes.length,
      );
      ctx.setTimer('retry', index >= 0 ? 1 : this.options.retryMs / 4);
      return;
    }
    if (op.f === 'read') ctx.history.ok(handle, reply.result);
    else if (op.f === 'write') ctx.history.ok(handle, op.value);
    else if (reply.result === true) ctx.history.ok(handle, [op.from, op.to]);
    else ctx.history.fail(handle, [op.from, op.to]);
    this.#finish(ctx);
  }

  #start(ctx: Context<RegisterWire>): void {
    const seq = (ctx.memory.get<number>('seq') ?? 0) + 1;
    const r = ctx.random();
    const value = Math.floor(ctx.random() * 5);
    const op: Op =
      r < 0.4
        ? { f: 'read' }
        : r < 0.8
          ? { f: 'write', value }
          : { f: 'cas', from: Math.floor(ctx.random() * 5), to: value };
    ctx.memory.set('seq', seq);
    ctx.memory.set('op', op);
    const arg = op.f === 'read' ? null : op.f === 'write' ? op.value : [op.from, op.to];
    ctx.memory.set('handle', ctx.history.invoke(op.f, arg));
    this.#send(ctx);
  }

  #send(ctx: Context<RegisterWire>): void {
    const op = ctx.memory.get<Op>('op') as Op;
    const seq = ctx.memory.get<number>('seq') as number;
    const to = ctx.nodes[ctx.memory.get<number>('target') ?? 0] as NodeId;
    const session = ctx.id;
    if (op.f === 'read') ctx.send(to, { type: 'read', session, seq, query: 'read' });
    else {
      const command: RegisterCommand =
        op.f === 'write'
          ? { op: 'write', value: op.value }
          : { op: 'cas', from: op.from, to: op.to };
      ctx.send(to, { type: 'propose', session, seq, command });
    }
    ctx.setTimer('retry', this.options.retryMs);
  }

  #finish(ctx: Context<RegisterWire>): void {
    ctx.cancelTimer('retry');
    ctx.memory.delete('handle');
    const seq = ctx.memory.get<number>('seq') as number;
    if (seq >= this.options.ops) {
      ctx.memory.set('done', true);
      return;
    }
    ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
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
