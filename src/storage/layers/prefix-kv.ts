import { checkKeyLimit, checkOps } from '../check-ops.js';
import {
  type BatchOp,
  checkKey,
  checkRange,
  type Entry,
  KEY_BYTES_MAX,
  type OrderedKV,
  type OrderedKVReader,
  type RangeOptions,
  StorageInputError,
} from '../ordered-kv.js';
import { strinc } from './subspace.js';

/** Options of {@link PrefixKV}. */
export interface PrefixKVOptions {
  /** Largest key the underlying store accepts, in bytes. Default: KEY_BYTES_MAX. */
  readonly innerKeyBytesMax?: number;
}

/**
 * Namespacing: an `OrderedKV` whose keys live under `prefix` in another store. Key `k` is stored at
 * `prefix + k`; scans never leave `[prefix, strinc(prefix))`, whatever bytes (0xff included) the
 * keys or neighbours hold. Keys may be `innerKeyBytesMax - prefix.length` bytes at most.
 */
export class PrefixKV implements OrderedKV {
  readonly #inner: OrderedKV;
  readonly #prefix: Uint8Array;
  /** Exclusive end of the namespace, undefined when the prefix is empty or all 0xff. */
  readonly #end: Uint8Array | undefined;
  /** Largest key accepted, in bytes. */
  readonly keyBytesMax: number;
  /** How errors name our key limit. */
  readonly #limitName: string;

  constructor(inner: OrderedKV, prefix: Uint8Array, options: PrefixKVOptions = {}) {
    this.#inner = inner;
    this.#prefix = new Uint8Array(prefix);
    this.#end = strinc(this.#prefix);
    this.#limitName = ` under prefix 0x${Buffer.from(this.#prefix).toString('hex')}`;
    this.keyBytesMax = (options.innerKeyBytesMax ?? KEY_BYTES_MAX) - prefix.length;
    if (this.keyBytesMax < 0) {
      throw new StorageInputError(
        `prefix is ${prefix.length} bytes; the inner store's key limit is smaller`,
      );
    }
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#inner.get(this.#key(key, 'get'));
  }

  range(options: RangeOptions = {}): Entry[] {
    return this.#range(this.#inner, options);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#inner.put(this.#key(key, 'put'), value);
  }

  delete(key: Uint8Array): void {
    this.#inner.delete(this.#key(key, 'delete'));
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.#inner.deleteRange(
      this.#key(start, 'deleteRange start'),
      this.#key(end, 'deleteRange end'),
    );
  }

  batch(ops: readonly BatchOp[]): void {
    this.#inner.batch(this.mapOps(ops, 'batch'));
  }

  /**
   * Applies `ops` (keys inside the namespace) and `raw` (keys of the inner store, as is) in one
   * atomic batch of the inner store: how layers keep their own data beside the namespace's.
   * `where` names the operation in errors (`batch` names each op by index).
   */
  batchWith(ops: readonly BatchOp[], raw: readonly BatchOp[], where = 'batch'): void {
    this.#inner.batch([...this.mapOps(ops, where), ...raw]);
  }

  /**
   * Validates `ops` (keys inside the namespace) and returns them with inner-store keys; throws
   * naming the op (`name`, or `batch op i` when `name` is `batch`) without writing anything.
   */
  mapOps(ops: readonly BatchOp[], name: string): BatchOp[] {
    // Validate against our (smaller) key limit first so errors name the op and nothing is written.
    checkOps(ops, name, this.keyBytesMax, this.#limitName);
    return ops.map((op): BatchOp => {
      if (op.type === 'put') return { type: 'put', key: this.#join(op.key), value: op.value };
      if (op.type === 'delete') return { type: 'delete', key: this.#join(op.key) };
      return { type: 'deleteRange', start: this.#join(op.start), end: this.#join(op.end) };
    });
  }

  snapshot(): OrderedKVReader {
    const snap = this.#inner.snapshot();
    return {
      get: (key) => snap.get(this.#key(key, 'snapshot get')),
      range: (options = {}) => this.#range(snap, options),
    };
  }

  #range(reader: OrderedKVReader, options: RangeOptions): Entry[] {
    checkRange(options, 'range');
    const start =
      options.start === undefined ? this.#prefix : this.#key(options.start, 'range start');
    const end = options.end === undefined ? this.#end : this.#key(options.end, 'range end');
    // Entries are fresh objects owned by us (the contract copies out), so their keys are
    // replaced in place by a copy without the prefix. Copied byte by byte: short keys from lmdb are
    // V8 on-heap arrays, and taking a view (subarray, or `.buffer`) first moves them off-heap,
    // which made scans 1.6x slower than raw lmdb (measured).
    const n = this.#prefix.length;
    const out = reader.range(
      (end === undefined ? { ...options, start } : { ...options, start, end }) as RangeOptions,
    );
    for (const e of out) {
      const k = e.key;
      const key = new Uint8Array(k.length - n);
      for (let i = 0; i < key.length; i++) key[i] = k[i + n] as number;
      (e as { key: Uint8Array }).key = key;
    }
    return out;
  }

  #key(key: Uint8Array, where: string): Uint8Array {
    checkKey(key, where);
    checkKeyLimit(key, where, this.keyBytesMax, this.#limitName);
    return this.#join(key);
  }

  /** `prefix + key`, unchecked. */
  #join(key: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.#prefix.length + key.length);
    out.set(this.#prefix);
    out.set(key, this.#prefix.length);
    return out;
  }
}
