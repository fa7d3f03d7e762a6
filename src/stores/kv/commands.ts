/**
 * The KV state machine's language: the commands Raft replicates, the queries served at the applied
 * state, and their results. Everything here is plain JSON data, so it travels unchanged through
 * the simulator, the Raft log and the wire.
 *
 * Keys and values are *byte strings*: JavaScript strings whose every character is one byte
 * (code 0..255, the latin1 mapping). A RESP server turns the bytes it receives into such strings
 * with `Buffer.toString('latin1')` and back with `Buffer.from(s, 'latin1')`, so any bytes
 * round-trip; ASCII text is itself a byte string.
 */

/** Largest key accepted, in bytes. */
export const KV_KEY_BYTES_MAX = 1024;
/** Largest value accepted, in bytes (512 KiB: the value is stored twice, once in history). */
export const KV_VALUE_BYTES_MAX = 512 * 1024;
/** Most keys one multi-key command (delete, exists) may name. */
export const KV_KEYS_PER_COMMAND_MAX = 1024;
/** Shortest and longest lease TTL accepted, in ms. */
export const LEASE_TTL_MS_MIN = 1;
export const LEASE_TTL_MS_MAX = 365 * 24 * 3600 * 1000;

/** A key with its value and etcd's per-key metadata. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision of the put that created the key (since it was last absent). */
  readonly createRevision: number;
  /** Revision of the last change to the key. */
  readonly modRevision: number;
  /** Number of puts since the key was created (1 after the first). */
  readonly version: number;
  /** Lease the key is attached to (it is deleted when the lease expires), 0 when none. */
  readonly lease: number;
}

/** What a compare-and-set compares: the current value (null = the key is absent), or the key's
 *  modRevision (0 = the key is absent), or its version (0 = absent). */
export type CasExpectation =
  | { readonly value: string | null }
  | { readonly modRevision: number }
  | { readonly version: number };

/** Commands: replicated, applied in log order on every replica. */
export type KvCommand =
  /** Sets `key` to `value`. `ifAbsent` (Redis NX) / `ifPresent` (XX) make it conditional.
   *  `ttlMs` attaches the key to a new lease of its own (deleted with the key's next put or
   *  delete); `lease` to an existing lease; `keepTtl` keeps the key's current lease (Redis
   *  KEEPTTL); none of them: no lease. */
  | {
      readonly op: 'put';
      readonly key: string;
      readonly value: string;
      readonly ifAbsent?: boolean;
      readonly ifPresent?: boolean;
      readonly ttlMs?: number;
      readonly lease?: number;
      readonly keepTtl?: boolean;
    }
  /** Deletes every listed key that exists, all at one revision. */
  | { readonly op: 'delete'; readonly keys: readonly string[] }
  /** Deletes every key with `start <= key < end` (`end` '' = no upper bound), at one revision. */
  | { readonly op: 'deleteRange'; readonly start: string; readonly end: string }
  /** Sets `key` to `value` (or deletes it when `value` is null) only if `expect` holds. */
  | {
      readonly op: 'cas';
      readonly key: string;
      readonly expect: CasExpectation;
      readonly value: string | null;
      readonly ttlMs?: number;
    }
  /** Adds `by` to the decimal integer stored at `key` (absent = 0), Redis INCRBY semantics. */
  | { readonly op: 'incr'; readonly key: string; readonly by: number }
  /** Grants a lease that expires `ttlMs` after this entry's time unless kept alive. */
  | { readonly op: 'leaseGrant'; readonly ttlMs: number }
  /** Pushes a lease's expiry to `ttlMs` (its granted TTL) after this entry's time. */
  | { readonly op: 'leaseKeepAlive'; readonly id: number }
  /** Revokes a lease now: its keys are deleted at one revision. */
  | { readonly op: 'leaseRevoke'; readonly id: number }
  /** Discards the change history up to and including `revision` (etcd's compaction). */
  | { readonly op: 'compact'; readonly revision: number }
  /** Does nothing but expire due leases: the leader proposes it periodically so leases expire
   *  even when no other write arrives. */
  | { readonly op: 'tick' }
  /** A new leader's first entry (proposed by the KV node when it wins a term): pushes every
   *  lease's expiry to at least this entry's time plus its TTL, before expiring any, so a lease
   *  does not expire because the cluster had no leader to take its keep-alives (etcd's lessor
   *  does the same on promotion). A lease may so outlive its TTL by one leader change. */
  | { readonly op: 'promote' };

