import { assert } from '../../core/assert.js';
import { fact } from '../../core/fact.js';
import { ENVIRONMENT, type NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import { PrefixKV } from '../../storage/layers/prefix-kv.js';
import type { BatchOp } from '../../storage/ordered-kv.js';
import type { ClientReply, ClientRequest } from './client-messages.js';
import { type RaftConfig, RaftNode, type RaftTestingKnobs } from './raft-node.js';
import {
  deleteAllEntries,
  deleteEntriesThrough,
  putEntries,
  putHardState,
  putSnapshot,
  putVoters,
  readHardState,
  readLog,
  readSnapshotData,
  readSnapshotMeta,
  readVoters,
  SM_PREFIX,
} from './raft-storage.js';
import { SessionTable } from './sessions.js';
import type { StateMachine, StateMachineFactory } from './state-machine.js';
import type { ConfChange, LogEntry, RaftMessage, Ready, Snapshot } from './types.js';

/** A request forwarded by a follower to the leader on behalf of its client endpoint `origin`. */
export interface ForwardMessage<C, Q> {
  readonly type: 'forward';
  readonly origin: string;
  readonly request: ClientRequest<C, Q>;
}

/** The leader's answer to a forwarded request, relayed by the follower to `origin`. */
export interface ForwardReply<R> {
  readonly type: 'forward-reply';
  readonly origin: string;
  readonly reply: ClientReply<R>;
}

/** Operator requests (from a client endpoint): membership change and leadership transfer. */
export type AdminRequest =
  /** Start an election now (etcd's Campaign), e.g. to pin down who leads in a test. */
  | { readonly type: 'campaign' }
  | { readonly type: 'conf-change'; readonly change: ConfChange; readonly id: string }
  | { readonly type: 'transfer-leader'; readonly to: NodeId; readonly id: string };

/** Every message a Raft process sends or receives. */
export type RaftWireMessage<C, Q, R> =
  | RaftMessage
  | ClientRequest<C, Q>
  | ClientReply<R>
  | ForwardMessage<C, Q>
  | ForwardReply<R>
  | AdminRequest
  | {
      readonly type: 'admin-reply';
      readonly id: string;
      readonly ok: boolean;
      readonly error?: string;
    };

/** The payload of a client entry: the command with its session, and the leader's clock. */
interface ClientEntry<C> {
  readonly s: string;
  readonly q: number;
  readonly c: C;
  readonly t: number;
}

/** Which facts the process emits. `all`: leader, voted, committed and applied (for checkers).
 * `election`: leader and voted only (smaller LDFI formulas). */
export type RaftFacts = 'all' | 'election';

/** Options of {@link raftProcess}. The Raft core's own options keep {@link RaftConfig}'s meaning
 * and defaults; a proposal over `uncommittedEntriesMax` is answered `no-quorum`. */
export interface RaftProcessOptions<C, Q, R>
  extends Pick<
    RaftConfig,
    | 'preVote'
    | 'checkQuorum'
    | 'entriesPerMessageMax'
    | 'bytesPerMessageMax'
    | 'inflightMax'
    | 'uncommittedEntriesMax'
  > {
  readonly stateMachine: StateMachineFactory<C, Q, R>;
  /** Election timeout in ticks (randomised in [n, 2n)). Default 10. */
  readonly electionTicks?: number;
  /** Heartbeat interval in ticks. Default 2. */
  readonly heartbeatTicks?: number;
  /** Length of a tick in ms (in the synchronous model: ticks of the simulator). Default 10. */
  readonly tickMs?: number;
  /** Take a snapshot (and compact the log) once this many entries were applied since the last
   * one. Default 1000. */
  readonly snapshotEntries?: number;
  /** When true, a snapshot taken to compact the log records only its position: the state
   *  machine, durable in the process's own storage, *is* the snapshot, so nothing is copied (a
   *  copy of a large state blocks the node for as long as it takes). A follower that needs a
   *  snapshot is sent one built at that moment from the state machine. Only for state machines
   *  that write every apply to the storage they are given (the KV store). Default false: the
   *  state is copied into storage each time a snapshot is taken. */
  readonly lazySnapshots?: boolean;
  /** Client sessions expire this long (ms of entry time) after their last request. Default 10
   * minutes. */
  readonly sessionTtlMs?: number;
  /** Facts emitted. Default `all`. */
  readonly facts?: RaftFacts;
  /** Deliberate bugs for verification fixtures (never in production). `volatileVote`: the vote is
   * kept in memory only (not persisted with the term). */
  readonly knobs?: RaftTestingKnobs & { readonly volatileVote?: boolean };
}

interface PendingRead<Q> {
  readonly origin: string;
  readonly via: NodeId | undefined;
  readonly session: string;
  readonly seq: number;
  readonly query: Q;
  index: number;
}

/** Answers an operator request: ok, or refused with `refusal` (the environment gets no reply). */
function replyAdmin<C, Q, R>(
  ctx: Ctx<C, Q, R>,
  to: NodeId,
  id: string,
  refusal: string | undefined,
): void {
  if (to === ENVIRONMENT) return;
  ctx.send(
    to,
    refusal === undefined
      ? { type: 'admin-reply', id, ok: true }
      : { type: 'admin-reply', id, ok: false, error: refusal },
  );
}

/** An entry's size for `bytesPerMessageMax`: its JSON length (commands are JSON-serialisable). */
function entryBytes(entry: LogEntry): number {
  return entry.type === 'normal' ? JSON.stringify(entry.data).length + 32 : 32;
}

/** Timer name of the Raft tick. */
export const TICK_TIMER = 'raft-tick';

/**
 * A Raft node as a Cadre {@link Process}: the pure {@link RaftNode} driven by a tick timer, its
 * Ready work done through the context (persist through `ctx.storage`, then send, then apply), and
 * the client protocol of client-messages.ts. Any sender that is not a server node is a client.
 * The same factory runs under the simulator, under LDFI and on a real NodeHost.
 */
export function raftProcess<C, Q, R>(
  options: RaftProcessOptions<C, Q, R>,
): ProcessFactory<RaftWireMessage<C, Q, R>> {
  return () => new RaftProcess(options);
}

type Ctx<C, Q, R> = Context<RaftWireMessage<C, Q, R>>;

class RaftProcess<C, Q, R> implements Process<RaftWireMessage<C, Q, R>> {
  readonly #opts: RaftProcessOptions<C, Q, R>;
  #node!: RaftNode;
  #sm!: StateMachine<C, Q, R>;
  #sessions!: SessionTable;
  /** Client endpoints waiting for (session/seq): who to answer, and through which follower. */
  #waiting = new Map<string, { origin: string; via: NodeId | undefined }[]>();
  #reads = new Map<string, PendingRead<Q>>();
  #readSeq = 0;
  #leaderTerm = -1;
  #snapshotIndex = 0;
  #lastVote: { term: number; vote: NodeId | null } = { term: 0, vote: null };
  #logVersion = 0;
  /** Storage failed while starting: the node ignores input until a start succeeds. */
  #down = false;
  #publishedLogVersion = -1;

  constructor(options: RaftProcessOptions<C, Q, R>) {
    this.#opts = options;
  }

  init(ctx: Ctx<C, Q, R>): void {
    ctx.setTimer(TICK_TIMER, this.#opts.tickMs ?? 10);
    this.#boot(ctx);
  }

  timer(ctx: Ctx<C, Q, R>, name: string): void {
    if (name !== TICK_TIMER) return;
    ctx.setTimer(TICK_TIMER, this.#opts.tickMs ?? 10);
    if (this.#down && !this.#boot(ctx)) return;
    this.#node.tick();
    this.#drain(ctx);
  }

  receive(ctx: Ctx<C, Q, R>, from: NodeId, msg: RaftWireMessage<C, Q, R>): void {
    if (
      msg === null ||
      typeof msg !== 'object' ||
      typeof (msg as { type?: unknown }).type !== 'string'
    ) {
      ctx.log(`dropped a malformed message from ${from}`);
      return;
    }
    if (this.#down) return; // storage unusable: the node is as good as down (see #boot)
    const isServer = ctx.nodes.includes(from);
    switch (msg.type) {
      case 'propose':
      case 'read':
        if (isServer) return;
        this.#clientRequest(ctx, from, undefined, msg);
        break;
      case 'forward':
        if (!isServer) return;
        this.#clientRequest(ctx, msg.origin, from, msg.request);
        break;
      case 'forward-reply':
        if (!isServer) return;
        ctx.send(msg.origin, msg.reply);
        return;
      case 'conf-change': {
        const r = this.#node.proposeConfChange(msg.change);
        replyAdmin(ctx, from, msg.id, typeof r === 'string' ? r : undefined);
        break;
      }
      case 'campaign':
        if (isServer) return;
        this.#node.campaign();
        break;
      case 'transfer-leader':
        replyAdmin(ctx, from, msg.id, this.#node.transferLeadership(msg.to));
        break;
      case 'reply':
      case 'admin-reply':
        return;
      default:
        if (!isServer || typeof (msg as { term?: unknown }).term !== 'number') return;
        this.#node.step(from, msg);
    }
    this.#drain(ctx);
  }

  // ---- startup ---------------------------------------------------------------------------------

  /**
   * Builds the core from storage: first start, restart, and recovery after a failed write. When
   * storage fails even here (e.g. a full disk while installing a snapshot), the node stays down —
   * it ignores messages — and tries again at each tick. Returns whether the node is up.
   */
  #boot(ctx: Ctx<C, Q, R>): boolean {
    try {
      this.#load(ctx);
      this.#down = false;
    } catch (e) {
      if (!isStorageFailure(e)) throw e;
      ctx.log(
        `raft: cannot start from storage (${(e as Error).message}); retrying at the next tick`,
      );
      this.#down = true;
      ctx.memory.set('role', 'down');
    }
    return !this.#down;
  }

  #load(ctx: Ctx<C, Q, R>): void {
    const kv = ctx.storage;
    this.#sm = this.#opts.stateMachine(new PrefixKV(kv, SM_PREFIX));
    this.#sessions = new SessionTable(this.#opts.sessionTtlMs ?? 600_000);
    this.#sessions.load(kv);
    const hs = readHardState(kv);
    const meta = readSnapshotMeta(kv);
    let snapshot: Snapshot | undefined;
    if (meta !== undefined) {
      snapshot = { meta, data: readSnapshotData(kv) };
      if (this.#sm.appliedIndex() < meta.index) {
        // A lazy snapshot has no copy: the state machine must already be at or past it.
        assert(
          snapshot.data.length > 0,
          'raft: a snapshot without a copy is behind the durable state machine',
          `snapshot ${meta.index}, state machine at ${this.#sm.appliedIndex()}`,
        );
        this.#installSnapshot(ctx, snapshot);
      }
    }
    this.#snapshotIndex = meta?.index ?? 0;
    const entries = readLog(kv).filter((e) => e.index > (meta?.index ?? 0));
    const voters = readVoters(kv);
    const hardState = this.#opts.knobs?.volatileVote === true ? { ...hs, vote: null } : hs;
    this.#node = new RaftNode(
      {
        id: ctx.id,
        voters: ctx.nodes,
        electionTicks: this.#opts.electionTicks ?? 10,
        heartbeatTicks: this.#opts.heartbeatTicks ?? 2,
        random: () => ctx.random(),
        ...(this.#opts.preVote === undefined ? {} : { preVote: this.#opts.preVote }),
        ...(this.#opts.checkQuorum === undefined ? {} : { checkQuorum: this.#opts.checkQuorum }),
        ...(this.#opts.entriesPerMessageMax === undefined
          ? {}
          : { entriesPerMessageMax: this.#opts.entriesPerMessageMax }),
        ...(this.#opts.inflightMax === undefined ? {} : { inflightMax: this.#opts.inflightMax }),
        ...(this.#opts.bytesPerMessageMax === undefined
          ? {}
          : { bytesPerMessageMax: this.#opts.bytesPerMessageMax, entryBytes }),
        ...(this.#opts.uncommittedEntriesMax === undefined
          ? {}
          : { uncommittedEntriesMax: this.#opts.uncommittedEntriesMax }),
        ...(this.#opts.knobs === undefined ? {} : { knobs: this.#opts.knobs }),
        ...(this.#opts.lazySnapshots === true
          ? { snapshotSource: () => this.#freshSnapshot() }
          : {}),
      },
      {
        hardState,
        ...(snapshot === undefined ? {} : { snapshot }),
        entries,
        ...(voters === undefined ? {} : { voters }),
        applied: Math.max(this.#sm.appliedIndex(), meta?.index ?? 0),
      },
    );
    this.#lastVote = { term: hardState.term, vote: hardState.vote };
    this.#leaderTerm = -1;
    this.#logVersion++;
    this.#publish(ctx);
  }

  // ---- clients ---------------------------------------------------------------------------------

  #clientRequest(
    ctx: Ctx<C, Q, R>,
    origin: string,
    via: NodeId | undefined,
    req: ClientRequest<C, Q>,
  ): void {
    const reply = (r: ClientReply<R>) => this.#reply(ctx, origin, via, r);
    const problem = requestProblem(req);
    if (problem !== undefined) {
      reply({
        type: 'reply',
        session: String(req.session),
        seq: Number(req.seq),
        ok: false,
        error: `bad request: ${problem}`,
      });
      return;
    }
    const status = this.#node.status();
    if (status.role !== 'leader') {
      if (status.leader !== null && via === undefined) {
        ctx.send(status.leader, { type: 'forward', origin, request: req });
      } else {
        reply({
          type: 'reply',
          session: req.session,
          seq: req.seq,
          ok: false,
          error: 'not-leader',
          ...(status.leader === null ? {} : { leader: status.leader }),
        });
      }
      return;
    }
    if (req.type === 'propose') {
      const key = `${req.session}/${req.seq}`;
      const entry: ClientEntry<C> = { s: req.session, q: req.seq, c: req.command, t: ctx.now() };
      const r = this.#node.propose(entry);
      if (typeof r === 'string') {
        reply({
          type: 'reply',
          session: req.session,
          seq: req.seq,
          ok: false,
          error: r === 'not-leader' ? 'not-leader' : 'no-quorum',
        });
        return;
      }
      const list = this.#waiting.get(key) ?? [];
      list.push({ origin, via });
      this.#waiting.set(key, list);
      return;
    }
    const id = `${ctx.id}:${++this.#readSeq}`;
    const refused = this.#node.readIndex(id);
    if (refused !== undefined) {
      reply({ type: 'reply', session: req.session, seq: req.seq, ok: false, error: 'not-leader' });
      return;
    }
    this.#reads.set(id, {
      origin,
      via,
      session: req.session,
      seq: req.seq,
      query: req.query,
      index: -1,
    });
  }

  #reply(ctx: Ctx<C, Q, R>, origin: string, via: NodeId | undefined, reply: ClientReply<R>): void {
    if (origin === ENVIRONMENT) return; // a spec input: nobody to answer
    if (via === undefined) ctx.send(origin, reply);
    else ctx.send(via, { type: 'forward-reply', origin, reply });
  }

  // ---- Ready -----------------------------------------------------------------------------------

  #drain(ctx: Ctx<C, Q, R>): void {
    while (this.#node.hasReady()) {
      const rd = this.#node.ready();
      if (!this.#persist(ctx, rd)) return;
      for (const m of rd.messages) ctx.send(m.to, m.msg);
      if (!this.#apply(ctx, rd)) return;
      for (const rs of rd.readStates) {
        const r = this.#reads.get(rs.id);
        if (r !== undefined) r.index = rs.index;
      }
      this.#node.advance(rd);
    }
    this.#serveReads(ctx);
    for (const id of this.#node.takeAbandonedReads()) {
      const r = this.#reads.get(id);
      if (r === undefined) continue;
      this.#reads.delete(id);
      this.#reply(ctx, r.origin, r.via, {
        type: 'reply',
        session: r.session,
        seq: r.seq,
        ok: false,
        error: 'not-leader',
      });
    }
    this.#maybeSnapshot(ctx);
    this.#publish(ctx);
  }

  /** Step 1 of Ready. A failed write (e.g. a full disk) drops this Ready and rebuilds the core
   * from storage, as a restart would: nothing that depended on it has left the node. */
  #persist(ctx: Ctx<C, Q, R>, rd: Ready): boolean {
    const ops: BatchOp[] = [];
    if (rd.snapshot !== undefined) {
      ops.push(...putSnapshot(rd.snapshot.meta, rd.snapshot.data));
      // The core kept the entries after the snapshot only if they matched it; otherwise the whole
      // stored log is stale and must go, or a restart would load it back.
      const kept = this.#node.log.lastIndex() > rd.snapshot.meta.index;
      ops.push(kept ? deleteEntriesThrough(rd.snapshot.meta.index) : deleteAllEntries());
      ops.push(putVoters(rd.snapshot.meta.voters));
    }
    ops.push(...putEntries(rd.entries));
    if (rd.hardState !== undefined) {
      const hs =
        this.#opts.knobs?.volatileVote === true ? { ...rd.hardState, vote: null } : rd.hardState;
      ops.push(putHardState(hs));
    }
    if (ops.length > 0) {
      try {
        ctx.storage.batch(ops);
      } catch (e) {
        ctx.log(`raft: write failed (${(e as Error).message}); rebuilding from storage`);
        this.#boot(ctx);
        return false;
      }
    }
    if (rd.entries.length > 0 || rd.snapshot !== undefined) this.#logVersion++;
    const hs = rd.hardState;
    if (
      hs !== undefined &&
      hs.vote !== null &&
      (hs.term !== this.#lastVote.term || hs.vote !== this.#lastVote.vote)
    ) {
      ctx.emit(fact('voted', ctx.id, hs.term, hs.vote));
    }
    if (hs !== undefined) this.#lastVote = { term: hs.term, vote: hs.vote };
    const status = this.#node.status();
    if (status.role === 'leader' && status.term !== this.#leaderTerm) {
      this.#leaderTerm = status.term;
      ctx.emit(fact('leader', ctx.id, status.term));
    }
    if (hs !== undefined && status.role === 'leader' && this.#opts.facts !== 'election') {
      // The leader's commit point, as persisted: `committed(node, index, term)`.
      const term = this.#node.log.term(hs.commit);
      if (term !== undefined && hs.commit > 0) ctx.emit(fact('committed', ctx.id, hs.commit, term));
    }
    return true;
  }

  /** Step 3 of Ready: install the snapshot, apply committed entries, answer waiting clients. */
  #apply(ctx: Ctx<C, Q, R>, rd: Ready): boolean {
    try {
      if (rd.snapshot !== undefined) {
        this.#installSnapshot(ctx, rd.snapshot);
        this.#snapshotIndex = rd.snapshot.meta.index;
      }
      for (const e of rd.committed) this.#applyEntry(ctx, e);
    } catch (e) {
      if (!isStorageFailure(e)) throw e;
      ctx.log(`raft: apply failed (${(e as Error).message}); rebuilding from storage`);
      this.#boot(ctx);
      return false;
    }
    return true;
  }

  #applyEntry(ctx: Ctx<C, Q, R>, e: LogEntry): void {
    if (e.type === 'conf') {
      const voters = this.#node.applyConfChange(e.change);
      ctx.storage.batch([putVoters(voters)]);
    } else if (e.type === 'normal' && e.index > this.#sm.appliedIndex()) {
      const entry = e.data as ClientEntry<C>;
      // The replicated clock (never back, whatever the proposing leader's clock said) drives
      // session expiry and the state machine's time-based logic alike, on every replica.
      const clock = this.#sessions.advance(entry.t);
      const now = clock.clockMs;
      const dup = this.#sessions.duplicate(entry.s, entry.q, now);
      let reply: ClientReply<R>;
      if (dup === undefined) {
        let result: R | undefined;
        let error: string | undefined;
        try {
          result = this.#sm.apply(e.index, entry.c, now);
        } catch (err) {
          if (isStorageFailure(err)) throw err;
          error = `command failed: ${(err as Error).message}`;
        }
        ctx.storage.batch([
          clock.op,
          this.#sessions.record(entry.s, entry.q, error === undefined ? result : { error }, now),
        ]);
        reply =
          error === undefined
            ? { type: 'reply', session: entry.s, seq: entry.q, ok: true, result: result as R }
            : { type: 'reply', session: entry.s, seq: entry.q, ok: false, error };
      } else if ('stale' in dup) {
        ctx.storage.batch([clock.op]);
        reply = {
          type: 'reply',
          session: entry.s,
          seq: entry.q,
          ok: false,
          error: 'stale request: a later seq of this session was applied',
        };
      } else {
        ctx.storage.batch([clock.op]);
        const rec = dup.result as { error?: string } | null;
        reply =
          rec !== null &&
          typeof rec === 'object' &&
          typeof rec.error === 'string' &&
          Object.keys(rec).length === 1
            ? { type: 'reply', session: entry.s, seq: entry.q, ok: false, error: rec.error }
            : { type: 'reply', session: entry.s, seq: entry.q, ok: true, result: dup.result as R };
      }
      const key = `${entry.s}/${entry.q}`;
      const waiters = this.#waiting.get(key);
      if (waiters !== undefined) {
        this.#waiting.delete(key);
        for (const w of waiters) this.#reply(ctx, w.origin, w.via, reply);
      }
    }
    if (this.#opts.facts !== 'election') ctx.emit(fact('applied', ctx.id, e.index, e.term));
  }

  #installSnapshot(ctx: Ctx<C, Q, R>, snapshot: Snapshot): void {
    const { sm, sessions } = splitSnapshot(snapshot.data);
    this.#sm.restore(snapshot.meta.index, sm);
    ctx.storage.batch(this.#sessions.restore(sessions));
  }

  #serveReads(ctx: Ctx<C, Q, R>): void {
    if (this.#reads.size === 0) return;
    const applied = this.#node.status().applied;
    for (const [id, r] of this.#reads) {
      if (r.index < 0 || r.index > applied) continue;
      this.#reads.delete(id);
      let reply: ClientReply<R>;
      try {
        reply = {
          type: 'reply',
          session: r.session,
          seq: r.seq,
          ok: true,
          result: this.#sm.query(r.query),
        };
      } catch (e) {
        reply = {
          type: 'reply',
          session: r.session,
          seq: r.seq,
          ok: false,
          error: `query failed: ${(e as Error).message}`,
        };
      }
      this.#reply(ctx, r.origin, r.via, reply);
    }
  }

  #maybeSnapshot(ctx: Ctx<C, Q, R>): void {
    const applied = this.#node.status().applied;
    if (applied - this.#snapshotIndex < (this.#opts.snapshotEntries ?? 1000)) return;
    const term = this.#node.log.term(applied);
    if (term === undefined || (this.#sm.appliedIndex() < applied && this.#lastNormal(applied)))
      return;
    const data =
      this.#opts.lazySnapshots === true
        ? EMPTY_DATA
        : joinSnapshot(this.#sm.snapshot(), this.#sessions.encode());
    const snapshot: Snapshot = {
      meta: { index: applied, term, voters: this.#node.status().voters },
      data,
    };
    try {
      ctx.storage.batch([...putSnapshot(snapshot.meta, data), deleteEntriesThrough(applied)]);
    } catch (e) {
      if (!isStorageFailure(e)) throw e;
      return; // try again after the next apply
    }
    this.#node.compact(snapshot);
    this.#snapshotIndex = applied;
    this.#logVersion++;
  }

  /** A snapshot of the state machine as it is now (lazy snapshots: built only when a follower
   *  needs one), at the applied index it reflects. */
  #freshSnapshot(): Snapshot {
    const applied = this.#node.status().applied;
    // The state machine reflects every normal entry through `applied` unless it lags on one.
    const index = this.#lastNormal(applied) ? this.#sm.appliedIndex() : applied;
    const term = this.#node.log.term(index);
    assert(
      term !== undefined,
      'raft: a fresh snapshot starts at or after the compaction point',
      `index ${index}, applied ${applied}`,
    );
    return {
      meta: { index, term, voters: this.#node.status().voters },
      data: joinSnapshot(this.#sm.snapshot(), this.#sessions.encode()),
    };
  }

  /** Whether the state machine lags on a normal entry (then its snapshot would be behind). */
  #lastNormal(applied: number): boolean {
    for (let i = this.#sm.appliedIndex() + 1; i <= applied; i++) {
      if (this.#node.log.entry(i)?.type === 'normal') return true;
    }
    return false;
  }

  /** Mirrors the node's state into tracked memory, where checkers read it. */
  #publish(ctx: Ctx<C, Q, R>): void {
    const s = this.#node.status();
    const m = ctx.memory;
    if (m.get('role') !== s.role) m.set('role', s.role);
    if (m.get('term') !== s.term) m.set('term', s.term);
    if (m.get('leader') !== s.leader) m.set('leader', s.leader);
    if (m.get('commit') !== s.commit) m.set('commit', s.commit);
    if (this.#publishedLogVersion !== this.#logVersion) {
      // Stamped with the time so a restarted process (whose counter starts over) still differs.
      this.#publishedLogVersion = this.#logVersion;
      m.set('logVersion', `${ctx.now()}/${this.#logVersion}`);
    }
  }
}

/** What is wrong with a client request, or undefined. */
function requestProblem(req: ClientRequest<unknown, unknown>): string | undefined {
  if (typeof req.session !== 'string' || req.session.length === 0)
    return 'session must be a non-empty string';
  if (!Number.isSafeInteger(req.seq) || req.seq < 1)
    return `seq must be a whole number >= 1, got ${String(req.seq)}`;
  return undefined;
}

function isStorageFailure(e: unknown): boolean {
  return (
    e instanceof Error &&
    (e.name === 'DiskFullError' ||
      e.name === 'CorruptRecordError' ||
      e.name === 'StorageInputError')
  );
}

/** Snapshot bytes: 4-byte big-endian length of the session table, the table, the state machine. */
/** The data of a lazy snapshot: none (the state machine is the data). */
const EMPTY_DATA = new Uint8Array(0);

function joinSnapshot(sm: Uint8Array, sessions: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + sessions.length + sm.length);
  new DataView(out.buffer).setUint32(0, sessions.length);
  out.set(sessions, 4);
  out.set(sm, 4 + sessions.length);
  return out;
}

function splitSnapshot(data: Uint8Array): { sm: Uint8Array; sessions: Uint8Array } {
  const n = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  return { sessions: data.subarray(4, 4 + n), sm: data.subarray(4 + n) };
}
