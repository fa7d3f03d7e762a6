/**
 * A distributed lock (and leader election) on the KV store, in etcd's style: a lease plus a
 * revision-ordered queue under a prefix. Each contender grants a lease, puts `prefix/<lease id>`
 * bound to it, and holds the lock when its key has the lowest create revision under the prefix;
 * otherwise it watches the key just before it (by polling the KV's change feed) and, once that key
 * is deleted, checks the queue again (Jepsen found etcd skipping this re-check). Releasing deletes
 * the key and revokes the lease; the lease expiring releases it too.
 *
 * Every acquisition returns a **fencing token**: the key's create revision. Revisions only grow,
 * and a holder's key was created after every earlier holder's, so tokens strictly increase across
 * acquisitions. A lock alone is not safe against pauses (a holder stalled past its lease still
 * believes it holds the lock); a resource that rejects any token below the highest it has seen is.
 *
 * This file is the pure core: a state machine from KV results to the next KV request. It never
 * reads a clock or sends anything; a driver (a simulated client, a network client) carries the
 * requests, waits `afterMs` when asked, and feeds the results back.
 */
import type { KeyValue, KvResult } from '../kv/commands.js';
import { type KvRequest, unexpectedResult } from './kv-request.js';

/** Options of a lock. */
export interface LockOptions {
  /** Key prefix of the lock's queue (without the trailing `/`); every contender uses the same. */
  readonly prefix: string;
  /** TTL of the contender's lease, in ms: how long after its last keep-alive a silent holder
   *  loses the lock. */
  readonly ttlMs: number;
  /** Value stored in the contender's key (who it is, for operators). */
  readonly owner: string;
  /** How long to wait between two polls of the change feed while queued, in ms. Default 20. */
  readonly pollMs?: number;
}

/** Where a contender is. `granting` → `creating` → `checking` ⇄ `waiting` → `held` →
 *  `deleting` → `revoking` → `released`; `lost` when the lease is gone before or while held. */
export type LockPhase =
  | 'idle'
  | 'granting'
  | 'creating'
  | 'checking'
  | 'waiting'
  | 'held'
  | 'deleting'
  | 'revoking'
  | 'released'
  | 'lost';

/** The state of one contender (plain data: it lives in a process's tracked memory). */
export interface LockState {
  readonly phase: LockPhase;
  /** Lease id, 0 before it is granted. */
  readonly lease: number;
  /** The contender's key in the queue, '' before the lease is granted. */
  readonly key: string;
  /** The fencing token while held (the key's create revision), else 0. */
  readonly token: number;
  /** While waiting: the key just before ours, and the revision to poll its changes from. */
  readonly predecessor: string;
  readonly watchFrom: number;
  /** Why the lock was lost, '' otherwise. */
  readonly reason: string;
}

/** A request for the KV store: a replicated command or a linearisable query. */
export type LockRequest = KvRequest;

/** What a step asks of the driver. */
export interface LockStep {
  readonly state: LockState;
  /** The next request to send (after `afterMs` when set), or undefined when there is none. */
  readonly next?: LockRequest;
  /** Delay before sending `next`, in ms (polling while queued). */
  readonly afterMs?: number;
  /** Set on the step where the lock was acquired, released or lost. */
  readonly event?: 'acquired' | 'released' | 'lost';
}

/** A contender that has not started. */
export const IDLE_LOCK: LockState = {
  phase: 'idle',
  lease: 0,
  key: '',
  token: 0,
  predecessor: '',
  watchFrom: 0,
  reason: '',
};

/** Default poll interval while queued, in ms. */
export const LOCK_POLL_MS_DEFAULT = 20;

/** The queue key of the contender holding lease `lease`: the id in fixed-width hex so keys sort
 *  like ids (the order does not matter for correctness: create revisions decide). */
export function lockKey(prefix: string, lease: number): string {
  return `${prefix}/${lease.toString(16).padStart(13, '0')}`;
}

