import { assert } from '../core/assert.js';

/**
 * The simulator's agenda: a binary min-heap of scheduled items ordered by (time, phase, seq).
 * `seq` is the scheduling order, so ties break deterministically and FIFO. `phase` orders kinds
 * of work within one instant (in the synchronous model: faults, then deliveries, then timers).
 *
 * Hand-written rather than a package because it is the hottest loop of the simulator: an inlined
 * comparison over three numeric fields on a plain array beats a generic comparator callback.
 */
export interface Scheduled {
  time: number;
  phase: number;
  seq: number;
}

export class EventQueue<T extends Scheduled> {
  #heap: T[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Assigns the item its sequence number and inserts it. */
  push(item: T): void {
    item.seq = this.#seq++;
    const heap = this.#heap;
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as T;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    return this.#heap[0];
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as T;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let child = heap[l] as T;
        if (r < n) {
          const right = heap[r] as T;
          if (before(right, child)) {
            c = r;
            child = right;
          }
        }
        if (!before(child, last)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    assert(top.seq >= 0, 'event-queue: popped item has a sequence number');
    return top;
  }

  /** Removes every item. */
  clear(): void {
    this.#heap = [];
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.phase !== b.phase) return a.phase < b.phase;
  return a.seq < b.seq;
}
