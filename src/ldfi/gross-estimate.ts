/**
 * Molly's `FailureSpec.grossEstimate` (reference §2.10): the size of the synchronous fault space
 * that exhaustive search would face — the paper's "Combinations" column. With s = 2^(N−1) (the
 * subsets of a node's outgoing channels lost at one tick):
 *
 *     C(N, c) · (s^EFF)^(N−c) · (Σ_{ct=1..EOT+1} s^min(EFF, ct−1))^c
 *
 * Reproduces every value of the paper's Fig. 12 and, with c = 1, Fig. 13. Returned as a float
 * (values reach 1e77).
 */
export function grossEstimate(nodes: number, eot: number, eff: number, crashes: number): number {
  const s = 2 ** (nodes - 1);
  let crashTerm = 0;
  for (let ct = 1; ct <= eot + 1; ct++) crashTerm += s ** Math.min(eff, ct - 1);
  return binomial(nodes, crashes) * (s ** eff) ** (nodes - crashes) * crashTerm ** crashes;
}

function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let out = 1;
  for (let i = 1; i <= k; i++) out = (out * (n - k + i)) / i;
  return Math.round(out);
}
