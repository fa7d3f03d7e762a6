/**
 * `OrderedKV`: the storage contract every backend and layer implements (DESIGN.md §8).
 *
 * Keys and values are bytes; keys sort in unsigned lexicographic order. The API is synchronous so
 * that process handlers (which are synchronous) can use it directly, in the simulator and on real
 * machines alike.
 */

/** Largest key accepted, in bytes (FoundationDB's limit is 10,000). */
export const KEY_BYTES_MAX = 8192;
/** Largest value accepted, in bytes. */
export const VALUE_BYTES_MAX = 1 << 20;

/** A key/value pair returned by range scans. */
export interface Entry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Bounds and direction of a range scan. */
export interface RangeOptions {
  /** Inclusive lower bound. Default: the smallest key (empty). */
  readonly start?: Uint8Array;
  /** Exclusive upper bound. Default: no upper bound. */
  readonly end?: Uint8Array;
  /** Maximum number of entries returned. Default: no limit. */
  readonly limit?: number;
  /** Scan from the end of the range backwards. Default: false. */
  readonly reverse?: boolean;
}

/** One write of an atomic batch. */
export type BatchOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly key: Uint8Array }
  | { readonly type: 'deleteRange'; readonly start: Uint8Array; readonly end: Uint8Array };

/** Read-only view: what a snapshot offers. */
export interface OrderedKVReader {
  /** The value at `key`, or undefined when absent. */
  get(key: Uint8Array): Uint8Array | undefined;
  /** Entries with `start <= key < end`, in key order (or reverse), at most `limit`. */
  range(options?: RangeOptions): Entry[];
}

/** The storage contract. */
export interface OrderedKV extends OrderedKVReader {
  /** Stores `value` at `key`, replacing any earlier value. */
  put(key: Uint8Array, value: Uint8Array): void;
  /** Removes `key`; removing an absent key is not an error. */
  delete(key: Uint8Array): void;
  /** Removes every key with `start <= key < end`. */
  deleteRange(start: Uint8Array, end: Uint8Array): void;
  /** Applies every op or none: no reader ever sees part of a batch. */
  batch(ops: readonly BatchOp[]): void;
  /** A consistent read-only view as of now; later writes do not show in it. */
  snapshot(): OrderedKVReader;
}

/** Thrown for a key or value over the size limits, or a malformed range. */
export class StorageInputError extends Error {
  override readonly name = 'StorageInputError';
}

/** Validates a key's type and size; `where` names the operation in the error. */
export function checkKey(key: unknown, where: string): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) {
    throw new StorageInputError(`${where}: key must be a Uint8Array, got ${typeof key}`);
  }
  if (key.length > KEY_BYTES_MAX) {
    throw new StorageInputError(
      `${where}: key is ${key.length} bytes; the limit is ${KEY_BYTES_MAX}`,
    );
  }
}

/** Validates a value's type and size; `where` names the operation in the error. */
export function checkValue(value: unknown, where: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new StorageInputError(`${where}: value must be a Uint8Array, got ${typeof value}`);
  }
  if (value.length > VALUE_BYTES_MAX) {
    throw new StorageInputError(
      `${where}: value is ${value.length} bytes; the limit is ${VALUE_BYTES_MAX}`,
    );
  }
}

/** Validates range options; returns the limit as a number (Infinity when absent). */
export function checkRange(options: RangeOptions, where: string): number {
  if (options.start !== undefined) checkKey(options.start, `${where} start`);
  if (options.end !== undefined) checkKey(options.end, `${where} end`);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
    throw new StorageInputError(`${where}: limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}
