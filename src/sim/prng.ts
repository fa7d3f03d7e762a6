import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * Seeded pseudo-random numbers: xoroshiro128+ from pure-rand (fast-check's generator library).
 *
 * A run uses one independent stream per purpose (a node's `ctx.random`, the network, the swarm),
 * each derived from (seed, label) by {@link Prng.derive}. Deriving by label rather than sharing one
 * stream keeps streams stable: a node drawing one more number does not shift the network's drops.
 */
export class Prng {
  readonly #gen: JumpableRandomGenerator;

  /** `seed` is any integer (negative and > 32-bit values are mixed down to 32 bits). */
  constructor(seed: number) {
    this.#gen = xoroshiro128plus(mix32(seed));
  }

  /** An independent stream for `label`, fixed by (seed, label). */
  static derive(seed: number, label: string): Prng {
    return new Prng(mix32(seed) ^ hash32(label));
  }

  /** A float in [0, 1) with 53 random bits. */
  next(): number {
    return uniformFloat64(this.#gen);
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
}

/** FNV-1a over the UTF-16 code units of `text`. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Folds any integer (up to 2^53) into 32 bits with murmur3's finaliser, so nearby seeds give
 * unrelated streams. */
export function mix32(seed: number): number {
  // The high word goes through an odd multiplier first: a plain `lo ^ hi` maps -1 and 0 (indeed
  // every -k and k-1) to the same stream. Seeds in [0, 2^32) are unaffected (their high word is 0).
  let h = (seed | 0) ^ Math.imul(Math.floor(seed / 0x100000000) | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
