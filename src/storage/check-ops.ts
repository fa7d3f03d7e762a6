import { checkBatchOp } from './memory-kv.js';
import { type BatchOp, KEY_BYTES_MAX, StorageInputError, VALUE_BYTES_MAX } from './ordered-kv.js';

/**
 * Validates every op of a batch before anything is written, with a store's own key limit
 * `keyBytesMax`. `where` names the operation in errors; for `batch` each op is named
 * `batch op i`. The common case costs a few comparisons per op: the error text (a string per op)
 * is only built for an op that fails, which on a 1000-op batch of short keys is measurable.
 */
export function checkOps(
  ops: readonly BatchOp[],
  where: string,
  keyBytesMax = KEY_BYTES_MAX,
  /** Words naming whose limit it is, after "the limit" (e.g. " of the LMDB backend"). */
  what = '',
): void {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as BatchOp;
    if (!plausible(op, keyBytesMax)) {
      const at = where === 'batch' ? `batch op ${i}` : where;
      checkBatchOp(op, at);
      if (op.type === 'deleteRange') {
        checkKeyLimit(op.start, `${at} start`, keyBytesMax, what);
        checkKeyLimit(op.end, `${at} end`, keyBytesMax, what);
      } else checkKeyLimit(op.key, at, keyBytesMax, what);
    }
  }
}

/** Whether `op` is certainly valid (false sends it through the checks that name the problem). */
function plausible(op: BatchOp, keyBytesMax: number): boolean {
  if (op === null || typeof op !== 'object') return false;
  const max = Math.min(keyBytesMax, KEY_BYTES_MAX);
  if (op.type === 'put') {
    return (
      op.key instanceof Uint8Array &&
      op.key.length <= max &&
      op.value instanceof Uint8Array &&
      op.value.length <= VALUE_BYTES_MAX
    );
  }
  if (op.type === 'delete') return op.key instanceof Uint8Array && op.key.length <= max;
  if (op.type === 'deleteRange') {
    return (
      op.start instanceof Uint8Array &&
      op.start.length <= max &&
      op.end instanceof Uint8Array &&
      op.end.length <= max
    );
  }
  return false;
}

/** Throws when `key` exceeds a store-specific limit (the interface-wide one is checkKey's). */
export function checkKeyLimit(
  key: Uint8Array,
  where: string,
  keyBytesMax: number,
  what = '',
): void {
  if (key.length > keyBytesMax) {
    throw new StorageInputError(
      `${where}: key is ${key.length} bytes; the limit${what} is ${keyBytesMax}`,
    );
  }
}
