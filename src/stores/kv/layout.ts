import { fromUtf8, utf8 } from '../../storage/bytes.js';
import { Subspace, strinc } from '../../storage/layers/subspace.js';
import type { KeyValue, KvEvent } from './commands.js';

/**
 * Where the KV state machine keeps things inside the storage Raft gives it. Every key is under a
 * tuple subspace, so the parts never overlap:
 *
 * | key                                  | value                                        |
 * |--------------------------------------|----------------------------------------------|
 * | ('m')                                | {@link Meta} (JSON): applied index, counters |
 * | ('k') + raw key bytes                | {@link KeyValue} (JSON) of a live key        |
 * | ('h', revision, n)                   | the n-th {@link KvEvent} of a revision       |
 * | ('l', leaseId)                       | {@link LeaseRecord} (JSON)                   |
 * | ('lk', leaseId, key bytes)           | empty: key attached to the lease             |
 * | ('le', expiresAtMs, leaseId)         | empty: expiry order of leases                |
 *
 * User keys are appended raw after the ('k') prefix (not tuple-encoded), so their storage order is
 * their byte order and a key range maps to a storage range directly.
 */

/** Counters and positions, one record written with every applied entry. */
export interface Meta {
  /** Index of the last applied Raft entry. */
  readonly applied: number;
  /** Store revision: bumped once by every command that changes a key. Starts at 1 (etcd). */
  readonly revision: number;
  /** History up to and including this revision is discarded (0: none). */
  readonly compacted: number;
  /** Number of live keys. */
  readonly keys: number;
  /** Number of live leases. */
  readonly leases: number;
  /** Lease clock: the largest entry time applied so far, in ms (never goes back). */
  readonly clockMs: number;
  /** Id the next granted lease gets. */
  readonly leaseNext: number;
}

/** A lease. `private` leases were made by a put with ttlMs and die with their one key. */
export interface LeaseRecord {
  readonly id: number;
  readonly ttlMs: number;
  readonly expiresAtMs: number;
  readonly private: boolean;
}

/** The meta of an empty store. */
export const EMPTY_META: Meta = {
  applied: 0,
  revision: 1,
  compacted: 0,
  keys: 0,
  leases: 0,
  clockMs: 0,
  leaseNext: 1,
};

export const META_KEY = new Subspace(['m']).prefix;
const KEYS = new Subspace(['k']);
export const HISTORY = new Subspace(['h']);
export const LEASES = new Subspace(['l']);
export const LEASE_KEYS = new Subspace(['lk']);
export const LEASE_EXPIRY = new Subspace(['le']);

/** The latin1 bytes of a byte string. */
export function bytesOf(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/** The byte string of bytes. */
export function stringOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Storage key of user key `key`. */
export function userKey(key: string): Uint8Array {
  const out = new Uint8Array(KEYS.prefix.length + key.length);
  out.set(KEYS.prefix);
  for (let i = 0; i < key.length; i++) out[KEYS.prefix.length + i] = key.charCodeAt(i);
  return out;
}

/** Storage range of user keys `start <= key < end` (`end` '' = no upper bound). */
export function userRange(start: string, end: string): { start: Uint8Array; end: Uint8Array } {
  return {
    start: userKey(start),
    end: end === '' ? (strinc(KEYS.prefix) as Uint8Array) : userKey(end),
  };
}

/** JSON bytes of a record. */
export function encodeJson(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}

/** A record from its JSON bytes. */
export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(fromUtf8(bytes)) as T;
}

export type { KeyValue, KvEvent };
