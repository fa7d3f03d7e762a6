import { toKeyString } from '../../storage/bytes.js';
import type { BatchOp, Entry, OrderedKV } from '../../storage/ordered-kv.js';

/**
 * The writes of one applied entry, buffered so they reach storage as one atomic batch together
 * with the new applied index (a crash never keeps half an entry). Reads see the buffered writes
 * (read-your-writes), so the steps of one entry — expire leases, then run the command — compose.
 *
 * Lighter than a `TransactionalKV` transaction: the state machine is the store's only writer, so
 * there is nothing to conflict with and no snapshot to pin.
 */
export class ApplyBatch {
  readonly #storage: OrderedKV;
  /** Buffered point writes by latin1 key: the new value, or null for a delete. */
  readonly #overlay = new Map<string, Uint8Array | null>();
  /** Ranges cleared by deleteRange, as latin1 [start, end). */
  readonly #cleared: [string, string][] = [];
  readonly #ops: BatchOp[] = [];

  constructor(storage: OrderedKV) {
    this.#storage = storage;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const k = toKeyString(key);
    const buffered = this.#overlay.get(k);
    if (buffered !== undefined) return buffered ?? undefined;
    if (this.#isCleared(k)) return undefined;
    return this.#storage.get(key);
  }

  /** Entries with `start <= key < end` as the batch would leave them, in key order, at most
   *  `limit`. */
  range(start: Uint8Array, end: Uint8Array, limit = Number.POSITIVE_INFINITY): Entry[] {
    const lo = toKeyString(start);
    const hi = toKeyString(end);
    let hidden = 0;
    for (const [k, v] of this.#overlay) if (v === null && k >= lo && k < hi) hidden++;
    const fetch = this.#cleared.length > 0 ? Number.POSITIVE_INFINITY : limit + hidden;
    const merged = new Map<string, Entry>();
    for (const e of this.#storage.range({ start, end, limit: fetch })) {
      const k = toKeyString(e.key);
      if (!this.#overlay.has(k) && !this.#isCleared(k)) merged.set(k, e);
    }
    for (const [k, v] of this.#overlay) {
      if (v !== null && k >= lo && k < hi)
        merged.set(k, { key: Buffer.from(k, 'latin1'), value: v });
    }
    const keys = [...merged.keys()].sort();
    const out: Entry[] = [];
    for (const k of keys) {
      if (out.length >= limit) break;
      out.push(merged.get(k) as Entry);
    }
    return out;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#overlay.set(toKeyString(key), value);
    this.#ops.push({ type: 'put', key, value });
  }

  delete(key: Uint8Array): void {
    this.#overlay.set(toKeyString(key), null);
    this.#ops.push({ type: 'delete', key });
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    const lo = toKeyString(start);
    const hi = toKeyString(end);
    for (const k of [...this.#overlay.keys()]) if (k >= lo && k < hi) this.#overlay.delete(k);
    this.#cleared.push([lo, hi]);
    this.#ops.push({ type: 'deleteRange', start, end });
  }

  /** The buffered writes, in the order they were made. */
  ops(): readonly BatchOp[] {
    return this.#ops;
  }

  #isCleared(k: string): boolean {
    return this.#cleared.some(([lo, hi]) => k >= lo && k < hi);
  }
}
