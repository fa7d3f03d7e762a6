import { BTree } from '../../storage/btree.js';
import { toKeyString } from '../../storage/bytes.js';
import type { BatchOp, Entry, OrderedKV } from '../../storage/ordered-kv.js';
import { overlayGet, overlayRange, type WriteOverlay } from '../../storage/overlay.js';

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
  /** Buffered writes by latin1 key (null: deleted) and the ranges deleteRange cleared. */
  readonly #overlay: WriteOverlay & { cleared: [string, string][] } = {
    writes: new BTree<string, Uint8Array | null>(),
    cleared: [],
  };
  readonly #ops: BatchOp[] = [];

  constructor(storage: OrderedKV) {
    this.#storage = storage;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return overlayGet(this.#storage, this.#overlay, key, toKeyString(key));
  }

  /** Entries with `start <= key < end` as the batch would leave them, in key order, at most
   *  `limit`. */
  range(start: Uint8Array, end: Uint8Array, limit = Number.POSITIVE_INFINITY): Entry[] {
    return overlayRange(this.#storage, this.#overlay, { start, end, limit }, limit);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#overlay.writes.set(toKeyString(key), value);
    this.#ops.push({ type: 'put', key, value });
  }

  delete(key: Uint8Array): void {
    this.#overlay.writes.set(toKeyString(key), null);
    this.#ops.push({ type: 'delete', key });
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    const lo = toKeyString(start);
    const hi = toKeyString(end);
    if (lo < hi) {
      this.#overlay.writes.deleteRange(lo, hi, false);
      this.#overlay.cleared.push([lo, hi]);
    }
    this.#ops.push({ type: 'deleteRange', start, end });
  }

  /** The buffered writes, in the order they were made. */
  ops(): readonly BatchOp[] {
    return this.#ops;
  }
}
