/**
 * Service discovery, the available (AP) variant — the pure part: presence (presence.ts) with
 * service = topic, instance id = key, and metadata = the instance's address plus optional string
 * labels. An instance is registered on one node (the node its process runs next to) and owned by
 * it, exactly as a presence entry: every node lists its own instances plus those of peers it
 * hears from; a silent node's instances leave the other lists after the node timeout and come
 * back when it is heard again; a permanently-down node's instances are collected.
 *
 * This file holds the typed surface: names and metadata checked with errors that name the bad
 * field, the mapping to and from presence entries, request messages, and instance-level diffs
 * with their replay. The process is discovery-ap-process.ts; the guarantee is
 * discovery-ap-guarantees.ts.
 */
import type { NodeId } from '../../core/ids.js';
import type { PresenceEntry, PresenceMeta, PresenceView, TopicDiff } from './presence.js';
import type { PresenceMsg } from './presence-process.js';

/** Optional labels of an instance (e.g. `{ zone: 'eu-1', version: '3.2' }`): string values. */
export type InstanceMeta = Readonly<Record<string, string>>;

/** One instance as a node lists it. `node` owns it (it was registered there); `replica` is the
 * owner's incarnation that registered it. */
export interface ApInstance {
  readonly service: string;
  readonly id: string;
  readonly address: string;
  readonly meta: InstanceMeta;
  readonly node: NodeId;
  readonly replica: string;
}

/** What changed in one service: `leaves` first, then `joins`. A new address or new labels is a
 * leave of the old instance and a join of the new one. */
export interface ApServiceDiff {
  readonly service: string;
  readonly joins: readonly ApInstance[];
  readonly leaves: readonly ApInstance[];
}

/** Requests a client sends to the node it registers on or lists from; answers are presence's
 * `ok` / `error` (with the reason) and, for `list`, `instances`. */
export type DiscoveryApRequest =
  | {
      readonly type: 'register';
      readonly id: number;
      readonly service: string;
      readonly instance: string;
      readonly address: string;
      readonly meta: InstanceMeta;
    }
  | {
      readonly type: 'deregister';
      readonly id: number;
      readonly service: string;
      readonly instance: string;
    }
  | { readonly type: 'list'; readonly id: number; readonly service: string };

/** The answer to `list`: the instances the node can see, sorted by id then owner. */
export interface InstancesReply {
  readonly type: 'instances';
  readonly id: number;
  readonly service: string;
  readonly instances: readonly ApInstance[];
}

/** Every message of the AP discovery process: its requests and replies, and presence's own. */
export type DiscoveryApMsg = PresenceMsg | DiscoveryApRequest | InstancesReply;

/** The metadata key holding the address, and the prefix of label keys inside presence metadata. */
const ADDRESS = 'address';
const LABEL = 'label.';

function checkName(value: unknown, what: string, where: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\u0000'))
    throw new TypeError(
      `${where}: ${what} must be a non-empty string without NUL, got ${JSON.stringify(value)}`,
    );
  return value;
}

/** Checks labels: an object of strings with non-empty keys. Throws naming the bad label. */
function checkInstanceMeta(meta: unknown, where: string): InstanceMeta {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw new TypeError(`${where}: labels must be an object of strings`);
  for (const [k, v] of Object.entries(meta)) {
    if (k.length === 0) throw new TypeError(`${where}: a label key is empty`);
    if (typeof v !== 'string')
      throw new TypeError(`${where}: label ${k} must be a string, got ${JSON.stringify(v)}`);
  }
  return meta as InstanceMeta;
}

/** The presence metadata of an instance: `{ address, 'label.<k>': v, … }`. */
export function presenceMetaOf(address: string, meta: InstanceMeta): PresenceMeta {
  const out: Record<string, string> = { [ADDRESS]: address };
  for (const [k, v] of Object.entries(meta)) out[LABEL + k] = v;
  return out;
}

/** A listed presence entry as an instance. Throws when its metadata has no address (an entry
 * that was not registered through this API). */
export function instanceOfEntry(entry: PresenceEntry): ApInstance {
  const address = entry.meta[ADDRESS];
  if (typeof address !== 'string')
    throw new TypeError(
      `presence entry ${entry.node}/${entry.key} in ${entry.topic} has no address: not a service instance`,
    );
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry.meta))
    if (k.startsWith(LABEL) && typeof v === 'string') meta[k.slice(LABEL.length)] = v;
  return {
    service: entry.topic,
    id: entry.key,
    address,
    meta,
    node: entry.node,
    replica: entry.replica,
  };
}

