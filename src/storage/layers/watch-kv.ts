import { compareBytes } from '../bytes.js';
import type { BatchOp, Entry, OrderedKV, OrderedKVReader, RangeOptions } from '../ordered-kv.js';
import { strinc } from './subspace.js';

/** A listener of a range watch: the ops of one committed write that touch the watched prefix. */
export type WatchListener = (changes: readonly BatchOp[]) => void;

/** Thrown after a write when listeners failed. The write itself is committed. */
export class WatchListenerError extends Error {
  override readonly name = 'WatchListenerError';
}

interface Watch {
  readonly start: Uint8Array;
  /** Exclusive end; undefined when unbounded. */
  readonly end: Uint8Array | undefined;
  readonly listener: WatchListener;
}

/**
 * The range-watch hook as a decorator: {@link WatchKV.watch} registers a listener for changes under
 * a key prefix. After each write commits, every listener whose prefix the write touched is called
 * once, synchronously, with that write's ops in order (a `deleteRange` is reported when it overlaps
 * the prefix, with its bounds as written). Listeners run after the commit, so they see the new
 * state; a listener that throws does not stop the others, and a {@link WatchListenerError} is
 * thrown once all ran.
 */
export class WatchKV implements OrderedKV {
  readonly #inner: OrderedKV;
  readonly #watches = new Set<Watch>();

  constructor(inner: OrderedKV) {
    this.#inner = inner;
  }

  /** Calls `listener` after every write that changes keys starting with `prefix`. Returns the
   * function that cancels the watch. */
  watch(prefix: Uint8Array, listener: WatchListener): () => void {
    const w: Watch = { start: new Uint8Array(prefix), end: strinc(prefix), listener };
    this.#watches.add(w);
    return () => {
      this.#watches.delete(w);
    };
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#inner.get(key);
  }

  range(options: RangeOptions = {}): Entry[] {
    return this.#inner.range(options);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#inner.put(key, value);
    this.#notify([{ type: 'put', key, value }]);
  }

  delete(key: Uint8Array): void {
    this.#inner.delete(key);
    this.#notify([{ type: 'delete', key }]);
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.#inner.deleteRange(start, end);
    this.#notify([{ type: 'deleteRange', start, end }]);
  }

  batch(ops: readonly BatchOp[]): void {
    this.#inner.batch(ops);
    this.#notify(ops);
  }

  snapshot(): OrderedKVReader {
    return this.#inner.snapshot();
  }

  #notify(ops: readonly BatchOp[]): void {
    if (this.#watches.size === 0) return;
    const failures: unknown[] = [];
    for (const w of [...this.#watches]) {
      const mine = ops.filter((op) => touches(w, op));
      if (mine.length === 0) continue;
      try {
        w.listener(mine);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) {
      throw new WatchListenerError(
        `${failures.length} watch listener(s) failed after a committed write: ${String(failures[0])}`,
        { cause: failures.length === 1 ? failures[0] : new AggregateError(failures) },
      );
    }
  }
}

function inWatch(w: Watch, key: Uint8Array): boolean {
  return compareBytes(key, w.start) >= 0 && (w.end === undefined || compareBytes(key, w.end) < 0);
}

function touches(w: Watch, op: BatchOp): boolean {
  if (op.type !== 'deleteRange') return inWatch(w, op.key);
  // [start, end) overlaps [w.start, w.end) when it is non-empty and the two intervals intersect.
  if (compareBytes(op.start, op.end) >= 0) return false;
  return (
    compareBytes(op.end, w.start) > 0 && (w.end === undefined || compareBytes(op.start, w.end) < 0)
  );
}