/** Queries: read-only, served at the applied state (after ReadIndex for linearisability). */
export type KvQuery =
  | { readonly op: 'get'; readonly key: string }
  /** Keys with `start <= key < end` (`end` '' = no upper bound), at most `limit` (default all). */
  | {
      readonly op: 'range';
      readonly start: string;
      readonly end: string;
      readonly limit?: number;
      readonly keysOnly?: boolean;
    }
  /** How many of `keys` exist (a key named twice counts twice, as in Redis EXISTS). */
  | { readonly op: 'exists'; readonly keys: readonly string[] }
  /** Changes with revision >= `fromRevision` to keys in [start, end) (default: all keys), in
   *  revision order, at most `limit` (default 1000): a watch resumes by asking again from the
   *  last revision it saw + 1. Fails with `compacted` when that history was discarded. */
  | {
      readonly op: 'changes';
      readonly fromRevision: number;
      readonly start?: string;
      readonly end?: string;
      readonly limit?: number;
    }
  /** Time to live of a lease, as of the last applied entry's time. */
  | { readonly op: 'leaseInfo'; readonly id: number }
  /** Revision, compaction point, key and lease counts, applied index. */
  | { readonly op: 'status' };

/** A command or a query, tagged: what a client hands the store when it does not care which
 *  (the primitives' pure cores emit these; the RESP REQUEST command carries them). */
export type KvRequest =
  | { readonly kind: 'command'; readonly command: KvCommand }
  | { readonly kind: 'query'; readonly query: KvQuery };

/** One change of the history, as watches see it. */
export interface KvEvent {
  readonly type: 'put' | 'delete';
  /** For a put, the key after it; for a delete, the key with its last value and metadata, and
   *  `modRevision` the revision of the delete. */
  readonly kv: KeyValue;
}

/** Why a command or query did not do what it asked. `bad-request`: malformed (named in the
 *  message); `not-integer`: incr on a value that is not a decimal integer, or the sum overflows;
 *  `no-lease`: the lease does not exist (or expired); `compacted`: the history asked for was
 *  discarded. */
export type KvErrorCode = 'bad-request' | 'not-integer' | 'no-lease' | 'compacted';

/** Results. Each carries the store's `revision` after the operation (etcd's header revision). */
export type KvResult =
  | {
      readonly type: 'put';
      readonly revision: number;
      /** False when `ifAbsent`/`ifPresent` did not hold: nothing was written. */
      readonly written: boolean;
      readonly prev: KeyValue | null;
    }
  | { readonly type: 'delete'; readonly revision: number; readonly deleted: number }
  | {
      readonly type: 'cas';
      readonly revision: number;
      readonly succeeded: boolean;
      /** The key before the operation (null when absent): on failure, why it failed. */
      readonly prev: KeyValue | null;
    }
  | { readonly type: 'incr'; readonly revision: number; readonly value: string }
  | {
      readonly type: 'lease';
      readonly revision: number;
      readonly id: number;
      readonly ttlMs: number;
      /** Time of expiry, on the leader clock that proposed the entries. */
      readonly expiresAtMs: number;
      /** Keys attached to the lease (leaseInfo only; empty otherwise). */
      readonly keys: readonly string[];
    }
  | { readonly type: 'leaseRevoke'; readonly revision: number; readonly deleted: number }
  | { readonly type: 'compact'; readonly revision: number; readonly compactRevision: number }
  | { readonly type: 'tick'; readonly revision: number; readonly expired: number }
  | { readonly type: 'promote'; readonly revision: number; readonly renewed: number }
  | { readonly type: 'get'; readonly revision: number; readonly kv: KeyValue | null }
  | {
      readonly type: 'range';
      readonly revision: number;
      readonly kvs: readonly KeyValue[];
      /** Whether keys beyond `limit` exist in the range. */
      readonly more: boolean;
    }
  | { readonly type: 'count'; readonly revision: number; readonly count: number }
  | {
      readonly type: 'changes';
      readonly revision: number;
      readonly events: readonly (KvEvent & { readonly revision: number })[];
      /** Revision to ask from next time (the last returned + 1, or revision + 1 when none). */
      readonly nextRevision: number;
    }
  | {
      readonly type: 'status';
      readonly revision: number;
      readonly compactRevision: number;
      readonly keys: number;
      readonly leases: number;
      readonly appliedIndex: number;
      /** Latest entry time applied (the lease clock), in ms. */
      readonly clockMs: number;
    }
  | {
      readonly type: 'error';
      readonly revision: number;
      readonly code: KvErrorCode;
      readonly message: string;
    };