/** The range `[start, end)` holding every queue key under `prefix`. */
export function lockRange(prefix: string): { readonly start: string; readonly end: string } {
  // '0' is the character after '/': the range is exactly the keys starting with `prefix/`.
  return { start: `${prefix}/`, end: `${prefix}0` };
}

/** Who goes first: the lowest create revision under the prefix holds the lock; `mine` is next
 *  after `predecessor` (the key with the highest create revision below ours), or holds when there
 *  is none. `absent` when our key is gone (the lease expired or was revoked). */
export function queuePosition(
  kvs: readonly KeyValue[],
  mine: string,
):
  | { readonly kind: 'absent' }
  | { readonly kind: 'holds'; readonly token: number }
  | {
      readonly kind: 'behind';
      readonly predecessor: KeyValue;
    } {
  const own = kvs.find((kv) => kv.key === mine);
  if (own === undefined) return { kind: 'absent' };
  let predecessor: KeyValue | undefined;
  for (const kv of kvs) {
    if (kv.createRevision < own.createRevision) {
      if (predecessor === undefined || kv.createRevision > predecessor.createRevision)
        predecessor = kv;
    }
  }
  return predecessor === undefined
    ? { kind: 'holds', token: own.createRevision }
    : { kind: 'behind', predecessor };
}

/** The current holder under a prefix (leader election's "who leads"): the key with the lowest
 *  create revision among `kvs` (a range over {@link lockRange}), or undefined when nobody queues.
 *  Its create revision is the holder's fencing token. Like any read, it may be stale as soon as it
 *  returns: act on it only through a fenced resource. */
export function currentHolder(kvs: readonly KeyValue[]): KeyValue | undefined {
  let holder: KeyValue | undefined;
  for (const kv of kvs)
    if (holder === undefined || kv.createRevision < holder.createRevision) holder = kv;
  return holder;
}

function validate(options: LockOptions): void {
  if (typeof options.prefix !== 'string' || options.prefix.length === 0)
    throw new TypeError(
      `lock prefix must be a non-empty string, got ${JSON.stringify(options.prefix)}`,
    );
  if (!Number.isInteger(options.ttlMs) || options.ttlMs < 1)
    throw new RangeError(`lock ttlMs must be a whole number of ms >= 1, got ${options.ttlMs}`);
  const poll = options.pollMs ?? LOCK_POLL_MS_DEFAULT;
  if (!Number.isInteger(poll) || poll < 0)
    throw new RangeError(`lock pollMs must be a whole number of ms >= 0, got ${poll}`);
}

/** Starts acquiring: asks for a lease of `ttlMs`. */
export function startAcquire(options: LockOptions): LockStep {
  validate(options);
  return {
    state: { ...IDLE_LOCK, phase: 'granting' },
    next: { kind: 'command', command: { op: 'leaseGrant', ttlMs: options.ttlMs } },
  };
}

/** Starts releasing (from any phase with a lease): deletes our key, then revokes the lease. A
 *  contender with no lease yet, or already released or lost, is released at once. */
export function startRelease(state: LockState): LockStep {
  if (state.lease === 0 || state.phase === 'released' || state.phase === 'lost')
    return { state: { ...state, phase: 'released', token: 0 }, event: 'released' };
  return {
    state: { ...state, phase: 'deleting', token: 0 },
    next: { kind: 'command', command: { op: 'delete', keys: [state.key] } },
  };
}

function lost(state: LockState, reason: string): LockStep {
  return { state: { ...state, phase: 'lost', token: 0, reason }, event: 'lost' };
}

function check(state: LockState, prefix: string): LockStep {
  const { start, end } = lockRange(prefix);
  return {
    state: { ...state, phase: 'checking' },
    next: { kind: 'query', query: { op: 'range', start, end, keysOnly: true } },
  };
}

