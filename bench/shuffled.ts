/**
 * A fixed-seed shuffle (xorshift32 driving Fisher–Yates) of `0..n-1`, so every store a benchmark
 * compares sees the same "random" order. Shared by bench/storage.ts and bench/storage-paired.ts.
 */
export function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}
