/**
 * Service discovery on the KV store (the CP variant): an instance registers under a lease, so it
 * disappears when it stops keeping the lease alive; anyone lists a service's instances with the
 * revision the list reflects, and watches the service from a revision as ordered join/leave
 * diffs. Because both come from the same revisioned store, a list at revision R equals the replay
 * of the diffs up to R.
 *
 * Layout: `svc/<service>/i/<instance id>` → address, bound to the instance's lease.
 *
 * This file is the pure core: KV requests to send and functions from KV results to outcomes. It
 * never reads a clock or sends anything.
 */
import type { KvResult } from '../kv/commands.js';
import type { KvRequest } from './kv-request.js';

/** A request for the KV store: a replicated command or a linearisable query. */
export type DiscoveryRequest = KvRequest;

/** One registered instance. */
export interface Instance {
  readonly id: string;
  readonly address: string;
}

/** A change of a service's instances: an instance joined (or changed its address) or left. */
export type DiscoveryDiff =
  | {
      readonly type: 'join';
      readonly revision: number;
      readonly id: string;
      readonly address: string;
    }
  | { readonly type: 'leave'; readonly revision: number; readonly id: string };

function checkName(value: string, what: string, where: string): void {
  if (typeof value !== 'string' || value.length === 0 || /[/\0]/.test(value))
    throw new TypeError(
      `${where}: ${what} must be a non-empty string without '/' or NUL, got ${JSON.stringify(value)}`,
    );
}

/** The key of instance `id` of `service`. */
export function instanceKey(service: string, id: string): string {
  checkName(service, 'service', 'instanceKey');
  checkName(id, 'instance id', 'instanceKey');
  return `svc/${service}/i/${id}`;
}

/** The range `[start, end)` holding exactly the instance keys of `service`. */
export function serviceRange(service: string): { readonly start: string; readonly end: string } {
  checkName(service, 'service', 'serviceRange');
  // '0' is the character after '/'.
  return { start: `svc/${service}/i/`, end: `svc/${service}/i0` };
}

function instanceId(service: string, key: string): string | undefined {
  const prefix = `svc/${service}/i/`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Register: lease grant, then put under it (two round trips); keep-alive every ttlMs / 3.

/** The first request of a registration: a lease of `ttlMs`. */
export function registerLeaseRequest(ttlMs: number): DiscoveryRequest {
  if (!Number.isInteger(ttlMs) || ttlMs < 1)
    throw new RangeError(`register: ttlMs must be a whole number of ms >= 1, got ${ttlMs}`);
  return { kind: 'command', command: { op: 'leaseGrant', ttlMs } };
}

/** The second: after the lease `result` came back, the instance's key under it. Returns the
 *  lease id with the request. Throws on a result that is not a lease. */
export function registerPutRequest(
  service: string,
  id: string,
  address: string,
  result: KvResult,
): { readonly lease: number; readonly request: DiscoveryRequest } {
  if (result.type !== 'lease')
    throw new TypeError(
      `register ${service}/${id}: result ${JSON.stringify(result)} is not a lease`,
    );
  if (typeof address !== 'string')
    throw new TypeError(`register ${service}/${id}: address must be a string`);
  return {
    lease: result.id,
    request: {
      kind: 'command',
      command: { op: 'put', key: instanceKey(service, id), value: address, lease: result.id },
    },
  };
}

/** Whether the put of a registration took: false when the lease had expired meanwhile (register
 *  again). Throws on a result that does not answer the put. */
export function registered(result: KvResult): boolean {
  if (result.type === 'put') return true;
  if (result.type === 'error' && result.code === 'no-lease') return false;
  throw new TypeError(`register: result ${JSON.stringify(result)} does not answer the put`);
}

/** The keep-alive of a registration's lease. */
export function keepAliveRequest(lease: number): DiscoveryRequest {
  return { kind: 'command', command: { op: 'leaseKeepAlive', id: lease } };
}

/** Whether the registration is still alive after its keep-alive answered: false when the lease
 *  expired (the instance has left; register again). */
export function stillRegistered(result: KvResult): boolean {
  return !(result.type === 'error' && result.code === 'no-lease');
}

/** Deregistering: revoking the lease removes the instance at once. */
export function deregisterRequest(lease: number): DiscoveryRequest {
  return { kind: 'command', command: { op: 'leaseRevoke', id: lease } };
}

// ---------------------------------------------------------------------------------------------
// List: one linearisable range.

/** The query listing `service`'s instances. */
export function listRequest(service: string): DiscoveryRequest {
  return { kind: 'query', query: { op: 'range', ...serviceRange(service) } };
}

/** The instances (by id) and the revision they reflect. Throws on a result that is not a range. */
export function listResult(
  service: string,
  result: KvResult,
): { readonly revision: number; readonly instances: readonly Instance[] } {
  if (result.type !== 'range')
    throw new TypeError(`list ${service}: result ${JSON.stringify(result)} is not a range`);
  const instances: Instance[] = [];
  for (const kv of result.kvs) {
    const id = instanceId(service, kv.key);
    if (id !== undefined) instances.push({ id, address: kv.value });
  }
  return { revision: result.revision, instances };
}

// ---------------------------------------------------------------------------------------------
// Watch from a revision: one linearisable read of the change feed per poll.

/** The query for `service`'s diffs at revisions >= `revision`, at most `limit` (default the KV's). */
export function watchRequest(service: string, revision: number, limit?: number): DiscoveryRequest {
  if (!Number.isSafeInteger(revision) || revision < 1)
    throw new RangeError(
      `watchFrom ${service}: revision must be a whole number >= 1, got ${revision}`,
    );
  return {
    kind: 'query',
    query: {
      op: 'changes',
      fromRevision: revision,
      ...serviceRange(service),
      ...(limit === undefined ? {} : { limit }),
    },
  };
}

/** The diffs of a watch answer, in revision order, and the revision to watch from next; or
 *  `compacted` when the history from `revision` is gone (list again and watch from the list's
 *  revision + 1). Throws on a result that does not answer a watch. */
export function watchResult(
  service: string,
  result: KvResult,
):
  | {
      readonly kind: 'diffs';
      readonly diffs: readonly DiscoveryDiff[];
      readonly nextRevision: number;
    }
  | { readonly kind: 'compacted'; readonly message: string } {
  if (result.type === 'error' && result.code === 'compacted')
    return { kind: 'compacted', message: `watch ${service}: ${result.message}` };
  if (result.type !== 'changes')
    throw new TypeError(
      `watch ${service}: result ${JSON.stringify(result)} does not answer a watch`,
    );
  const diffs: DiscoveryDiff[] = [];
  for (const e of result.events) {
    const id = instanceId(service, e.kv.key);
    if (id === undefined) continue;
    diffs.push(
      e.type === 'put'
        ? { type: 'join', revision: e.revision, id, address: e.kv.value }
        : { type: 'leave', revision: e.revision, id },
    );
  }
  return { kind: 'diffs', diffs, nextRevision: result.nextRevision };
}

/** Applies `diffs` up to and including `revision` to `instances` (by id): the replay a list at
 *  `revision` equals. */
export function replay(
  instances: ReadonlyMap<string, string>,
  diffs: readonly DiscoveryDiff[],
  revision: number,
): Map<string, string> {
  const out = new Map(instances);
  for (const d of diffs) {
    if (d.revision > revision) break;
    if (d.type === 'join') out.set(d.id, d.address);
    else out.delete(d.id);
  }
  return out;
}