function poll(state: LockState, pollMs: number): LockStep {
  return {
    state,
    next: {
      kind: 'query',
      query: {
        op: 'changes',
        fromRevision: state.watchFrom,
        start: state.predecessor,
        // The key itself and nothing after it: '\0' is the smallest byte.
        end: `${state.predecessor}\0`,
      },
    },
    afterMs: pollMs,
  };
}

/**
 * The step after the KV answered the request of `state`'s phase with `result`. Throws on a result
 * that does not answer that request (a driver bug), naming the phase and the result.
 */
export function onResult(options: LockOptions, state: LockState, result: KvResult): LockStep {
  const unexpected = () => unexpectedResult(`lock ${options.prefix}`, result, state.phase);
  switch (state.phase) {
    case 'granting': {
      if (result.type !== 'lease') return unexpected();
      const key = lockKey(options.prefix, result.id);
      return {
        state: { ...state, phase: 'creating', lease: result.id, key },
        next: {
          kind: 'command',
          command: { op: 'put', key, value: options.owner, lease: result.id, ifAbsent: true },
        },
      };
    }
    case 'creating': {
      if (result.type === 'error' && result.code === 'no-lease')
        return lost(state, 'lease expired before the key was created');
      if (result.type !== 'put') return unexpected();
      // Written or not (a key of this lease already there), the queue decides from here.
      return check(state, options.prefix);
    }
    case 'checking': {
      if (result.type !== 'range') return unexpected();
      const position = queuePosition(result.kvs, state.key);
      if (position.kind === 'absent') return lost(state, 'lease expired while queued');
      if (position.kind === 'holds')
        return { state: { ...state, phase: 'held', token: position.token }, event: 'acquired' };
      return poll(
        {
          ...state,
          phase: 'waiting',
          predecessor: position.predecessor.key,
          watchFrom: result.revision + 1,
        },
        options.pollMs ?? LOCK_POLL_MS_DEFAULT,
      );
    }
    case 'waiting': {
      // History discarded: we may have missed the delete; look at the queue again.
      if (result.type === 'error' && result.code === 'compacted')
        return check(state, options.prefix);
      if (result.type !== 'changes') return unexpected();
      if (result.events.some((e) => e.type === 'delete' && e.kv.key === state.predecessor))
        return check(state, options.prefix);
      return poll(
        { ...state, watchFrom: result.nextRevision },
        options.pollMs ?? LOCK_POLL_MS_DEFAULT,
      );
    }
    case 'deleting': {
      if (result.type !== 'delete') return unexpected();
      return {
        state: { ...state, phase: 'revoking' },
        next: { kind: 'command', command: { op: 'leaseRevoke', id: state.lease } },
      };
    }
    case 'revoking': {
      // An expired lease is as released as a revoked one.
      if (result.type !== 'leaseRevoke' && !(result.type === 'error' && result.code === 'no-lease'))
        return unexpected();
      return { state: { ...state, phase: 'released' }, event: 'released' };
    }
    case 'lost':
    case 'released':
      // A late answer to a request sent before the lease was found gone: nothing left to do.
      return { state };
    default:
      return unexpected();
  }
}

/** The keep-alive to send every `ttlMs / 3` or so while the contender has a lease, or undefined
 *  when it has none (not granted yet, released, lost). */
export function keepAliveRequest(state: LockState): LockRequest | undefined {
  if (state.lease === 0 || state.phase === 'released' || state.phase === 'lost') return undefined;
  return { kind: 'command', command: { op: 'leaseKeepAlive', id: state.lease } };
}

/** The state after a keep-alive answered: `lost` when the lease had already expired (the key is
 *  gone, so whatever the contender did since can no longer rely on the lock). */
export function onKeepAlive(state: LockState, result: KvResult): LockStep {
  if (result.type === 'error' && result.code === 'no-lease') {
    // Releasing already: the release finishes on its own (revoking an expired lease is fine).
    if (['released', 'lost', 'deleting', 'revoking'].includes(state.phase)) return { state };
    return lost(state, 'lease expired');
  }
  return { state };
}
