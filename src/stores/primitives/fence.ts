/**
 * The fence a resource puts in front of a lock's holders: it remembers the highest fencing token
 * it has seen and admits an operation only with a token at least that high. A holder that paused
 * past its lease (and so lost the lock to a holder with a higher token) is rejected as soon as the
 * newer holder has touched the resource — the lock alone cannot give that.
 */

/** The outcome of presenting `token` to a fence whose highest seen token was `highest`. */
export interface FenceDecision {
  readonly admitted: boolean;
  /** The fence's highest seen token after the decision. */
  readonly highest: number;
}

/** Admits `token` when `token >= highest` (the same holder may act many times). Throws on a token
 *  that is not a positive whole number: a fencing token is a KV revision. */
export function admitToken(highest: number, token: number): FenceDecision {
  if (!Number.isSafeInteger(token) || token < 1)
    throw new RangeError(`fencing token must be a whole number >= 1, got ${token}`);
  return token >= highest ? { admitted: true, highest: token } : { admitted: false, highest };
}
