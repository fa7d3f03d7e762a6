/**
 * PN-counter: one grow-only counter of increments and one of decrements per replica; the value is
 * their difference. Join takes the pointwise maximum. `add` returns a delta holding only the
 * replica's changed entry.
 */

/** Per-replica totals. Immutable. */
export interface PNCounter {
  readonly inc: ReadonlyMap<string, number>;
  readonly dec: ReadonlyMap<string, number>;
}

export const EMPTY_COUNTER: PNCounter = { inc: new Map(), dec: new Map() };

/** The counter's value: all increments minus all decrements. */
export function counterValue(c: PNCounter): number {
  let v = 0;
  for (const n of c.inc.values()) v += n;
  for (const n of c.dec.values()) v -= n;
  return v;
}

/** Adds `by` (negative: subtracts) on behalf of `replica`. Returns the new state and the delta. */
export function addToCounter(
  c: PNCounter,
  replica: string,
  by: number,
): { state: PNCounter; delta: PNCounter } {
  if (!Number.isSafeInteger(by)) throw new RangeError(`counter step must be a safe integer: ${by}`);
  const side = by >= 0 ? 'inc' : 'dec';
  const total = (c[side].get(replica) ?? 0) + Math.abs(by);
  const entry = new Map([[replica, total]]);
  const delta: PNCounter =
    side === 'inc' ? { inc: entry, dec: new Map() } : { inc: new Map(), dec: entry };
  return { state: joinCounters(c, delta), delta };
}

/** Pointwise maximum. */
export function joinCounters(a: PNCounter, b: PNCounter): PNCounter {
  const max = (x: ReadonlyMap<string, number>, y: ReadonlyMap<string, number>) => {
    const out = new Map(x);
    for (const [r, n] of y) if (!out.has(r) || n > (out.get(r) as number)) out.set(r, n);
    return out;
  };
  return { inc: max(a.inc, b.inc), dec: max(a.dec, b.dec) };
}