function byIdThenNode(a: ApInstance, b: ApInstance): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

/** The instances of `service` in a presence list, sorted by id then owner. Two nodes may each
 * register an instance with the same id: both are listed (ids are unique per owner only). */
export function instancesOf(view: PresenceView, service: string): ApInstance[] {
  return [...(view.get(service)?.values() ?? [])].map(instanceOfEntry).sort(byIdThenNode);
}

/** Presence diffs as service diffs. */
export function serviceDiffs(diffs: readonly TopicDiff[]): ApServiceDiff[] {
  return diffs.map((d) => ({
    service: d.topic,
    joins: d.joins.map(instanceOfEntry),
    leaves: d.leaves.map(instanceOfEntry),
  }));
}

/** An instance as one canonical line (`service owner id replica address labels`). */
export function instanceLine(i: ApInstance): string {
  const labels = Object.keys(i.meta)
    .sort()
    .map((k) => `${k}=${i.meta[k]}`)
    .join(',');
  return `${i.service} ${i.node} ${i.id} ${i.replica} ${i.address} ${labels}`;
}

/** Applies diffs of one service to its list (leaves first, then joins) and returns the new list,
 * sorted. Throws on a leave of an unlisted instance or a join of a listed one — a lost or phantom
 * diff — naming it. Diffs of other services are ignored. */
export function replayServiceDiffs(
  service: string,
  list: readonly ApInstance[],
  diffs: readonly ApServiceDiff[],
): ApInstance[] {
  const held = new Map(list.map((i) => [`${i.node}\u0000${i.id}`, i]));
  for (const d of diffs) {
    if (d.service !== service) continue;
    for (const i of d.leaves) {
      const key = `${i.node}\u0000${i.id}`;
      const had = held.get(key);
      if (had === undefined || instanceLine(had) !== instanceLine(i))
        throw new RangeError(
          `leave of ${i.id} (owner ${i.node}) in ${service}, which is not listed`,
        );
      held.delete(key);
    }
    for (const i of d.joins) {
      const key = `${i.node}\u0000${i.id}`;
      if (held.has(key))
        throw new RangeError(
          `join of ${i.id} (owner ${i.node}) in ${service}, which is already listed`,
        );
      held.set(key, i);
    }
  }
  return [...held.values()].sort(byIdThenNode);
}

/** `register`: registers (or re-registers with a new address or labels) `instance` of `service`
 * on the node it is sent to, which owns it from then on. Names: non-empty, no NUL. */
export function registerRequest(
  requestId: number,
  service: string,
  instance: string,
  address: string,
  meta: InstanceMeta = {},
): DiscoveryApRequest {
  const where = `register(${JSON.stringify(service)}, ${JSON.stringify(instance)})`;
  return {
    type: 'register',
    id: requestId,
    service: checkName(service, 'service', where),
    instance: checkName(instance, 'instance id', where),
    address: checkName(address, 'address', where),
    meta: checkInstanceMeta(meta, where),
  };
}

/** `deregister`: removes an instance registered on the node it is sent to (`error` if none). */
export function deregisterRequest(
  requestId: number,
  service: string,
  instance: string,
): DiscoveryApRequest {
  const where = `deregister(${JSON.stringify(service)}, ${JSON.stringify(instance)})`;
  return {
    type: 'deregister',
    id: requestId,
    service: checkName(service, 'service', where),
    instance: checkName(instance, 'instance id', where),
  };
}

/** `list`: the instances of `service` the node can see (its own plus those of up peers). */
export function listRequest(requestId: number, service: string): DiscoveryApRequest {
  return {
    type: 'list',
    id: requestId,
    service: checkName(service, 'service', `list(${JSON.stringify(service)})`),
  };
}

/** Re-checks a request that arrived over the network (clients may be buggy or hostile); returns a
 * reason when it is malformed. */
export function requestProblem(msg: DiscoveryApRequest): string | undefined {
  try {
    if (msg.type === 'register')
      registerRequest(msg.id, msg.service, msg.instance, msg.address, msg.meta);
    else if (msg.type === 'deregister') deregisterRequest(msg.id, msg.service, msg.instance);
    else listRequest(msg.id, msg.service);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
