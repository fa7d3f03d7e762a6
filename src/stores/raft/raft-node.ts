import { assert } from '../../core/assert.js';
import type { NodeId } from '../../core/ids.js';
import { Progress } from './progress.js';
import { RaftLog } from './raft-log.js';
import type {
  ConfChange,
  HardState,
  LogEntry,
  Outgoing,
  RaftMessage,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotMeta,
} from './types.js';

/**
 * Deliberate bugs, for the verification fixtures only (test/stores/raft/fixtures): each one breaks
 * a rule the checks must catch. Never set in production.
 */
export interface RaftTestingKnobs {
  /** Grant a vote to any candidate with an up-to-date log, even after voting for another one in
   * the same term (drops the "one vote per term" check). */
  readonly grantVoteIgnoringVotedFor?: boolean;
  /** Commit an entry of an earlier term once a majority holds it (Raft Figure 8's bug), instead
   * of only entries of the leader's own term. */
  readonly commitPriorTermByCounting?: boolean;
}

/** Configuration of a {@link RaftNode}. Times are in ticks. */
export interface RaftConfig {
  readonly id: NodeId;
  /** Voters when nothing is persisted yet (a fresh cluster). */
  readonly voters: readonly NodeId[];
  /** Election timeout: a follower hearing from no leader for a randomised
   * [electionTicks, 2·electionTicks) ticks campaigns. Must exceed `heartbeatTicks`. */
  readonly electionTicks: number;
  /** Leader heartbeat interval in ticks. */
  readonly heartbeatTicks: number;
  /** Injected randomness in [0, 1) (the only source of it). */
  readonly random: () => number;
  /** Pre-vote (thesis §9.6): a node wins a pre-vote before raising its term. Default true. */
  readonly preVote?: boolean;
  /** Check-quorum: a leader that heard from no quorum in an election timeout steps down, and
   * nodes that heard from a leader within the election timeout refuse votes. Default true. */
  readonly checkQuorum?: boolean;
  /** Most entries per append message. Default 64. */
  readonly entriesPerMessageMax?: number;
  /** Approximate most bytes of entries per append message (at least one entry). Default 1 MiB. */
  readonly bytesPerMessageMax?: number;
  /** Most unacknowledged appends per follower in replicate state. Default 64. */
  readonly inflightMax?: number;
  /** Most uncommitted entries the leader accepts before dropping proposals. Default 4096. */
  readonly uncommittedEntriesMax?: number;
  /** Size of an entry's payload in bytes, for `bytesPerMessageMax`. Default: 64 per entry. */
  readonly entryBytes?: (entry: LogEntry) => number;
  /** When set, a follower that needs a snapshot is sent the one this returns, built by the host
   *  at that moment (at its applied index, which is at or after the log's compaction point), not
   *  the one the log was compacted to. For hosts whose state machine is durable on its own and
   *  so compacts without copying it (the adapter's `lazySnapshots`). Default: none. */
  readonly snapshotSource?: () => Snapshot;
  readonly knobs?: RaftTestingKnobs;
}

/** Durable state a node restarts from (all empty for a fresh node). */
export interface RaftRestore {
  readonly hardState: HardState;
  /** The latest snapshot (meta and data), if one was taken or installed. */
  readonly snapshot?: Snapshot;
  /** Stored entries after the snapshot, in order. */
  readonly entries: readonly LogEntry[];
  /** Voters as of the last applied membership change (else the snapshot's, else the config's). */
  readonly voters?: readonly NodeId[];
  /** Last index the state machine applied. */
  readonly applied: number;
}

/** Why a proposal or request was refused. */
export type RaftRefusal = 'not-leader' | 'transferring' | 'no-quorum' | 'pending-conf-change';

/** A read-only view of a node's state (for hosts, tests and facts). */
export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly voters: readonly NodeId[];
}

