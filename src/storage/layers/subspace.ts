import { StorageInputError } from '../ordered-kv.js';
import { pack, type Tuple, type TupleItem, tupleRange, unpack } from './tuple.js';

/**
 * The first key after every key that starts with `prefix` (FDB's `strinc`): drop trailing 0xff
 * bytes and increment the last remaining byte. Returns undefined when `prefix` is empty or all
 * 0xff, since then no key bounds the range from above.
 */
export function strinc(prefix: Uint8Array): Uint8Array | undefined {
  let n = prefix.length;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  if (n === 0) return undefined;
  const out = prefix.slice(0, n);
  out[n - 1] = (out[n - 1] as number) + 1;
  return out;
}

/**
 * A subspace (FDB): a packed tuple prefix under which keys are tuples. `pack(['a', 1])` inside
 * subspace ('users') is `pack(['users', 'a', 1])`; `range()` spans every key of the subspace
 * (`[prefix + 0x00, prefix + 0xff)`), `range(['a'])` every key extending `('a')`.
 */
export class Subspace {
  /** The raw key prefix. */
  readonly prefix: Uint8Array;

  /** A subspace for `tuple` (packed), below the raw prefix `raw` (default: none). */
  constructor(tuple: Tuple = [], raw: Uint8Array = new Uint8Array()) {
    const packed = pack(tuple);
    this.prefix = new Uint8Array(raw.length + packed.length);
    this.prefix.set(raw);
    this.prefix.set(packed, raw.length);
  }

  /** The subspace nested under this one at `tuple`. */
  sub(...tuple: TupleItem[]): Subspace {
    return new Subspace(tuple, this.prefix);
  }

  /** The key of `tuple` in this subspace. */
  pack(tuple: Tuple = []): Uint8Array {
    const packed = pack(tuple);
    const out = new Uint8Array(this.prefix.length + packed.length);
    out.set(this.prefix);
    out.set(packed, this.prefix.length);
    return out;
  }

  /** The tuple of a key of this subspace; throws StorageInputError when `key` is outside it. */
  unpack(key: Uint8Array): TupleItem[] {
    if (!this.contains(key)) {
      throw new StorageInputError(
        `key 0x${Buffer.from(key).toString('hex')} is not in subspace 0x${Buffer.from(this.prefix).toString('hex')}`,
      );
    }
    return unpack(key.subarray(this.prefix.length));
  }

  /** Whether `key` starts with this subspace's prefix. */
  contains(key: Uint8Array): boolean {
    if (key.length < this.prefix.length) return false;
    for (let i = 0; i < this.prefix.length; i++) if (key[i] !== this.prefix[i]) return false;
    return true;
  }

  /** Range options covering every tuple key in this subspace that extends `tuple`. */
  range(tuple: Tuple = []): { start: Uint8Array; end: Uint8Array } {
    const { start, end } = tupleRange(tuple);
    return { start: this.#join(start), end: this.#join(end) };
  }

  #join(suffix: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.prefix.length + suffix.length);
    out.set(this.prefix);
    out.set(suffix, this.prefix.length);
    return out;
  }
}
