/**
 * Last-writer-wins register ordered by hybrid logical clock. Join keeps the value with the larger
 * timestamp; timestamps are totally ordered (ties broken by node id), so join is a semilattice
 * join: associative, commutative, idempotent. The delta of `set` is the register itself.
 */
import { compareHlc, type Hlc } from './hlc.js';

/** An immutable LWW register: empty, or a value with its timestamp. */
export interface LWWRegister<V> {
  readonly value: V;
  readonly hlc: Hlc;
}

/** The join: the register with the larger timestamp (either, when both are absent). */
export function joinLww<V>(
  a: LWWRegister<V> | undefined,
  b: LWWRegister<V> | undefined,
): LWWRegister<V> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareHlc(a.hlc, b.hlc) >= 0 ? a : b;
}
