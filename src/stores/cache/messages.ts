/**
 * The cache's messages: the client protocol (requests from any endpoint, replies to the sender —
 * simulated clients and the RESP server speak it alike) and the peer protocol (delta gossip,
 * acknowledgements, digest anti-entropy, heartbeats). Peer messages carry key states in a plain
 * array form ({@link WireKey}) that survives any serialisation, and everything a peer sends is
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
    }
  | { readonly type: 'del'; readonly id: number; readonly keys: readonly string[] }
  | { readonly type: 'expire'; readonly id: number; readonly key: string; readonly ttlMs: number }
  | { readonly type: 'ttl'; readonly id: number; readonly key: string }
  | { readonly type: 'incrby'; readonly id: number; readonly key: string; readonly by: number }
  | { readonly type: 'mget'; readonly id: number; readonly keys: readonly string[] };

/** The reply to a request, sent to the requesting endpoint. */
export type CacheReply =
  | { readonly type: 'ok'; readonly id: number }
  | { readonly type: 'value'; readonly id: number; readonly value: string | null }
  | { readonly type: 'values'; readonly id: number; readonly values: readonly (string | null)[] }
  /** DEL: keys removed; EXPIRE: 1/0; INCRBY: the new value; TTL: ms left, −1 no expiry, −2 no
   * key. */
  | { readonly type: 'int'; readonly id: number; readonly value: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** A key state on the wire: `[key, entries, context]`, each entry
 * `[replica, seq, wallMs, logical, hlcNode, value, expiresAtMs, add]`, context `[replica, seq]`. */
export type WireKey = readonly [
  string,
  readonly (readonly [string, number, number, number, string, string | null, number, number])[],
  readonly (readonly [string, number])[],
];

/** A peer message. */
export type PeerMessage =
  /** Delta-interval gossip (Almeida et al. Alg. 2): the current states of the keys changed in
   * the sender's delta buffer after the receiver's last ack, up to buffer position `seq`. */
  | {
      readonly type: 'delta';
      readonly session: number;
      readonly seq: number;
      readonly keys: readonly WireKey[];
    }
  /** The receiver has joined the sender's buffer up to `seq` of `session`. */
  | { readonly type: 'ack'; readonly session: number; readonly seq: number }
  /** Anti-entropy, step 1: the sender's bucket digests and knowledge vector. */
  | {
      readonly type: 'digest';
      readonly round: number;
      readonly digest: readonly number[];
      readonly knowledge: readonly (readonly [string, number])[];
    }
  /** Step 2: the buckets that differ and the responder's states of their keys. */
  | {
      readonly type: 'repair';
      readonly round: number;
      readonly buckets: readonly number[];
      readonly keys: readonly WireKey[];
    }
  /** Step 3: the initiator's states of those buckets' keys (after joining step 2). `complete`:
   * every key of those buckets is included, so the responder now contains the initiator's state
   * as of step 1 and may adopt `knowledge` (and count the initiator's buffer up to `session/seq`
   * as delivered). */
  | {
      readonly type: 'fill';
      readonly round: number;
      readonly keys: readonly WireKey[];
      readonly complete: boolean;
      readonly knowledge: readonly (readonly [string, number])[];
      readonly session: number;
      readonly seq: number;
    }
  /** Liveness only. */
  | { readonly type: 'ping' }
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
]);

/** Whether `msg` is a client request. */
export function isRequest(msg: CacheMsg): msg is CacheRequest {
  return REQUEST_TYPES.has(msg.type);
}

/** Key states in wire form. */
export function encodeKeys(states: ReadonlyMap<string, KeyState>): WireKey[] {
  const out: WireKey[] = [];
  for (const [key, s] of states) out.push(encodeKey(key, s));
  return out;
}

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
 * Validates and decodes wire key states. Throws {@link WireFormatError} naming the first problem
 * (`keys[3].entries[0]: seq must be …`), so a bad peer or a corrupt record never half-applies.
 */
export function decodeKeys(wire: unknown, where: string): CacheDelta {
  if (!Array.isArray(wire)) throw new WireFormatError(`${where}: keys must be an array`);
  const out: CacheDelta = new Map();
  wire.forEach((k, i) => {
    const [key, state] = decodeKey(k, `${where}[${i}]`);
    out.set(key, state);
  });
  return out;
}

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
