/**
 * The cache's messages: the client protocol (requests from any endpoint, replies to the sender —
 * simulated clients and the RESP server speak it alike) and the peer protocol (delta gossip,
 * acknowledgements, digest anti-entropy, heartbeats). Peer messages carry key states in a plain
 * array form ({@link WireKeys}) that survives any serialisation, and everything a peer sends is
 * validated before it touches the state ({@link decodeKeys}).
 */
import type { CacheDelta, CacheEntry, KeyState } from './crdt/cache-map.js';

/** A client request. `id` is echoed in the reply. */
export type CacheRequest =
  | { readonly type: 'get'; readonly id: number; readonly key: string }
  | {
      readonly type: 'set';
      readonly id: number;
      readonly key: string;
      readonly value: string;
      /** Time to live in ms; absent = no expiry. */
      readonly ttlMs?: number;
      /** NX: set only if the key is absent on this node; XX: only if present. Decided on the
       * node written to, against its replica (see docs/guide/cache.md). */
      readonly condition?: 'NX' | 'XX';
    }
  | { readonly type: 'del'; readonly id: number; readonly keys: readonly string[] }
  | { readonly type: 'expire'; readonly id: number; readonly key: string; readonly ttlMs: number }
  | { readonly type: 'ttl'; readonly id: number; readonly key: string }
  | { readonly type: 'incrby'; readonly id: number; readonly key: string; readonly by: number }
  | { readonly type: 'mget'; readonly id: number; readonly keys: readonly string[] }
  /** SCAN: examines about `count` stored keys from `cursor` (0 starts a scan) and returns the
   * live ones matching the glob `match`. */
  | {
      readonly type: 'scan';
      readonly id: number;
      readonly cursor: number;
      readonly count: number;
      readonly match?: string;
    };

