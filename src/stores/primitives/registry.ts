/**
 * The strict registry on the KV store: unique names, no duplicates ever (in the KV's linearisable
 * order). A registration is a key `reg/<name>` → owner, put **only if absent** and bound to the
 * registrant's lease; the lease's keep-alive keeps it, and it is lost when the lease expires
 * (the owner went silent for `ttlMs`) or is revoked (unregister). Because the put is conditional
 * and the KV applies commands one at a time, a name has at most one registration at any
 * revision; the registration's create revision names it (a *name epoch*) and serves as a fencing
 * token: it strictly grows across successive owners of a name.
 *
 * Like a lock, a registration does not protect against pauses: an owner stalled past its lease
 * still believes it holds the name while another owner registers it. The guarantee is stated in
 * the KV's order (see registry-guarantees.ts); an owner that acts on a resource should pass its
 * epoch for fencing (src/stores/primitives/fence.ts).
 *
 * This file is the pure core: a state machine from KV results to the next KV request, plus the
 * lookup and list queries. It never reads a clock or sends anything; a driver carries the
 * requests and feeds the results back, and sends {@link registryKeepAlive} every `ttlMs / 3`.
 */
import type { KeyValue, KvResult } from '../kv/commands.js';
import { type KvRequest, unexpectedResult } from './kv-request.js';

/** Where every registration key lives: `reg/<name>`. */
export const REGISTRY_PREFIX = 'reg/';

/** Options of one registration. */
export interface RegistrationOptions {
  /** The unique name: a non-empty byte string without NUL. */
  readonly name: string;
  /** Who registers (stored as the key's value, returned by lookups): a non-empty string. */
  readonly owner: string;
  /** TTL of the registration's lease, in ms: how long after its last keep-alive a silent owner
   *  loses the name. */
  readonly ttlMs: number;
}

/** Where a registration is. `granting` → `putting` → `registered` → `unregistering` →
 *  `unregistered`; `putting` → `abandoning` → `taken` when another owner holds the name;
 *  `lost` when the lease expired before or while registered. */
export type RegistrationPhase =
  | 'idle'
  | 'granting'
  | 'putting'
  | 'registered'
  | 'abandoning'
  | 'taken'
  | 'unregistering'
  | 'unregistered'
  | 'lost';

/** The state of one registration (plain data: it lives in a process's tracked memory). */
export interface RegistrationState {
  readonly phase: RegistrationPhase;
  readonly name: string;
  readonly owner: string;
  /** Lease id, 0 before it is granted. */
  readonly lease: number;
  /** While registered: the create revision of our key (the name epoch, a fencing token); else 0. */
  readonly epoch: number;
  /** When taken: the owner holding the name and its epoch; '' and 0 otherwise. */
  readonly holder: string;
  readonly holderEpoch: number;
  /** Why the registration was lost, '' otherwise. */
  readonly reason: string;
}

/** What a step asks of the driver. */
export interface RegistrationStep {
  readonly state: RegistrationState;
  /** The next request to send, or undefined when there is none. */
  readonly next?: KvRequest;
  /** Set on the step where the name was registered, found taken, unregistered or lost. */
  readonly event?: 'registered' | 'taken' | 'unregistered' | 'lost';
}

/** A registration that has not started. */
export const IDLE_REGISTRATION: RegistrationState = {
  phase: 'idle',
  name: '',
  owner: '',
  lease: 0,
  epoch: 0,
  holder: '',
  holderEpoch: 0,
  reason: '',
};

function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0'))
    throw new TypeError(
      `${where}: name must be a non-empty string without NUL, got ${JSON.stringify(name)}`,
    );
  for (let i = 0; i < name.length; i++)
    if (name.charCodeAt(i) > 255)
      throw new TypeError(
        `${where}: name ${JSON.stringify(name)} must be a byte string (character ${i} is above 255)`,
      );
  return name;
}

/** The key of `name`'s registration. Throws on a name that is empty, has NUL or is not bytes. */
export function registryKey(name: string): string {
  return `${REGISTRY_PREFIX}${checkName(name, 'registryKey')}`;
}

/** The range `[start, end)` of the registration keys whose names start with `prefix` ('' = all).
 *  `end` is the first key after every such name ('' when there is none). */
export function registryRange(prefix: string): { readonly start: string; readonly end: string } {
  if (typeof prefix !== 'string' || prefix.includes('\0'))
    throw new TypeError(
      `registryRange: prefix must be a string without NUL, got ${JSON.stringify(prefix)}`,
    );
  const start = `${REGISTRY_PREFIX}${prefix}`;
  // The smallest key above every key starting with `start`: drop trailing 0xff bytes, then add
  // one to the last byte.
  let end = start;
  while (end.length > 0 && end.charCodeAt(end.length - 1) === 0xff) end = end.slice(0, -1);
  if (end.length === 0) return { start, end: '' };
  end = end.slice(0, -1) + String.fromCharCode(end.charCodeAt(end.length - 1) + 1);
  return { start, end };
}

