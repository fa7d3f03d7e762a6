/**
 * A FIFO queue on a growable ring buffer: push, shift and peek in O(1) (amortised for push).
 * `Array.prototype.shift` is O(n) on large arrays, which turns a backed-up send queue into a
 * quadratic hot path; this queue never moves its elements.
 */
export class RingQueue<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  /** `initialCapacity` is rounded up to a power of two (default 16). */
  constructor(initialCapacity = 16) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity *= 2;
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Number of queued items. */
  get length(): number {
    return this.#size;
  }

  /** Appends `item` at the tail. */
  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    // Clear the slot so the queue does not keep a delivered item alive.
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return item;
  }

  /** The head without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** Removes every item. */
  clear(): void {
    this.#items = new Array<T | undefined>(16);
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
