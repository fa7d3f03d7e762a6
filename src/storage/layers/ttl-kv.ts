import { rangeAfter } from '../cursor.js';
import { checkBatchOp } from '../memory-kv.js';
import {
  type BatchOp,
  checkKey,
  checkRange,
  type Entry,
  type OrderedKV,
  type OrderedKVReader,
  type RangeOptions,
  StorageInputError,
  VALUE_BYTES_MAX,
} from '../ordered-kv.js';

/** Options of {@link TtlKV}. */
export interface TtlKVOptions {
  /**
   * The clock, in milliseconds. Under the simulator pass the context's clock so expiry is
   * deterministic; there is deliberately no default, since a wall clock would break replay.
   */
  readonly now: () => number;
  /** Time to live of entries written by `put` and `batch`, in milliseconds. Default: forever. */
  readonly defaultTtlMs?: number;
  /** Largest value the underlying store accepts, in bytes. Default: VALUE_BYTES_MAX. */
  readonly innerValueBytesMax?: number;
}

/** Bytes of the expiry header in front of every stored value. */
const HEADER = 8;

/**
 * Expiring entries as a decorator: each value is stored behind an 8-byte header holding its expiry
 * time (a big-endian float64 of the injected clock's milliseconds; +Infinity = never). Expired
 * entries are invisible to reads at once; {@link TtlKV.purgeExpired} deletes them for real.
 * A snapshot judges expiry by the clock at the time it was taken.
 */
export class TtlKV implements OrderedKV {
  readonly #inner: OrderedKV;
  readonly #now: () => number;
  readonly #defaultTtl: number;
  /** Largest value accepted, in bytes. */
  readonly valueBytesMax: number;

  constructor(inner: OrderedKV, options: TtlKVOptions) {
    this.#inner = inner;
    this.#now = options.now;
    this.#defaultTtl = checkTtl(options.defaultTtlMs ?? Number.POSITIVE_INFINITY, 'defaultTtlMs');
    this.valueBytesMax = (options.innerValueBytesMax ?? VALUE_BYTES_MAX) - HEADER;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return live(this.#inner.get(key), this.#now());
  }

  range(options: RangeOptions = {}): Entry[] {
    return liveRange(this.#inner, options, this.#now());
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.putWithTtl(key, value, this.#defaultTtl);
  }

  /** Stores `value` at `key` for `ttlMs` milliseconds from now (+Infinity: forever). */
  putWithTtl(key: Uint8Array, value: Uint8Array, ttlMs: number): void {
    checkTtl(ttlMs, 'putWithTtl');
    checkBatchOp({ type: 'put', key, value }, 'put');
    this.#inner.put(key, this.#wrap(value, this.#now() + ttlMs, 'put'));
  }

  /** When `key` expires, in clock milliseconds (+Infinity: never), or undefined when absent. */
  expiresAt(key: Uint8Array): number | undefined {
    const raw = this.#inner.get(key);
    if (raw === undefined) return undefined;
    const at = expiry(raw);
    return at <= this.#now() ? undefined : at;
  }

  delete(key: Uint8Array): void {
    this.#inner.delete(key);
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.#inner.deleteRange(start, end);
  }

  batch(ops: readonly BatchOp[]): void {
    const at = this.#now() + this.#defaultTtl;
    const wrapped = ops.map((op, i): BatchOp => {
      checkBatchOp(op, `batch op ${i}`);
      return op.type === 'put' ? { ...op, value: this.#wrap(op.value, at, `batch op ${i}`) } : op;
    });
    this.#inner.batch(wrapped);
  }

  snapshot(): OrderedKVReader {
    const snap = this.#inner.snapshot();
    const now = this.#now();
    return {
      get: (key) => live(snap.get(key), now),
      range: (options = {}) => liveRange(snap, options, now),
    };
  }

  /**
   * Deletes expired entries in `[start, end)` (default: everything), at most `limit` of them
   * (default: all), in one batch. Returns how many were deleted. Cost: a scan of the range.
   */
  purgeExpired(options: { start?: Uint8Array; end?: Uint8Array; limit?: number } = {}): number {
    const now = this.#now();
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const doomed: BatchOp[] = [];
    const scan: RangeOptions = {
      ...(options.start === undefined ? {} : { start: options.start }),
      ...(options.end === undefined ? {} : { end: options.end }),
    };
    for (const e of this.#inner.range(scan)) {
      if (doomed.length >= limit) break;
      if (expiry(e.value) <= now) doomed.push({ type: 'delete', key: e.key });
    }
    this.#inner.batch(doomed);
    return doomed.length;
  }

  #wrap(value: Uint8Array, at: number, where: string): Uint8Array {
    if (value.length > this.valueBytesMax) {
      throw new StorageInputError(
        `${where}: value is ${value.length} bytes; the limit with the TTL header is ${this.valueBytesMax}`,
      );
    }
    const out = new Uint8Array(HEADER + value.length);
    new DataView(out.buffer).setFloat64(0, at);
    out.set(value, HEADER);
    return out;
  }
}

function checkTtl(ttl: number, where: string): number {
  if (!(ttl > 0))
    throw new StorageInputError(`${where}: a TTL must be a positive number of ms, got ${ttl}`);
  return ttl;
}

function expiry(raw: Uint8Array): number {
  if (raw.length < HEADER) return Number.NEGATIVE_INFINITY;
  return new DataView(raw.buffer, raw.byteOffset, HEADER).getFloat64(0);
}

function live(raw: Uint8Array | undefined, now: number): Uint8Array | undefined {
  if (raw === undefined || expiry(raw) <= now) return undefined;
  return raw.subarray(HEADER);
}

/** A range of live entries: pages through the inner range until `limit` live ones are found. */
function liveRange(reader: OrderedKVReader, options: RangeOptions, now: number): Entry[] {
  const limit = checkRange(options, 'range');
  if (options.start !== undefined) checkKey(options.start, 'range start');
  const out: Entry[] = [];
  let page: RangeOptions = options;
  while (out.length < limit) {
    const want = limit - out.length;
    const batch = reader.range({ ...page, ...(Number.isFinite(want) ? { limit: want } : {}) });
    for (const e of batch) {
      const v = live(e.value, now);
      if (v !== undefined) out.push({ key: e.key, value: v });
    }
    const last = batch[batch.length - 1];
    if (last === undefined || !Number.isFinite(want) || batch.length < want) break;
    page = rangeAfter(page, last.key);
  }
  return out;
}