/** Starts registering: asks for a lease of `ttlMs`. Throws on bad options, naming the field. */
export function startRegister(options: RegistrationOptions): RegistrationStep {
  checkName(options.name, 'register');
  if (typeof options.owner !== 'string' || options.owner.length === 0)
    throw new TypeError(
      `register ${options.name}: owner must be a non-empty string, got ${JSON.stringify(options.owner)}`,
    );
  if (!Number.isInteger(options.ttlMs) || options.ttlMs < 1)
    throw new RangeError(
      `register ${options.name}: ttlMs must be a whole number of ms >= 1, got ${options.ttlMs}`,
    );
  return {
    state: { ...IDLE_REGISTRATION, phase: 'granting', name: options.name, owner: options.owner },
    next: { kind: 'command', command: { op: 'leaseGrant', ttlMs: options.ttlMs } },
  };
}

/** Starts unregistering: revoking the lease deletes our key at once. Revoking is safe even when
 *  the lease already expired and someone else registered the name since: only keys bound to our
 *  lease go. A registration with no lease, or already over, is unregistered at once. */
export function startUnregister(state: RegistrationState): RegistrationStep {
  if (state.lease === 0 || ['unregistered', 'lost', 'taken'].includes(state.phase))
    return { state: { ...state, phase: 'unregistered', epoch: 0 }, event: 'unregistered' };
  return {
    state: { ...state, phase: 'unregistering', epoch: 0 },
    next: { kind: 'command', command: { op: 'leaseRevoke', id: state.lease } },
  };
}

function lost(state: RegistrationState, reason: string): RegistrationStep {
  return { state: { ...state, phase: 'lost', epoch: 0, reason }, event: 'lost' };
}

/**
 * The step after the KV answered the request of `state`'s phase with `result`. Throws on a result
 * that does not answer that request (a driver bug), naming the phase and the result.
 */
export function onRegistrationResult(state: RegistrationState, result: KvResult): RegistrationStep {
  const unexpected = () => unexpectedResult(`register ${state.name}`, result, state.phase);
  switch (state.phase) {
    case 'granting': {
      if (result.type !== 'lease') return unexpected();
      return {
        state: { ...state, phase: 'putting', lease: result.id },
        next: {
          kind: 'command',
          command: {
            op: 'put',
            key: registryKey(state.name),
            value: state.owner,
            lease: result.id,
            ifAbsent: true,
          },
        },
      };
    }
    case 'putting': {
      if (result.type === 'error' && result.code === 'no-lease')
        return lost(state, 'lease expired before the name was registered');
      if (result.type !== 'put') return unexpected();
      if (result.written)
        return {
          state: { ...state, phase: 'registered', epoch: result.revision },
          event: 'registered',
        };
      const prev = result.prev;
      // A retried put whose first attempt did write (the reply was lost): the key is ours.
      if (prev !== null && prev.lease === state.lease)
        return {
          state: { ...state, phase: 'registered', epoch: prev.createRevision },
          event: 'registered',
        };
      // Someone else holds the name: give our lease back, then report who holds it.
      return {
        state: {
          ...state,
          phase: 'abandoning',
          holder: prev?.value ?? '',
          holderEpoch: prev?.createRevision ?? 0,
        },
        next: { kind: 'command', command: { op: 'leaseRevoke', id: state.lease } },
      };
    }
    case 'abandoning':
    case 'unregistering': {
      // An expired lease is as revoked as a revoked one.
      if (result.type !== 'leaseRevoke' && !(result.type === 'error' && result.code === 'no-lease'))
        return unexpected();
      return state.phase === 'abandoning'
        ? { state: { ...state, phase: 'taken', lease: 0 }, event: 'taken' }
        : { state: { ...state, phase: 'unregistered' }, event: 'unregistered' };
    }
    case 'registered':
    case 'taken':
    case 'unregistered':
    case 'lost':
      // A late answer to a request sent before the registration ended: nothing left to do.
      return { state };
    default:
      return unexpected();
  }
}

/** The keep-alive to send every `ttlMs / 3` or so while the registration holds a lease that
 *  keeps a name, or undefined when there is nothing to keep alive. */