/** The reply to a request, sent to the requesting endpoint. */
export type CacheReply =
  | { readonly type: 'ok'; readonly id: number }
  | { readonly type: 'value'; readonly id: number; readonly value: string | null }
  | { readonly type: 'values'; readonly id: number; readonly values: readonly (string | null)[] }
  /** DEL: keys removed; EXPIRE: 1/0; INCRBY: the new value; TTL: ms left, −1 no expiry, −2 no
   * key. */
  | { readonly type: 'int'; readonly id: number; readonly value: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  /** SCAN: the cursor to continue from (0: the scan is complete) and the keys found. */
  | {
      readonly type: 'scanned';
      readonly id: number;
      readonly cursor: number;
      readonly keys: readonly string[];
    };

/**
 * A batch of key states on the wire: `[names, body]`. `names` is the batch's table of replica
 * and timestamp-node ids (a few per cluster); `body` is one flat array, per key: `key,
 * entryCount, entryCount × (replica#, seq, wallMs, logical, node#, value, expiresAtMs, add),
 * contextCount, contextCount × (replica#, seq)`, where `#` indexes `names`. Flat because a
 * heal or a repair carries thousands of keys: one array of scalars costs msgpack and the
 * collector a fraction of an array per key, entry and context pair, and ids travel once.
 */
export type WireKeys = readonly [
  names: readonly string[],
  body: readonly (string | number | null)[],
];

/** A key state in record form (one key, as persisted): `[key, entries, context]`, each entry
 * `[replica, seq, wallMs, logical, hlcNode, value, expiresAtMs, add]`, context `[replica, seq]`. */
export type WireKey = readonly [
  string,
  readonly (readonly [string, number, number, number, string, string | null, number, number])[],
  readonly (readonly [string, number])[],
];

/** A peer message. */
export type PeerMessage =
  /** Delta-interval gossip (Almeida et al. Alg. 2): the current states of the keys changed in
   * the sender's delta buffer at positions `from + 1 .. seq` (`from` is the receiver's last
   * acknowledgement for a retransmission, the last position sent for a pipelined delta). */
  | {
      readonly type: 'delta';
      readonly session: number;
      readonly from: number;
      readonly seq: number;
      readonly keys: WireKeys;
    }
  /** The receiver has joined positions `from + 1 .. seq` of the sender's buffer of `session`
   * (from 0: everything up to `seq`). */
  | { readonly type: 'ack'; readonly session: number; readonly from: number; readonly seq: number }
  /** Anti-entropy, step 1: the sender's bucket digests and knowledge vector. */
  | {
      readonly type: 'digest';
      readonly round: number;
      readonly digest: readonly number[];
      readonly knowledge: readonly (readonly [string, number])[];
    }
  /** Step 2: the buckets that differ, the responder's states of their keys (less those its delta
   * gossip to the initiator is already carrying) and the responder's knowledge vector. */
  | {
      readonly type: 'repair';
      readonly round: number;
      readonly buckets: readonly number[];
      readonly keys: WireKeys;
      readonly knowledge: readonly (readonly [string, number])[];
    }
  /** Step 3: the initiator's states of those buckets' keys (after joining step 2) that the
   * responder lacks — all but those whose state equals the one it sent, or whose every dot its
   * knowledge covers. `complete`: nothing else was left out, so the responder now contains the
   * initiator's state as of step 1 and may adopt `knowledge` (and count the initiator's buffer up
   * to `session/seq` as delivered). */
  | {
      readonly type: 'fill';
      readonly round: number;
      readonly keys: WireKeys;
      readonly complete: boolean;
      readonly knowledge: readonly (readonly [string, number])[];
      readonly session: number;
      readonly seq: number;
    }
  /** Liveness; with `probe`, asks for a `pong` (sent to a peer silent behind unacknowledged
   * deltas, to learn when the link carries messages again). */
  | { readonly type: 'ping'; readonly probe?: boolean }
  /** The answer to a probe: sent after everything the sender had sent before it. */
  | { readonly type: 'pong' }
  /** The receiver was declared permanently down by the sender: it must drop its state and rejoin
   * as a fresh replica (its old state may hold writes whose tombstones were collected). */
  | { readonly type: 'rejoin' };

export type CacheMsg = CacheRequest | CacheReply | PeerMessage;

const REQUEST_TYPES: ReadonlySet<string> = new Set([
  'get',
  'set',
  'del',
  'expire',
  'ttl',
  'incrby',
  'mget',
  'scan',
]);

/** Whether `msg` is a client request. */
export function isRequest(msg: CacheMsg): msg is CacheRequest {
  return REQUEST_TYPES.has(msg.type);
}

/** Builds a {@link WireKeys} batch key by key. */
export class WireKeysBuilder {
  readonly #names: string[] = [];
  readonly #index = new Map<string, number>();
  readonly #body: (string | number | null)[] = [];
  /** Keys added. */
  count = 0;

  add(key: string, s: KeyState): void {
    const b = this.#body;
    b.push(key, s.entries.length);
    for (const e of s.entries) {
      const hlc = e.hlc;
      b.push(
        this.#name(e.replica),
        e.seq,
        hlc.wallMs,
        hlc.logical,
        this.#name(hlc.node),
        e.value,
        e.expiresAtMs,
        e.add,
      );
    }
    b.push(s.context.size);
    for (const [r, n] of s.context) b.push(this.#name(r), n);
    this.count++;
  }

  build(): WireKeys {
    return [this.#names, this.#body];
  }

  #name(name: string): number {
    let i = this.#index.get(name);
    if (i === undefined) {
      i = this.#names.length;
      this.#names.push(name);
      this.#index.set(name, i);
    }
    return i;
  }
}

/** Key states in batch wire form. */
export function encodeKeys(states: Iterable<readonly [string, KeyState]>): WireKeys {
  const out = new WireKeysBuilder();
  for (const [key, s] of states) out.add(key, s);
  return out.build();
}

/** A key state in record form (as persisted). */
export function encodeKey(key: string, s: KeyState): WireKey {
  return [
    key,
    s.entries.map(
      (e) =>
        [
          e.replica,
          e.seq,
          e.hlc.wallMs,
          e.hlc.logical,
          e.hlc.node,
          e.value,
          e.expiresAtMs,
          e.add,
        ] as const,
    ),
    [...s.context],
  ];
}

/** Thrown for a malformed key state from a peer or from disk; names what is wrong and where. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

/** A time in ms: virtual times are fractional. */
const isTime = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * Validates and decodes a batch of key states. Throws {@link WireFormatError} naming the first
 * problem (`keys: key 3 ("user:7"): entry 0: seq must be …`), so a bad peer never half-applies.
 */
export function decodeKeys(wire: unknown, where: string): CacheDelta {
  if (
    !Array.isArray(wire) ||
    wire.length !== 2 ||
    !Array.isArray(wire[0]) ||
    !Array.isArray(wire[1])
  )
    throw new WireFormatError(`${where}: must be [names, body]`);
  const names = wire[0] as unknown[];
  const body = wire[1] as unknown[];
  names.forEach((n, i) => {
    if (typeof n !== 'string') throw new WireFormatError(`${where}: names[${i}] must be a string`);
  });
  const out: CacheDelta = new Map();
  let i = 0;
  let k = 0;
  let key: unknown;
  // Where a problem is, built only when there is one (this runs for every key of a heal).
  const fail = (what: string): never => {
    const named = typeof key === 'string' ? ` (${JSON.stringify(key.slice(0, 40))})` : '';
    throw new WireFormatError(`${where}: key ${k}${named}: ${what}`);
  };
  const name = (v: unknown, what: () => string): string => {
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= names.length)
      fail(`${what()} must index the ${names.length} names`);
    return names[v as number] as string;
  };
  for (; i < body.length; k++) {
    key = body[i];
    if (typeof key !== 'string') fail('key must be a string');
    const entryCount = body[i + 1];
    if (!isCount(entryCount) || i + 2 + 8 * entryCount > body.length)
      fail('entry count missing or past the end of the batch');
    i += 2;
    const entries: CacheEntry[] = new Array(entryCount as number);
    for (let j = 0; j < (entryCount as number); j++, i += 8) {
      const replica = name(body[i], () => `entry ${j}: replica`);
      const seq = body[i + 1];
      const wallMs = body[i + 2];
      const logical = body[i + 3];
      const node = name(body[i + 4], () => `entry ${j}: timestamp node`);
      const value = body[i + 5];
      const expiresAtMs = body[i + 6];
      const add = body[i + 7];
      if (replica.length === 0) fail(`entry ${j}: replica must be a non-empty string`);
      if (!isCount(seq) || seq === 0) fail(`entry ${j}: seq must be a whole number >= 1`);
      if (!isTime(wallMs) || !isCount(logical))
        fail(`entry ${j}: timestamp must be a time >= 0 and a count`);
      if (value !== null && typeof value !== 'string')
        fail(`entry ${j}: value must be a string or null`);
      if (!isTime(expiresAtMs)) fail(`entry ${j}: expiresAtMs must be a time >= 0`);
      if (!Number.isSafeInteger(add)) fail(`entry ${j}: add must be a safe integer`);
      entries[j] = {
        replica,
        seq: seq as number,
        hlc: { wallMs: wallMs as number, logical: logical as number, node },
        value: value as string | null,
        expiresAtMs: expiresAtMs as number,
        add: add as number,
      };
    }
    const contextCount = body[i];
    if (!isCount(contextCount) || i + 1 + 2 * contextCount > body.length)
      fail('context count missing or past the end of the batch');
    i += 1;
    const context = new Map<string, number>();
    for (let j = 0; j < (contextCount as number); j++, i += 2) {
      const r = name(body[i], () => `context ${j}: replica`);
      const n = body[i + 1];
      if (!isCount(n) || n === 0) fail(`context ${j}: seq must be a whole number >= 1`);
      context.set(r, Math.max(n as number, context.get(r) ?? 0));
    }
    out.set(key as string, { entries, context });
  }
  return out;
}

/** Validates and decodes one key state in record form (as persisted). */
export function decodeKey(wire: unknown, where: string): [string, KeyState] {
  const fail = (what: string): never => {
    throw new WireFormatError(`${where}: ${what}`);
  };
  if (!Array.isArray(wire) || wire.length !== 3) fail('must be [key, entries, context]');
  const [key, rawEntries, rawContext] = wire as [unknown, unknown, unknown];
  if (typeof key !== 'string') fail('key must be a string');
  if (!Array.isArray(rawEntries)) fail('entries must be an array');
  if (!Array.isArray(rawContext)) fail('context must be an array');
  const context = new Map<string, number>();
  (rawContext as unknown[]).forEach((c, j) => {
    if (!Array.isArray(c) || typeof c[0] !== 'string' || !isCount(c[1]) || c[1] === 0) {
      fail(`context[${j}] must be [replica, seq >= 1]`);
    }
    const [r, n] = c as [string, number];
    context.set(r, Math.max(n, context.get(r) ?? 0));
  });
  const entries: CacheEntry[] = (rawEntries as unknown[]).map((e, j) => {
    const at = `entries[${j}]`;
    if (!Array.isArray(e) || e.length !== 8) fail(`${at} must have 8 fields`);
    const [replica, seq, wallMs, logical, node, value, expiresAtMs, add] = e as unknown[];
    if (typeof replica !== 'string' || replica.length === 0)
      fail(`${at}: replica must be a non-empty string`);
    if (!isCount(seq) || seq === 0) fail(`${at}: seq must be a whole number >= 1`);
    if (!isTime(wallMs) || !isCount(logical))
      fail(`${at}: timestamp must be a time >= 0 and a count`);
    if (typeof node !== 'string') fail(`${at}: timestamp node must be a string`);
    if (value !== null && typeof value !== 'string') fail(`${at}: value must be a string or null`);
    if (!isTime(expiresAtMs)) fail(`${at}: expiresAtMs must be a time >= 0`);
    if (!Number.isSafeInteger(add)) fail(`${at}: add must be a safe integer`);
    return {
      replica: replica as string,
      seq: seq as number,
      hlc: { wallMs: wallMs as number, logical: logical as number, node: node as string },
      value: value as string | null,
      expiresAtMs: expiresAtMs as number,
      add: add as number,
    };
  });
  return [key as string, { entries, context }];
}

/** Knowledge vector in wire form. */
export function encodeVector(v: ReadonlyMap<string, number>): [string, number][] {
  return [...v];
}

/** Validates a wire knowledge vector. */
export function decodeVector(wire: unknown, where: string): Map<string, number> {
  if (!Array.isArray(wire)) throw new WireFormatError(`${where}: must be an array`);
  const out = new Map<string, number>();
  wire.forEach((p, i) => {
    if (!Array.isArray(p) || typeof p[0] !== 'string' || !isCount(p[1])) {
      throw new WireFormatError(`${where}[${i}]: must be [replica, seq >= 0]`);
    }
    out.set(p[0], p[1]);
  });
  return out;
}
