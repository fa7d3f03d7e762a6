import type { NodeId } from '../../core/ids.js';

/**
 * The data of the pure Raft core (src/stores/raft/raft-node.ts): log entries, durable state,
 * snapshots and the messages nodes exchange. All plain data, never mutated after creation, so a
 * message object can be handed to the network as is.
 */

/** A membership change, one voter at a time (Raft dissertation §4.1). */
export interface ConfChange {
  readonly op: 'add' | 'remove';
  readonly node: NodeId;
}

/** One log entry. `noop`: the entry a new leader appends at the start of its term (Raft §8), so
 * that entries of earlier terms get committed. `conf`: a membership change. */
export type LogEntry =
  | {
      readonly index: number;
      readonly term: number;
      readonly type: 'normal';
      readonly data: unknown;
    }
  | { readonly index: number; readonly term: number; readonly type: 'noop' }
  | {
      readonly index: number;
      readonly term: number;
      readonly type: 'conf';
      readonly change: ConfChange;
    };

/** What must be on disk before any message that depends on it leaves (Raft Figure 2). */
export interface HardState {
  /** Latest term seen. */
  readonly term: number;
  /** Candidate voted for in `term`, or null. */
  readonly vote: NodeId | null;
  /** Highest index known committed (persisted so a restart resumes applying without waiting). */
  readonly commit: number;
}

/** Where a snapshot stands in the log and the membership it carries. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly voters: readonly NodeId[];
}

/** A snapshot: its position and the state machine's bytes (opaque to the core). */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** A linearisable read whose index is confirmed: serve it once `applied >= index`. */
export interface ReadState {
  readonly id: string;
  readonly index: number;
}

/** Messages between Raft nodes. Every message carries the sender's term. */
export type RaftMessage =
  /** AppendEntries (MsgApp): entries after (prevIndex, prevTerm); the leader's commit index. */
  | {
      readonly type: 'app';
      readonly term: number;
      readonly prevIndex: number;
      readonly prevTerm: number;
      readonly entries: readonly LogEntry[];
      readonly commit: number;
    }
  /** Answer to `app`. Accepted: `index` is the follower's last matching index. Rejected: `index`
   * is the prevIndex refused and `hint` the follower's last index (fast back-off). */
  | {
      readonly type: 'app-resp';
      readonly term: number;
      readonly index: number;
      readonly reject: boolean;
      readonly hint: number;
    }
  /** RequestVote, or PreVote (`pre`: asks "would you vote for me in `term`?" without anyone
   * changing term). `transfer`: sent after TimeoutNow, so the leader lease is ignored. */
  | {
      readonly type: 'vote';
      readonly pre: boolean;
      readonly term: number;
      readonly lastIndex: number;
      readonly lastTerm: number;
      readonly transfer: boolean;
    }
  | {
      readonly type: 'vote-resp';
      readonly pre: boolean;
      readonly term: number;
      readonly reject: boolean;
    }
  /** Heartbeat: commit (capped at the follower's match) and an optional ReadIndex context. */
  | {
      readonly type: 'heartbeat';
      readonly term: number;
      readonly commit: number;
      readonly ctx: string;
    }
  | { readonly type: 'heartbeat-resp'; readonly term: number; readonly ctx: string }
  /** InstallSnapshot, in one message (not chunked: snapshots here are small; see docs). */
  | { readonly type: 'snap'; readonly term: number; readonly snapshot: Snapshot }
  /** Leadership transfer: start an election now, skipping pre-vote and the lease. */
  | { readonly type: 'timeout-now'; readonly term: number };

/** A message with its addressee. */
export interface Outgoing {
  readonly to: NodeId;
  readonly msg: RaftMessage;
}

/** The role of a node. `pre-candidate`: running a pre-vote. */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * The work the host must do, in this order (etcd's Ready contract):
 * 1. persist `entries` (replacing every stored entry at or after `entries[0].index`), then
 *    `hardState` and `snapshot`;
 * 2. send `messages` (only once step 1 is durable: persist before send);
 * 3. install `snapshot` into the state machine, then apply `committed` in order;
 * 4. serve `readStates` once applied, then call `advance`.
 */
export interface Ready {
  readonly entries: readonly LogEntry[];
  readonly hardState: HardState | undefined;
  readonly snapshot: Snapshot | undefined;
  readonly messages: readonly Outgoing[];
  readonly committed: readonly LogEntry[];
  readonly readStates: readonly ReadState[];
}
