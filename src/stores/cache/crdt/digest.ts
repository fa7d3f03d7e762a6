/**
 * Per-bucket digests of the cache's replicated state, for anti-entropy of cold data (Merkle-style
 * repair as in Riak's active anti-entropy, with a single level of buckets under the root).
 *
 * Keys fall into `buckets` buckets by hash. A bucket's digest is the XOR of a 64-bit hash (two
 * independent 32-bit FNV-1a lanes) of every `(key, dot)` pair in it. A dot names one immutable
 * write, so equal digests mean equal live entries (up to hash collisions), and XOR makes every
 * update O(1): adding or removing an entry toggles its hash. Two replicas exchange the bucket
 * digests and then only the keys of the buckets that differ.
 */

/** Default bucket count: 256 buckets × 8 bytes is a 2 KiB digest message. */
export const DEFAULT_BUCKETS = 256;

const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of `text` with the given offset basis. */
function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The bucket of `key` among `buckets`. */
export function bucketOf(key: string, buckets: number): number {
  return fnv1a(key) % buckets;
}

/** The XOR-able digests of all buckets. Mutable. */
export class BucketDigest {
  readonly buckets: number;
  readonly #lo: Uint32Array;
  readonly #hi: Uint32Array;
  /** The XOR of every bucket: a fingerprint of the whole state's entries. */
  #totalLo = 0;
  #totalHi = 0;

  constructor(buckets = DEFAULT_BUCKETS) {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 65_536) {
      throw new RangeError(`digest buckets must be a whole number in 1..65536, got ${buckets}`);
    }
    this.buckets = buckets;
    this.#lo = new Uint32Array(buckets);
    this.#hi = new Uint32Array(buckets);
  }

  /** Toggles entry `(key, replica, seq)` in its bucket (add and remove are the same operation). */
  toggle(bucket: number, key: string, replica: string, seq: number): void {
    const text = `${key}\u0000${replica}\u0000${seq}`;
    const lo = fnv1a(text);
    const hi = fnv1a(text, 0x01234567);
    this.#lo[bucket] = ((this.#lo[bucket] as number) ^ lo) >>> 0;
    this.#hi[bucket] = ((this.#hi[bucket] as number) ^ hi) >>> 0;
    this.#totalLo = (this.#totalLo ^ lo) >>> 0;
    this.#totalHi = (this.#totalHi ^ hi) >>> 0;
  }

  /** One fingerprint of every entry held (the XOR of all buckets), as a hex string: equal on two
   * replicas that hold the same entries, up to hash collisions. For checkers. */
  fingerprint(): string {
    return `${this.#totalHi.toString(16)}.${this.#totalLo.toString(16)}`;
  }

  /** Every bucket's digest as `[lo0, hi0, lo1, hi1, …]` (the wire form). */
  snapshot(): number[] {
    const out = new Array<number>(this.buckets * 2);
    for (let b = 0; b < this.buckets; b++) {
      out[2 * b] = this.#lo[b] as number;
      out[2 * b + 1] = this.#hi[b] as number;
    }
    return out;
  }

  /** The buckets whose digest differs from `remote` (a {@link snapshot} of a peer). Throws when
   * `remote` has another bucket count. */
  differing(remote: readonly number[]): number[] {
    if (remote.length !== this.buckets * 2) {
      throw new RangeError(
        `digest has ${remote.length / 2} buckets, this replica uses ${this.buckets}`,
      );
    }
    const out: number[] = [];
    for (let b = 0; b < this.buckets; b++) {
      if (remote[2 * b] !== this.#lo[b] || remote[2 * b + 1] !== this.#hi[b]) out.push(b);
    }
    return out;
  }
}
