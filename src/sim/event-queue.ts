import { assert } from '../core/assert.js';

/**
 * The simulator's agenda: a binary min-heap of scheduled items ordered by (time, phase, seq).
 * `seq` is the scheduling order, so ties break deterministically and FIFO. `phase` orders kinds
 * of work within one instant (in the synchronous model: faults, then deliveries, then timers).
 *
 * Hand-written rather than a package because it is the hottest loop of the simulator: an inlined
 * comparison over three numeric fields on a plain array beats a generic comparator callback.
 * The keys are copied at push into typed arrays laid out like the heap, so sifting compares
 * adjacent numbers instead of loading each item (and its boxed `time`) from the object heap.
 * An item's `time` and `phase` must not change while it is queued.
 */
export interface Scheduled {
  time: number;
  phase: number;
  seq: number;
}

export class EventQueue<T extends Scheduled> {
  /** The items in heap order; `#time`, `#phase` and `#seqs` hold their keys at the same index. */
  #heap: T[] = [];
  #time = new Float64Array(256);
  #phase = new Float64Array(256);
  #seqs = new Float64Array(256);
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Assigns the item its sequence number and inserts it. */
  push(item: T): void {
    const s = this.#seq++;
    item.seq = s;
    const t = item.time;
    const p = item.phase;
    const heap = this.#heap;
    let i = heap.length;
    if (i === this.#time.length) this.#grow();
    const times = this.#time;
    const phases = this.#phase;
    const seqs = this.#seqs;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      // before(item, parent): (time, phase, seq) lexicographically.
      if (
        !(
          t < pt ||
          (t === pt &&
            (p < (phases[parent] as number) ||
              (p === phases[parent] && s < (seqs[parent] as number))))
        )
      )
        break;
      heap[i] = heap[parent] as T;
      times[i] = pt;
      phases[i] = phases[parent] as number;
      seqs[i] = seqs[parent] as number;
      i = parent;
    }
    heap[i] = item;
    times[i] = t;
    phases[i] = p;
    seqs[i] = s;
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
      const times = this.#time;
      const phases = this.#phase;
      const seqs = this.#seqs;
      const lt = times[n] as number;
      const lp = phases[n] as number;
      const ls = seqs[n] as number;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let ct = times[l] as number;
        let cp = phases[l] as number;
        let cs = seqs[l] as number;
        if (r < n) {
          const rt = times[r] as number;
          const rp = phases[r] as number;
          const rs = seqs[r] as number;
          // before(right, left)
          if (rt < ct || (rt === ct && (rp < cp || (rp === cp && rs < cs)))) {
            c = r;
            ct = rt;
            cp = rp;
            cs = rs;
          }
        }
        // !before(child, last)
        if (!(ct < lt || (ct === lt && (cp < lp || (cp === lp && cs < ls))))) break;
        heap[i] = heap[c] as T;
        times[i] = ct;
        phases[i] = cp;
        seqs[i] = cs;
        i = c;
      }
      heap[i] = last;
      times[i] = lt;
      phases[i] = lp;
      seqs[i] = ls;
    }
    assert(top.seq >= 0, 'event-queue: popped item has a sequence number');
    return top;
  }

  /** Removes every item. */
  clear(): void {
    this.#heap = [];
  }

  #grow(): void {
    const size = this.#time.length * 2;
    const times = new Float64Array(size);
    const phases = new Float64Array(size);
    const seqs = new Float64Array(size);
    times.set(this.#time);
    phases.set(this.#phase);
    seqs.set(this.#seqs);
    this.#time = times;
    this.#phase = phases;
    this.#seqs = seqs;
  }
}