interface PendingRead {
  readonly id: string;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

/**
 * The Raft core, pure (etcd-raft's RawNode shape): no I/O, no clock, randomness injected. Feed it
 * `tick()`, `step(from, msg)`, `propose`, `readIndex`, `proposeConfChange`,
 * `transferLeadership`; take the work to do from `ready()` and report it done with `advance()`.
 * See {@link Ready} for the order the host must follow (persist before send).
 */
export class RaftNode {
  readonly id: NodeId;
  readonly #cfg: Required<Omit<RaftConfig, 'knobs' | 'snapshotSource'>> & {
    knobs: RaftTestingKnobs;
  };
  readonly #snapshotSource: (() => Snapshot) | undefined;
  readonly log: RaftLog;
  #term: number;
  #vote: NodeId | null;
  #role: Role = 'follower';
  #leader: NodeId | null = null;
  #voters: NodeId[];
  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #randomizedTimeout = 0;
  #votes = new Map<NodeId, boolean>();
  #progress = new Map<NodeId, Progress>();
  #snapshotTicks = new Map<NodeId, number>();
  #pendingConfIndex = 0;
  #transferee: NodeId | null = null;
  #pendingReads: PendingRead[] = [];
  #readsAwaitingCommit: string[] = [];
  #readSeq = 0;
  #msgs: Outgoing[] = [];
  #readStates: ReadState[] = [];
  #persisted: HardState;
  #snapshot: Snapshot | undefined;
  #broadcastPending = false;

