/**
 * The dot kernel (Almeida et al. 2018, §7): a map from dots to payloads plus the causal context
 * of everything seen. Add-wins sets and maps are thin layers over it. Join keeps a dot when both
 * sides hold it, or when one side holds it and the other has never seen it; a dot one side has
 * seen but no longer holds was removed, and stays removed.
 */
import { CausalContext, type Dot, dotKey } from './causal-context.js';

/** Dot → payload, plus the causal context. Mutable; mutators return the delta. */
export class DotKernel<V> {
  readonly entries = new Map<string, { readonly dot: Dot; readonly value: V }>();
  readonly context = new CausalContext();

  /** Adds `value` under a fresh dot of `replica`; returns the delta (that dot and its payload). */
  add(replica: string, value: V): DotKernel<V> {
    const dot = this.context.next(replica);
    this.entries.set(dotKey(dot), { dot, value });
    const delta = new DotKernel<V>();
    delta.entries.set(dotKey(dot), { dot, value });
    delta.context.add(dot);
    return delta;
  }

  /** Removes every entry whose payload matches; returns the delta (their dots, no payload). */
  removeWhere(match: (value: V) => boolean): DotKernel<V> {
    const delta = new DotKernel<V>();
    for (const [key, { dot, value }] of this.entries) {
      if (!match(value)) continue;
      this.entries.delete(key);
      delta.context.add(dot);
    }
    return delta;
  }

  /** Joins `other` into this kernel (in place). */
  join(other: DotKernel<V>): void {
    for (const [key, entry] of other.entries) {
      if (!this.entries.has(key) && !this.context.contains(entry.dot)) {
        this.entries.set(key, entry);
      }
    }
    for (const [key, { dot }] of this.entries) {
      if (!other.entries.has(key) && other.context.contains(dot)) this.entries.delete(key);
    }
    this.context.join(other.context);
  }

  /** A copy sharing the (immutable) payloads. */
  clone(): DotKernel<V> {
    const copy = new DotKernel<V>();
    copy.join(this);
    return copy;
  }
}
