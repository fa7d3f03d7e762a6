/**
 * Add-wins (observed-remove) set as a delta-state CRDT. `add` and `remove` mutate the local state
 * and return a delta; joining the deltas anywhere, in any order, any number of times, gives the
 * same state as joining the full states. A remove only removes the adds it has observed, so an
 * add concurrent with a remove survives (add wins).
 */
import { DotKernel } from './dot-kernel.js';

/** Add-wins set of strings, owned by one replica. */
export class AWSet {
  readonly kernel = new DotKernel<string>();

  /** Adds `element` on behalf of `replica`; returns the delta. Re-adding replaces the element's
   * earlier dots, so repeated adds do not grow the state. */
  add(replica: string, element: string): AWSet {
    const delta = new AWSet();
    delta.kernel.join(this.kernel.removeWhere((e) => e === element));
    delta.kernel.join(this.kernel.add(replica, element));
    return delta;
  }

  /** Removes `element` (the adds observed so far); returns the delta. */
  remove(element: string): AWSet {
    const delta = new AWSet();
    delta.kernel.join(this.kernel.removeWhere((e) => e === element));
    return delta;
  }

  /** Joins another state or delta into this one (in place). */
  join(other: AWSet): void {
    this.kernel.join(other.kernel);
  }

  has(element: string): boolean {
    for (const { value } of this.kernel.entries.values()) if (value === element) return true;
    return false;
  }

  /** The elements, sorted. */
  values(): string[] {
    return [...new Set([...this.kernel.entries.values()].map((e) => e.value))].sort();
  }

  clone(): AWSet {
    const copy = new AWSet();
    copy.join(this);
    return copy;
  }
}