  constructor(config: RaftConfig, restore?: RaftRestore) {
    if (!(Number.isInteger(config.electionTicks) && config.electionTicks >= 2)) {
      throw new RangeError(
        `raft ${config.id}: electionTicks must be a whole number >= 2, got ${config.electionTicks}`,
      );
    }
    if (
      !(
        Number.isInteger(config.heartbeatTicks) &&
        config.heartbeatTicks >= 1 &&
        config.heartbeatTicks < config.electionTicks
      )
    ) {
      throw new RangeError(
        `raft ${config.id}: heartbeatTicks must be a whole number in [1, electionTicks), got ${config.heartbeatTicks}`,
      );
    }
    this.id = config.id;
    this.#cfg = {
      id: config.id,
      voters: config.voters,
      electionTicks: config.electionTicks,
      heartbeatTicks: config.heartbeatTicks,
      random: config.random,
      preVote: config.preVote ?? true,
      checkQuorum: config.checkQuorum ?? true,
      entriesPerMessageMax: config.entriesPerMessageMax ?? 64,
      bytesPerMessageMax: config.bytesPerMessageMax ?? 1 << 20,
      inflightMax: config.inflightMax ?? 64,
      uncommittedEntriesMax: config.uncommittedEntriesMax ?? 4096,
      entryBytes: config.entryBytes ?? (() => 64),
      knobs: config.knobs ?? {},
    };
    this.#snapshotSource = config.snapshotSource;
    const hs = restore?.hardState ?? EMPTY_HARD_STATE;
    const snap = restore?.snapshot;
    const meta: SnapshotMeta = snap?.meta ?? { index: 0, term: 0, voters: config.voters };
    this.log = new RaftLog(meta, restore?.entries ?? [], hs.commit, restore?.applied ?? 0);
    this.#snapshot = snap;
    this.#term = hs.term;
    this.#vote = hs.vote;
    this.#persisted = hs;
    this.#voters = [...(restore?.voters ?? meta.voters)];
    this.#resetRandomizedTimeout();
  }

  // ---- inputs ----------------------------------------------------------------------------------

  /** One unit of logical time. */
  tick(): void {
    if (this.#role === 'leader') this.#tickLeader();
    else this.#tickElection();
  }

  /** Starts an election now, as an election timeout would (etcd's Campaign): a pre-vote first
   * when pre-vote is on. No-op for a leader or a node that is not a voter. */
  campaign(): void {
    if (this.#role === 'leader') return;
    this.#electionElapsed = 0;
    this.#campaign('pre-vote');
  }

  /** Proposes `data`; returns where it landed, or why not. */
  propose(data: unknown): { index: number; term: number } | RaftRefusal {
    return this.#appendProposal({ type: 'normal', data });
  }

  /** Proposes a one-voter membership change; at most one may be pending (etcd's rule). */
  proposeConfChange(change: ConfChange): { index: number; term: number } | RaftRefusal {
    if (this.#role !== 'leader') return 'not-leader';
    if (this.#pendingConfIndex > this.log.applied) return 'pending-conf-change';
    if (change.op === 'add' && this.#voters.includes(change.node)) return 'pending-conf-change';
    if (change.op === 'remove' && !this.#voters.includes(change.node)) return 'pending-conf-change';
    const r = this.#appendProposal({ type: 'conf', change });
    if (typeof r !== 'string') this.#pendingConfIndex = r.index;
    return r;
  }

  /**
   * Asks for a linearisable read (ReadIndex, thesis §6.4): once a quorum confirms this node still
   * leads, a {@link ReadState} with the commit index at the time of the request comes out of
   * `ready()`; the read may be served once `applied >= index`.
   */
  readIndex(id: string): RaftRefusal | undefined {
    if (this.#role !== 'leader') return 'not-leader';
    if (this.#transferee !== null) return 'transferring';
    // A new leader does not know the commit index until an entry of its term commits (§6.4).
    if (this.log.term(this.log.committed) !== this.#term) {
      this.#readsAwaitingCommit.push(id);
      return undefined;
    }
    this.#startRead(id);
    return undefined;
  }

  /** Hands leadership to `to` (thesis §3.10): catch it up, then send TimeoutNow. */
  transferLeadership(to: NodeId): RaftRefusal | undefined {
    if (this.#role !== 'leader') return 'not-leader';
    if (to === this.id || !this.#voters.includes(to)) return undefined;
    this.#transferee = to;
    this.#electionElapsed = 0;
    const pr = this.#progress.get(to) as Progress;
    if (pr.match === this.log.lastIndex())
      this.#send(to, { type: 'timeout-now', term: this.#term });
    else this.#sendAppend(to, true);
    return undefined;
  }

  /** A message from peer `from`. */
  step(from: NodeId, msg: RaftMessage): void {
    if (msg.term > this.#term) {
      const isVote = msg.type === 'vote';
      if (isVote && !msg.transfer && this.#inLease()) return; // heard from a live leader recently
      if (isVote && msg.pre) {
        // A pre-vote never changes our term.
      } else if (msg.type === 'vote-resp' && msg.pre && !msg.reject) {
        // The grant of our pre-vote carries the term we would move to.
      } else {
        const leader =
          msg.type === 'app' || msg.type === 'heartbeat' || msg.type === 'snap' ? from : null;
        this.#becomeFollower(msg.term, leader);
      }
    } else if (msg.term < this.#term) {
      if (msg.type === 'app' || msg.type === 'heartbeat') {
        // A stale leader (e.g. healed from a partition): our term in the answer deposes it.
        this.#send(from, { type: 'app-resp', term: this.#term, index: 0, reject: true, hint: 0 });
      } else if (msg.type === 'vote' && msg.pre) {
        this.#send(from, { type: 'vote-resp', pre: true, term: this.#term, reject: true });
      }
      return;
    }
    if (msg.type === 'vote') {
      this.#handleVote(from, msg);
      return;
    }
    switch (this.#role) {
      case 'leader':
        this.#stepLeader(from, msg);
        return;
      case 'candidate':
      case 'pre-candidate':
        this.#stepCandidate(from, msg);
        return;
      case 'follower':
        this.#stepFollower(from, msg);
        return;
    }
  }

  /** The host applied a membership change entry: the new voters take effect now. */
  applyConfChange(change: ConfChange): readonly NodeId[] {
    const voters = new Set(this.#voters);
    if (change.op === 'add') voters.add(change.node);
    else voters.delete(change.node);
    this.#voters = [...voters].sort();
    if (this.#role === 'leader') {
      if (change.op === 'add' && !this.#progress.has(change.node)) {
        this.#progress.set(
          change.node,
          new Progress(this.log.lastIndex() + 1, this.#cfg.inflightMax),
        );
      }
      if (change.op === 'remove') {
        this.#progress.delete(change.node);
        if (change.node === this.id) {
          this.#becomeFollower(this.#term, null); // step down on removal
          return this.#voters;
        }
      }
      // A new member hears from the leader at once; a smaller quorum may commit more.
      this.#maybeCommit();
      this.#broadcastPending = true;
    }
    return this.#voters;
  }

  /** The host took a snapshot at `snapshot.meta.index` (≤ applied): drop the log before it. */
  compact(snapshot: Snapshot): void {
    this.log.compact(snapshot.meta);
    this.#snapshot = snapshot;
  }

  // ---- outputs ---------------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.#broadcastPending ||
      this.#msgs.length > 0 ||
      this.#readStates.length > 0 ||
      this.log.stableTo < this.log.lastIndex() ||
      this.log.pendingSnapshot !== undefined ||
      this.log.toApply().length > 0 ||
      !sameHardState(this.#hardState(), this.#persisted)
    );
  }

  /** The work to do now (see {@link Ready}); call {@link advance} once it is done. */
  ready(): Ready {
    if (this.#broadcastPending) {
      this.#broadcastPending = false;
      if (this.#role === 'leader') this.#broadcastAppend();
    }
    const hs = this.#hardState();
    const rd: Ready = {
      entries: this.log.unstable(),
      hardState: sameHardState(hs, this.#persisted) ? undefined : hs,
      snapshot: this.log.pendingSnapshot,
      messages: this.#msgs,
      committed: this.log.toApply(),
      readStates: this.#readStates,
    };
    this.#msgs = [];
    this.#readStates = [];
    return rd;
  }

  /** The host persisted, sent and applied everything in `rd`. */
  advance(rd: Ready): void {
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) this.log.stableTo = Math.max(this.log.stableTo, last.index);
    if (rd.hardState !== undefined) this.#persisted = rd.hardState;
    if (rd.snapshot !== undefined) {
      this.#snapshot = rd.snapshot;
      this.log.applied = Math.max(this.log.applied, rd.snapshot.meta.index);
      this.log.stableTo = Math.max(this.log.stableTo, rd.snapshot.meta.index);
      this.log.pendingSnapshot = undefined;
    }
    const applied = rd.committed[rd.committed.length - 1];
    if (applied !== undefined) this.log.applied = Math.max(this.log.applied, applied.index);
  }

  status(): RaftStatus {
    return {
      id: this.id,
      term: this.#term,
      vote: this.#vote,
      role: this.#role,
      leader: this.#leader,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      voters: this.#voters,
    };
  }

  /** The leader's view of `peer` (tests and status pages). */
  progress(peer: NodeId): Readonly<Progress> | undefined {
    return this.#progress.get(peer);
  }

  /** Reads this node accepted but cannot answer any more (it lost leadership): their ids. */
  takeAbandonedReads(): string[] {
    if (this.#role === 'leader') return [];
    const ids = [...this.#readsAwaitingCommit, ...this.#pendingReads.map((r) => r.id)];
    this.#readsAwaitingCommit = [];
    this.#pendingReads = [];
    return ids;
  }

  // ---- roles -----------------------------------------------------------------------------------

  #becomeFollower(term: number, leader: NodeId | null): void {
    if (term !== this.#term) {
      this.#term = term;
      this.#vote = null;
    }
    this.#role = 'follower';
    this.#leader = leader;
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#transferee = null;
    this.#progress.clear();
    this.#resetRandomizedTimeout();
  }

  #becomePreCandidate(): void {
    this.#role = 'pre-candidate';
    this.#leader = null;
    this.#votes = new Map();
  }

  #becomeCandidate(): void {
    this.#term += 1;
    this.#vote = this.id;
    this.#role = 'candidate';
    this.#leader = null;
    this.#votes = new Map();
    this.#electionElapsed = 0;
    this.#resetRandomizedTimeout();
  }

  #becomeLeader(): void {
    assert(this.#role === 'candidate', 'raft: only a candidate becomes leader', this.#role);
    this.#role = 'leader';
    this.#leader = this.id;
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#transferee = null;
    this.#progress.clear();
    this.#snapshotTicks.clear();
    for (const v of this.#voters) {
      const pr = new Progress(this.log.lastIndex() + 1, this.#cfg.inflightMax);
      if (v === this.id) {
        pr.match = this.log.lastIndex();
        pr.becomeReplicate();
      }
      pr.recentActive = true;
      this.#progress.set(v, pr);
    }
    // The no-op of the term (Raft §8): commits the entries of earlier terms, and no membership
    // change is accepted before it applies (the fix to single-server changes, thesis errata).
    const index = this.log.lastIndex() + 1;
    this.log.append({ index, term: this.#term, type: 'noop' });
    this.#selfProgress().match = index;
    this.#pendingConfIndex = index;
    this.#maybeCommit();
    this.#broadcastAppend();
  }

  /** `pre-vote` (when enabled) or a real `election`; `transfer` skips both pre-vote and leases. */
  #campaign(kind: 'pre-vote' | 'election' | 'transfer'): void {
    if (!this.#voters.includes(this.id)) return;
    const pre = kind === 'pre-vote' && this.#cfg.preVote;
    const transfer = kind === 'transfer';
    if (pre) this.#becomePreCandidate();
    else this.#becomeCandidate();
    const term = pre ? this.#term + 1 : this.#term;
    this.#votes.set(this.id, true);
    if (this.#tally() === 'won') {
      this.#win(pre);
      return;
    }
    for (const v of this.#voters) {
      if (v === this.id) continue;
      this.#send(v, {
        type: 'vote',
        pre,
        term,
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
        transfer,
      });
    }
  }

  #win(pre: boolean): void {
    if (pre) this.#campaign('election');
    else this.#becomeLeader();
  }

  #tally(): 'won' | 'lost' | 'pending' {
    let granted = 0;
    let rejected = 0;
    for (const v of this.#voters) {
      const g = this.#votes.get(v);
      if (g === true) granted++;
      else if (g === false) rejected++;
    }
    const q = quorum(this.#voters.length);
    if (granted >= q) return 'won';
    if (rejected > this.#voters.length - q) return 'lost';
    return 'pending';
  }

  // ---- ticks -----------------------------------------------------------------------------------

  #tickElection(): void {
    this.#electionElapsed++;
    if (this.#electionElapsed >= this.#randomizedTimeout && this.#voters.includes(this.id)) {
      this.#electionElapsed = 0;
      this.#resetRandomizedTimeout();
      this.#campaign('pre-vote');
    }
  }

  #tickLeader(): void {
    this.#heartbeatElapsed++;
    this.#electionElapsed++;
    for (const [peer, ticks] of this.#snapshotTicks) {
      // A snapshot that got no answer within an election timeout was lost: probe again.
      if (ticks + 1 >= this.#cfg.electionTicks) {
        this.#snapshotTicks.delete(peer);
        const pr = this.#progress.get(peer);
        if (pr?.state === 'snapshot') pr.becomeProbe();
      } else this.#snapshotTicks.set(peer, ticks + 1);
    }
    if (this.#electionElapsed >= this.#cfg.electionTicks) {
      this.#electionElapsed = 0;
      if (this.#cfg.checkQuorum) {
        let active = 0;
        for (const [id, pr] of this.#progress) {
          if (id === this.id || pr.recentActive) active++;
          if (id !== this.id) pr.recentActive = false;
        }
        if (active < quorum(this.#voters.length)) {
          this.#becomeFollower(this.#term, null);
          return;
        }
      }
      this.#transferee = null; // a transfer that did not finish in an election timeout is off
    }
    if (this.#heartbeatElapsed >= this.#cfg.heartbeatTicks) {
      this.#heartbeatElapsed = 0;
      this.#broadcastHeartbeat('');
    }
  }

  // ---- message handling ------------------------------------------------------------------------

  #handleVote(from: NodeId, msg: Extract<RaftMessage, { type: 'vote' }>): void {
    const canVote =
      this.#cfg.knobs.grantVoteIgnoringVotedFor === true ||
      this.#vote === from ||
      (this.#vote === null && this.#leader === null) ||
      (msg.pre && msg.term > this.#term);
    if (canVote && this.log.isUpToDate(msg.lastIndex, msg.lastTerm)) {
      this.#send(from, { type: 'vote-resp', pre: msg.pre, term: msg.term, reject: false });
      if (!msg.pre) {
        this.#electionElapsed = 0;
        this.#vote = from;
      }
    } else {
      this.#send(from, { type: 'vote-resp', pre: msg.pre, term: this.#term, reject: true });
    }
  }

  #stepCandidate(from: NodeId, msg: RaftMessage): void {
    switch (msg.type) {
      case 'app':
      case 'heartbeat':
      case 'snap':
        this.#becomeFollower(msg.term, from);
        this.#stepFollower(from, msg);
        return;
      case 'vote-resp': {
        if (msg.pre !== (this.#role === 'pre-candidate')) return;
        this.#votes.set(from, !msg.reject);
        const outcome = this.#tally();
        if (outcome === 'won') this.#win(msg.pre);
        else if (outcome === 'lost') this.#becomeFollower(this.#term, null);
        return;
      }
      default:
        return;
    }
  }

  #stepFollower(from: NodeId, msg: RaftMessage): void {
    switch (msg.type) {
      case 'app':
        this.#electionElapsed = 0;
        this.#leader = from;
        this.#handleAppend(from, msg);
        return;
      case 'heartbeat':
        this.#electionElapsed = 0;
        this.#leader = from;
        this.log.commitTo(Math.min(msg.commit, this.log.lastIndex()));
        this.#send(from, { type: 'heartbeat-resp', term: this.#term, ctx: msg.ctx });
        return;
      case 'snap':
        this.#electionElapsed = 0;
        this.#leader = from;
        this.#handleSnapshot(from, msg.snapshot);
        return;
      case 'timeout-now':
        this.#electionElapsed = 0;
        this.#campaign('transfer');
        return;
      default:
        return;
    }
  }

  /** Tells the leader this node's log matches its own up to `index`. */
  #ackAppend(from: NodeId, index: number): void {
    this.#send(from, { type: 'app-resp', term: this.#term, index, reject: false, hint: 0 });
  }

  #handleAppend(from: NodeId, msg: Extract<RaftMessage, { type: 'app' }>): void {
    if (msg.prevIndex < this.log.committed) {
      this.#ackAppend(from, this.log.committed);
      return;
    }
    if (this.log.matchTerm(msg.prevIndex, msg.prevTerm)) {
      const last = this.log.mergeFrom(msg.prevIndex, msg.entries);
      this.log.commitTo(Math.min(msg.commit, last));
      this.#ackAppend(from, last);
      return;
    }
    this.#send(from, {
      type: 'app-resp',
      term: this.#term,
      index: msg.prevIndex,
      reject: true,
      hint: Math.min(msg.prevIndex, this.log.lastIndex()),
    });
  }

  #handleSnapshot(from: NodeId, snapshot: Snapshot): void {
    if (snapshot.meta.index <= this.log.committed) {
      this.#ackAppend(from, this.log.committed);
      return;
    }
    this.log.restore(snapshot);
    this.#voters = [...snapshot.meta.voters];
    this.#ackAppend(from, this.log.lastIndex());
  }

  #stepLeader(from: NodeId, msg: RaftMessage): void {
    const pr = this.#progress.get(from);
    if (pr === undefined) return; // not (or no longer) a member
    switch (msg.type) {
      case 'app-resp': {
        pr.recentActive = true;
        if (msg.reject) {
          if (pr.maybeDecrease(msg.index, msg.hint)) this.#sendAppend(from, true);
          return;
        }
        const wasPaused = pr.isPaused();
        if (!pr.maybeUpdate(msg.index)) {
          if (wasPaused && !pr.isPaused()) this.#sendAppend(from, false);
          return;
        }
        if (pr.state === 'probe') pr.becomeReplicate();
        else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
          this.#snapshotTicks.delete(from);
          pr.becomeProbe();
          pr.becomeReplicate();
        }
        if (this.#maybeCommit()) this.#broadcastAppend();
        else while (this.#sendAppend(from, false)) {}
        if (from === this.#transferee && pr.match === this.log.lastIndex()) {
          this.#send(from, { type: 'timeout-now', term: this.#term });
        }
        return;
      }
      case 'heartbeat-resp': {
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === 'replicate' && pr.inflights.length >= pr.inflightMax) pr.inflights.shift();
        if (pr.match < this.log.lastIndex()) this.#sendAppend(from, true);
        if (msg.ctx !== '') this.#ackRead(from, msg.ctx);
        return;
      }
      default:
        return;
    }
  }

  // ---- replication -----------------------------------------------------------------------------

  #appendProposal(
    body: { type: 'normal'; data: unknown } | { type: 'conf'; change: ConfChange },
  ): { index: number; term: number } | RaftRefusal {
    if (this.#role !== 'leader') return 'not-leader';
    if (this.#transferee !== null) return 'transferring';
    if (this.log.lastIndex() - this.log.committed >= this.#cfg.uncommittedEntriesMax)
      return 'no-quorum';
    const index = this.log.lastIndex() + 1;
    const entry: LogEntry = { index, term: this.#term, ...body };
    this.log.append(entry);
    this.#selfProgress().match = index;
    // Batching: every proposal of this handler rides the same append per follower, sent by ready().
    this.#broadcastPending = true;
    if (this.#voters.length === 1) this.#maybeCommit();
    return { index, term: this.#term };
  }

  #selfProgress(): Progress {
    let pr = this.#progress.get(this.id);
    if (pr === undefined) {
      // A leader removed from the voters keeps replicating until it steps down.
      pr = new Progress(this.log.lastIndex() + 1, this.#cfg.inflightMax);
      this.#progress.set(this.id, pr);
    }
    return pr;
  }

  /** Sends every follower what it lacks: one append (or heartbeat-like empty append) in probe
   * state, pipelined appends up to the inflight limit in replicate state. */
  #broadcastAppend(): void {
    for (const peer of this.#progress.keys()) {
      if (peer === this.id) continue;
      if (this.#sendAppend(peer, true)) while (this.#sendAppend(peer, false)) {}
    }
  }

  /** Sends the next append (or snapshot) to `to`; false when nothing was sent. */
  #sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.#progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      // Compacted away: the follower needs the snapshot.
      const snap = this.#snapshotSource?.() ?? this.#snapshot;
      assert(snap !== undefined, 'raft: a compacted log has a snapshot', `${to} next ${pr.next}`);
      assert(
        this.log.term(snap.meta.index) === snap.meta.term && snap.meta.index <= this.log.committed,
        'raft: a snapshot sent is committed and ends where the log continues',
        `snapshot ${snap.meta.index}/${snap.meta.term}, committed ${this.log.committed}`,
      );
      this.#send(to, { type: 'snap', term: this.#term, snapshot: snap });
      pr.becomeSnapshot(snap.meta.index);
      this.#snapshotTicks.set(to, 0);
      return false;
    }
    const entries = this.log.slice(
      pr.next,
      this.#cfg.entriesPerMessageMax,
      this.#cfg.bytesPerMessageMax,
      this.#cfg.entryBytes,
    );
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.#send(to, {
      type: 'app',
      term: this.#term,
      prevIndex,
      prevTerm,
      entries,
      commit: this.log.committed,
    });
    pr.sent(prevIndex + entries.length, entries.length);
    return entries.length > 0;
  }

  #maybeCommit(): boolean {
    const matches = this.#voters.map((v) =>
      v === this.id ? this.log.lastIndex() : (this.#progress.get(v)?.match ?? 0),
    );
    matches.sort((a, b) => b - a);
    const index = matches[quorum(this.#voters.length) - 1] ?? 0;
    if (index <= this.log.committed) return false;
    // Raft §5.4.2: only entries of the current term are committed by counting replicas.
    if (this.log.term(index) !== this.#term && this.#cfg.knobs.commitPriorTermByCounting !== true)
      return false;
    this.log.commitTo(index);
    if (this.log.term(index) === this.#term && this.#readsAwaitingCommit.length > 0) {
      const waiting = this.#readsAwaitingCommit;
      this.#readsAwaitingCommit = [];
      for (const id of waiting) this.#startRead(id);
    }
    return true;
  }

  #broadcastHeartbeat(ctx: string): void {
    for (const [peer, pr] of this.#progress) {
      if (peer === this.id) continue;
      this.#send(peer, {
        type: 'heartbeat',
        term: this.#term,
        commit: Math.min(pr.match, this.log.committed),
        ctx,
      });
    }
  }

  // ---- ReadIndex -------------------------------------------------------------------------------

  #startRead(id: string): void {
    const read: PendingRead = { id, index: this.log.committed, acks: new Set([this.id]) };
    if (this.#isQuorum(read.acks)) {
      this.#readStates.push({ id, index: read.index });
      return;
    }
    this.#pendingReads.push(read);
    this.#readSeq++;
    this.#broadcastHeartbeat(`${this.#readSeq}:${id}`);
  }

  #ackRead(from: NodeId, ctx: string): void {
    const id = ctx.slice(ctx.indexOf(':') + 1);
    const at = this.#pendingReads.findIndex((r) => r.id === id);
    if (at < 0) return;
    const read = this.#pendingReads[at] as PendingRead;
    read.acks.add(from);
    if (!this.#isQuorum(read.acks)) return;
    // A quorum confirmed leadership after every earlier read was accepted: release them all.
    const done = this.#pendingReads.splice(0, at + 1);
    for (const r of done) this.#readStates.push({ id: r.id, index: r.index });
  }

  #isQuorum(acks: ReadonlySet<NodeId>): boolean {
    return this.#voters.filter((v) => acks.has(v)).length >= quorum(this.#voters.length);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  #send(to: NodeId, msg: RaftMessage): void {
    this.#msgs.push({ to, msg });
  }

  /** Check-quorum lease: a follower that heard from a leader within the minimum election timeout
   * ignores vote requests (so a partitioned node cannot depose a healthy leader). */
  #inLease(): boolean {
    return (
      this.#cfg.checkQuorum &&
      this.#leader !== null &&
      this.#electionElapsed < this.#cfg.electionTicks
    );
  }

  #resetRandomizedTimeout(): void {
    const e = this.#cfg.electionTicks;
    this.#randomizedTimeout = e + Math.floor(this.#cfg.random() * e);
  }

  #hardState(): HardState {
    return { term: this.#term, vote: this.#vote, commit: this.log.committed };
  }
}

/** Votes needed among `n` voters. */
export function quorum(n: number): number {
  return Math.floor(n / 2) + 1;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
