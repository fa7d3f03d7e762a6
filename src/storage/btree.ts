import sortedBtree from 'sorted-btree';

/**
 * The B+ tree of sorted-btree. The package is CommonJS with `exports.default = BTree`: under Node's
 * ESM interop a default import yields the whole `exports` object (so the class is `.default`),
 * while a CommonJS-compiled caller already gets the class. Resolved here once for every module.
 */
type BTreeClass = typeof sortedBtree.default;
const loaded = sortedBtree as unknown as { default?: BTreeClass };
export const BTree: BTreeClass = loaded.default ?? (sortedBtree as unknown as BTreeClass);
export type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;
