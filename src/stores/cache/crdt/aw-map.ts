/**
 * Add-wins map of last-writer-wins values (the AWLWWMap of delta_crdt): every `set` adds a dot
 * carrying `(value, hlc)` and removes the key's observed dots; `remove` removes the observed
 * dots. A set concurrent with a remove survives. Concurrent sets of the same key leave several
 * dots; reads resolve them with a deterministic conflict function (default: the larger hybrid
 * timestamp, ties by node id), and the next write of the key folds them into one.
 *
 * One causal context covers the whole map, as in Almeida et al.; the cache's replicated state
 * (`cache-map.ts`) instead keeps one context per key so that anti-entropy can repair a subset of
 * keys on its own.
 */
import { DotKernel } from './dot-kernel.js';
import { compareHlc, type Hlc } from './hlc.js';

/** One concurrent value of a key. */
export interface MapValue<V> {
  readonly key: string;
  readonly value: V;
  readonly hlc: Hlc;
}

/** Picks the winner among concurrent values of one key. Must be deterministic in its arguments
 * (same candidates, same answer, on every replica): never read a clock here. Candidates arrive
 * sorted by timestamp. */
export type ConflictResolver<V> = (key: string, candidates: readonly MapValue<V>[]) => MapValue<V>;

/** Default resolver: the largest hybrid timestamp wins (ties by node id). */
export function lastWriterWins<V>(_key: string, candidates: readonly MapValue<V>[]): MapValue<V> {
  const last = candidates[candidates.length - 1];
  if (last === undefined) throw new RangeError('lastWriterWins needs at least one candidate');
  return last;
}

/** The add-wins LWW map. Mutable; mutators return deltas. */
export class AWMap<V> {
  readonly kernel = new DotKernel<MapValue<V>>();

  /** Sets `key` to `value` at `hlc` on behalf of `replica`; returns the delta. */
  set(replica: string, key: string, value: V, hlc: Hlc): AWMap<V> {
    const delta = new AWMap<V>();
    delta.kernel.join(this.kernel.removeWhere((v) => v.key === key));
    delta.kernel.join(this.kernel.add(replica, { key, value, hlc }));
    return delta;
  }

  /** Removes `key` (the values observed so far); returns the delta. */
  remove(key: string): AWMap<V> {
    const delta = new AWMap<V>();
    delta.kernel.join(this.kernel.removeWhere((v) => v.key === key));
    return delta;
  }

  join(other: AWMap<V>): void {
    this.kernel.join(other.kernel);
  }

  /** The concurrent values of `key`, sorted by timestamp. */
  candidates(key: string): MapValue<V>[] {
    return [...this.kernel.entries.values()]
      .map((e) => e.value)
      .filter((v) => v.key === key)
      .sort((a, b) => compareHlc(a.hlc, b.hlc));
  }

  /** The value of `key` after conflict resolution, or undefined when absent. */
  get(key: string, resolve: ConflictResolver<V> = lastWriterWins): V | undefined {
    const c = this.candidates(key);
    return c.length === 0 ? undefined : resolve(key, c).value;
  }

  /** Every key with its resolved value, sorted by key. */
  entries(resolve: ConflictResolver<V> = lastWriterWins): [string, V][] {
    const keys = [...new Set([...this.kernel.entries.values()].map((e) => e.value.key))].sort();
    return keys.map((k) => [k, resolve(k, this.candidates(k)).value]);
  }

  clone(): AWMap<V> {
    const copy = new AWMap<V>();
    copy.join(this);
    return copy;
  }
}
