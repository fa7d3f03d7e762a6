import { BTree } from './btree.js';
import { scanTree } from './btree-scan.js';
import { copyBytes, fromKeyString, toKeyString } from './bytes.js';
import {
  type BatchOp,
  checkKey,
  checkRange,
  checkValue,
  type Entry,
  type OrderedKV,
  type OrderedKVReader,
  type RangeOptions,
  StorageInputError,
} from './ordered-kv.js';

/**
 * The in-memory `OrderedKV`, the embedded default. A B+ tree (sorted-btree) keyed by latin1
 * strings (see bytes.ts); `snapshot()` is an O(1) copy-on-write clone of the tree.
 * Values are copied on the way in and out, so callers cannot alias stored bytes.
 */
export class MemoryKV implements OrderedKV {
  #tree: BTree<string, Uint8Array>;

  constructor(tree?: BTree<string, Uint8Array>) {
    this.#tree = tree ?? new BTree<string, Uint8Array>();
  }

  get(key: Uint8Array): Uint8Array | undefined {
    checkKey(key, 'get');
    const value = this.#tree.get(toKeyString(key));
    return value === undefined ? undefined : copyBytes(value);
  }

  range(options: RangeOptions = {}): Entry[] {
    return readRange(this.#tree, options);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    checkKey(key, 'put');
    checkValue(value, 'put');
    this.#tree.set(toKeyString(key), copyBytes(value));
  }

  delete(key: Uint8Array): void {
    checkKey(key, 'delete');
    this.#tree.delete(toKeyString(key));
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    checkKey(start, 'deleteRange start');
    checkKey(end, 'deleteRange end');
    this.#tree.deleteRange(toKeyString(start), toKeyString(end), false);
  }

  batch(ops: readonly BatchOp[]): void {
    // Validate every op first so that a bad op leaves the store untouched (all or nothing).
    ops.forEach((op, i) => {
      checkBatchOp(op, `batch op ${i}`);
    });
    for (const op of ops) {
      if (op.type === 'put') this.#tree.set(toKeyString(op.key), copyBytes(op.value));
      else if (op.type === 'delete') this.#tree.delete(toKeyString(op.key));
      else this.#tree.deleteRange(toKeyString(op.start), toKeyString(op.end), false);
    }
  }

  snapshot(): OrderedKVReader {
    const frozen = this.#tree.clone();
    return {
      get: (key) => {
        checkKey(key, 'snapshot get');
        const value = frozen.get(toKeyString(key));
        return value === undefined ? undefined : copyBytes(value);
      },
      range: (options = {}) => readRange(frozen, options),
    };
  }

  /** Number of keys stored. */
  get size(): number {
    return this.#tree.size;
  }
}

function readRange(tree: BTree<string, Uint8Array>, options: RangeOptions): Entry[] {
  const limit = checkRange(options, 'range');
  const out: Entry[] = [];
  const start = options.start === undefined ? '' : toKeyString(options.start);
  const end = options.end === undefined ? undefined : toKeyString(options.end);
  scanTree(tree, start, end, limit, options.reverse === true, (k, v) => {
    out.push({ key: fromKeyString(k), value: copyBytes(v) });
  });
  return out;
}

/** Validates one batch op (shared with the other backends). */
export function checkBatchOp(op: BatchOp, where: string): void {
  if (op === null || typeof op !== 'object') throw new StorageInputError(`${where}: not an object`);
  switch (op.type) {
    case 'put':
      checkKey(op.key, where);
      checkValue(op.value, where);
      return;
    case 'delete':
      checkKey(op.key, where);
      return;
    case 'deleteRange':
      checkKey(op.start, `${where} start`);
      checkKey(op.end, `${where} end`);
      return;
    default:
      throw new StorageInputError(
        `${where}: type must be put, delete or deleteRange, got ${JSON.stringify((op as { type: unknown }).type)}`,
      );
  }
}
