import type { BTree } from './btree.js';

/**
 * Visits the entries of a latin1-keyed B-tree with `start <= key < end` in key order (or reverse),
 * at most `limit` of them. Shared by every B-tree backed store so the range semantics live in one
 * place.
 */
export function scanTree<V>(
  tree: BTree<string, V>,
  start: string,
  end: string | undefined,
  limit: number,
  reverse: boolean,
  visit: (key: string, value: V) => void,
): void {
  if (limit <= 0) return;
  if (end !== undefined && end <= start) return;
  let count = 0;
  if (!reverse) {
    for (const [k, v] of tree.entries(start)) {
      if (end !== undefined && k >= end) break;
      visit(k, v);
      if (++count >= limit) break;
    }
    return;
  }
  const iterator =
    end === undefined ? tree.entriesReversed() : tree.entriesReversed(end, undefined, true);
  for (const [k, v] of iterator) {
    if (k < start) break;
    visit(k, v);
    if (++count >= limit) break;
  }
}