export function registryKeepAlive(state: RegistrationState): KvRequest | undefined {
  if (state.lease === 0 || !['putting', 'registered'].includes(state.phase)) return undefined;
  return { kind: 'command', command: { op: 'leaseKeepAlive', id: state.lease } };
}

/** The state after a keep-alive answered: `lost` when the lease had already expired (our key is
 *  gone: the name may already belong to someone else). */
export function onRegistryKeepAlive(state: RegistrationState, result: KvResult): RegistrationStep {
  if (result.type === 'error' && result.code === 'no-lease' && state.phase === 'registered')
    return lost(state, 'lease expired');
  return { state };
}

// ---------------------------------------------------------------------------------------------
// Lookup and list: linearisable reads.

/** Who holds a name, with its epoch and the revision the answer reflects. */
export interface RegistryEntry {
  readonly name: string;
  readonly owner: string;
  /** The registration's create revision: its name epoch and fencing token. */
  readonly epoch: number;
}

/** The query looking `name` up. */
export function lookupRequest(name: string): KvRequest {
  return { kind: 'query', query: { op: 'get', key: registryKey(name) } };
}

/** The owner of `name` (undefined when unregistered) and the revision the answer reflects. Throws
 *  on a result that does not answer a lookup. */
export function lookupResult(
  name: string,
  result: KvResult,
): { readonly revision: number; readonly entry: RegistryEntry | undefined } {
  if (result.type !== 'get')
    throw new TypeError(`lookup ${name}: result ${JSON.stringify(result)} is not a get`);
  return {
    revision: result.revision,
    entry: result.kv === null ? undefined : entryOf(result.kv),
  };
}

/** The query listing the names that start with `prefix` ('' = every name). */
export function listRequest(prefix: string): KvRequest {
  return { kind: 'query', query: { op: 'range', ...registryRange(prefix) } };
}

/** The registered names in byte order and the revision they reflect. Throws on a result that is
 *  not a range. */
export function listResult(result: KvResult): {
  readonly revision: number;
  readonly entries: readonly RegistryEntry[];
} {
  if (result.type !== 'range')
    throw new TypeError(`registry list: result ${JSON.stringify(result)} is not a range`);
  return {
    revision: result.revision,
    entries: result.kvs.filter((kv) => kv.key.startsWith(REGISTRY_PREFIX)).map(entryOf),
  };
}

function entryOf(kv: KeyValue): RegistryEntry {
  return {
    name: kv.key.slice(REGISTRY_PREFIX.length),
    owner: kv.value,
    epoch: kv.createRevision,
  };
}

// ---------------------------------------------------------------------------------------------
// Watch: the ordered changes of the names under a prefix, from a revision.

/** A change of a name: registered (with its owner and epoch) or freed (unregistered or expired). */
export type RegistryChange =
  | {
      readonly type: 'registered';
      readonly revision: number;
      readonly name: string;
      readonly owner: string;
      readonly epoch: number;
    }
  | { readonly type: 'freed'; readonly revision: number; readonly name: string };

/** The query for the changes of names starting with `prefix` at revisions >= `fromRevision`. */
export function watchRequest(prefix: string, fromRevision: number): KvRequest {
  if (!Number.isSafeInteger(fromRevision) || fromRevision < 1)
    throw new RangeError(
      `registry watch: fromRevision must be a whole number >= 1, got ${fromRevision}`,
    );
  return { kind: 'query', query: { op: 'changes', fromRevision, ...registryRange(prefix) } };
}

/** The changes of a watch answer in revision order and the revision to watch from next; or
 *  `compacted` when the history from there is gone (list again, then watch from the list's
 *  revision + 1). Throws on a result that does not answer a watch. */
export function watchResult(result: KvResult):
  | {
      readonly kind: 'changes';
      readonly changes: readonly RegistryChange[];
      readonly nextRevision: number;
    }
  | { readonly kind: 'compacted'; readonly message: string } {
  if (result.type === 'error' && result.code === 'compacted')
    return { kind: 'compacted', message: `registry watch: ${result.message}` };
  if (result.type !== 'changes')
    throw new TypeError(`registry watch: result ${JSON.stringify(result)} does not answer a watch`);
  const changes: RegistryChange[] = [];
  for (const e of result.events) {
    if (!e.kv.key.startsWith(REGISTRY_PREFIX)) continue;
    const name = e.kv.key.slice(REGISTRY_PREFIX.length);
    changes.push(
      e.type === 'put'
        ? {
            type: 'registered',
            revision: e.revision,
            name,
            owner: e.kv.value,
            epoch: e.kv.createRevision,
          }
        : { type: 'freed', revision: e.revision, name },
    );
  }
  return { kind: 'changes', changes, nextRevision: result.nextRevision };
}
