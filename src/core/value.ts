/**
 * The plain values that facts, history operations and tuples carry. Restricted to JSON scalars so
 * that every value has one canonical text form (used for keys, traces and hashes).
 */
export type Value = string | number | boolean | null;

/** A tuple of values, e.g. the arguments of a fact or a row of a pre/post relation. */
export type Tuple = readonly Value[];

/** The canonical text of a tuple: equal tuples give equal keys, different tuples different keys. */
export function tupleKey(tuple: Tuple): string {
  return JSON.stringify(tuple);
}

/** True when `v` is a {@link Value} (finite numbers only: NaN and ±Infinity have no JSON form). */
export function isValue(v: unknown): v is Value {
  return (
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v))
  );
}
