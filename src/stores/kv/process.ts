import type { NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import { type RaftProcessOptions, type RaftWireMessage, raftProcess } from '../raft/process.js';
import { readVoters } from '../raft/raft-storage.js';
import type { KvCommand, KvQuery, KvResult } from './commands.js';
import {
  type KvStateMachine,
  type KvStateMachineOptions,
  kvStateMachine,
} from './state-machine.js';

/** Every message a KV node sends or receives. */
export type KvWire = RaftWireMessage<KvCommand, KvQuery, KvResult>;

/** A node's Raft and KV status, as its process last published it. */
export interface KvProcessStatus {
  readonly role: string;
  readonly term: number;
  readonly leader: NodeId | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** Voting members as of the last membership change applied (the start set before any). */
  readonly members: readonly NodeId[];
}

/** Options of {@link kvProcess}. */
export interface KvProcessOptions
  extends Omit<RaftProcessOptions<KvCommand, KvQuery, KvResult>, 'stateMachine'> {
  /** Options of the state machine (history kept for watches). */
  readonly kv?: KvStateMachineOptions;
  /** How often the leader proposes a `tick` entry while leases exist, so that leases expire
   *  without other writes, in ms. Default 500. */
  readonly leaseTickMs?: number;
  /** Called after every handler with the node's status (a server shows it in INFO/CLUSTER).
   *  Default: none. */
  readonly onStatus?: (node: NodeId, status: KvProcessStatus) => void;
}

/** Endpoint the lease ticker's proposals come from; its replies are dropped. */
const TICKER = 'kv:lease-ticker';
const TICK_TIMER = 'kv-lease-tick';

/**
 * The KV store's node process: Raft (src/stores/raft) replicating the {@link KvStateMachine},
 * plus a lease ticker — the leader proposes a `tick` entry every `leaseTickMs` while leases exist,
 * carrying its clock, so leases expire on every replica at the same log position. Runs unchanged
 * under the simulator and on a runtime NodeHost.
 */
export function kvProcess(options: KvProcessOptions = {}): ProcessFactory<KvWire> {
  return (id) => {
    let machine: KvStateMachine | undefined;
    const build = kvStateMachine(options.kv);
    const inner = raftProcess<KvCommand, KvQuery, KvResult>({
      ...options,
      stateMachine: (storage) => {
        machine = build(storage) as KvStateMachine;
        return machine;
      },
    })(id);
    return new KvNode(inner, () => machine, options);
  };
}

class KvNode implements Process<KvWire> {
  readonly #inner: Process<KvWire>;
  readonly #machine: () => KvStateMachine | undefined;
  readonly #options: KvProcessOptions;
  /** Session of this incarnation's lease ticks (random, so a restart never reuses one). */
  #tickSession = '';
  #tickSeq = 0;
  /** The last term this node proposed a 'promote' entry for. */
  #promotedTerm = 0;

  constructor(
    inner: Process<KvWire>,
    machine: () => KvStateMachine | undefined,
    options: KvProcessOptions,
  ) {
    this.#inner = inner;
    this.#machine = machine;
    this.#options = options;
  }

  init(ctx: Context<KvWire>): void {
    this.#tickSession = `${TICKER}/${ctx.id}/${Math.floor(ctx.random() * 2 ** 48).toString(36)}`;
    this.#tickSeq = 0;
    this.#inner.init(quiet(ctx));
    ctx.setTimer(TICK_TIMER, this.#options.leaseTickMs ?? 500);
    this.#publish(ctx);
  }

  receive(ctx: Context<KvWire>, from: NodeId, msg: KvWire): void {
    this.#inner.receive(quiet(ctx), from, msg);
    this.#promoteOnNewTerm(ctx);
    this.#publish(ctx);
  }

  timer(ctx: Context<KvWire>, name: string): void {
    if (name === TICK_TIMER) {
      ctx.setTimer(TICK_TIMER, this.#options.leaseTickMs ?? 500);
      this.#tick(ctx);
    } else this.#inner.timer(quiet(ctx), name);
    this.#promoteOnNewTerm(ctx);
    this.#publish(ctx);
  }

  /** In the handler that won a term, proposes the term's 'promote' entry, right behind Raft's
   *  no-op and ahead of any client entry, so leases are renewed before the new leader's clock
   *  can expire them. Kept in memory only: after a restart the node is a follower anyway. */
  #promoteOnNewTerm(ctx: Context<KvWire>): void {
    if (ctx.memory.get('role') !== 'leader') return;
    const term = Number(ctx.memory.get('term') ?? 0);
    if (term === this.#promotedTerm) return;
    this.#promotedTerm = term;
    this.#inner.receive(quiet(ctx), TICKER, {
      type: 'propose',
      session: this.#tickSession,
      seq: ++this.#tickSeq,
      command: { op: 'promote' },
    });
  }

  #tick(ctx: Context<KvWire>): void {
    const machine = this.#machine();
    if (ctx.memory.get('role') !== 'leader' || machine === undefined) return;
    const status = machine.query({ op: 'status' });
    if (status.type !== 'status' || status.leases === 0) return;
    this.#inner.receive(quiet(ctx), TICKER, {
      type: 'propose',
      session: this.#tickSession,
      seq: ++this.#tickSeq,
      command: { op: 'tick' },
    });
  }

  #publish(ctx: Context<KvWire>): void {
    const onStatus = this.#options.onStatus;
    if (onStatus === undefined) return;
    const leader = ctx.memory.get<NodeId | null>('leader');
    onStatus(ctx.id, {
      role: String(ctx.memory.get('role') ?? 'follower'),
      term: Number(ctx.memory.get('term') ?? 0),
      leader: leader === null || leader === undefined ? undefined : leader,
      commitIndex: Number(ctx.memory.get('commit') ?? 0),
      appliedIndex: this.#machine()?.appliedIndex() ?? 0,
      members: readVoters(ctx.storage) ?? ctx.nodes,
    });
  }
}

/** Quiet views of contexts already seen (a runtime node keeps one context per incarnation). */
const quietViews = new WeakMap<Context<KvWire>, Context<KvWire>>();

/** `ctx` with sends to the lease ticker dropped: the ticker's replies are addressed to nobody
 *  (the simulator would refuse a send to an unknown node). Every other member delegates, read at
 *  use time (a context may hand out per-handler storage). */
function quiet(ctx: Context<KvWire>): Context<KvWire> {
  let view = quietViews.get(ctx);
  if (view === undefined) {
    view = {
      get id() {
        return ctx.id;
      },
      get peers() {
        return ctx.peers;
      },
      get nodes() {
        return ctx.nodes;
      },
      get storage() {
        return ctx.storage;
      },
      get memory() {
        return ctx.memory;
      },
      get history() {
        return ctx.history;
      },
      now: () => ctx.now(),
      random: () => ctx.random(),
      send: (to, msg) => {
        if (to !== TICKER) ctx.send(to, msg);
      },
      setTimer: (name, afterMs) => ctx.setTimer(name, afterMs),
      cancelTimer: (name) => ctx.cancelTimer(name),
      emit: (f) => ctx.emit(f),
      buggify: (site) => ctx.buggify(site),
      log: (note) => ctx.log(note),
    };
    quietViews.set(ctx, view);
  }
  return view;
}
