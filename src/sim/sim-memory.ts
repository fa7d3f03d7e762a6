import type { TrackedStore } from '../core/tracked-store.js';
import type { DiskObserver } from './sim-disk.js';
import { stableJson } from './trace.js';

/**
 * The simulator's `ctx.memory`: a map whose reads and writes are reported to the trace with the
 * event that wrote each value (lineage). A crash discards the whole object.
 */
export class SimMemory implements TrackedStore {
  readonly #values = new Map<string, { value: unknown; writer: number }>();
  /** Event id stamped on writes; set by the simulator before each handler. */
  writer = -1;

  constructor(
    readonly node: string,
    readonly observer: DiskObserver | undefined,
  ) {}

  get<T = unknown>(key: string): T | undefined {
    const slot = this.#values.get(key);
    this.observer?.read(key, slot === undefined ? -1 : slot.writer);
    return slot?.value as T | undefined;
  }

  has(key: string): boolean {
    const slot = this.#values.get(key);
    this.observer?.read(key, slot === undefined ? -1 : slot.writer);
    return slot !== undefined;
  }

  set(key: string, value: unknown): void {
    if (typeof key !== 'string')
      throw new TypeError(`memory.set on ${this.node}: key must be a string`);
    if (value === undefined) {
      throw new TypeError(
        `memory.set on ${this.node}: undefined is not storable at ${JSON.stringify(key)}; use delete`,
      );
    }
    const old = this.observer === undefined ? undefined : this.#values.get(key);
    this.#values.set(key, { value, writer: this.writer });
    if (this.observer !== undefined) {
      const same = old !== undefined && sameValue(old.value, value);
      this.observer.write(key, same ? old.writer : -1);
    }
  }

  delete(key: string): void {
    this.#values.delete(key);
    this.observer?.write(key, -1);
  }

  keys(prefix = ''): string[] {
    const out: string[] = [];
    for (const [k, slot] of this.#values) {
      if (k.startsWith(prefix)) {
        out.push(k);
        this.observer?.read(k, slot.writer);
      }
    }
    return out.sort();
  }

  /** Reads without lineage (for checkers). */
  peek<T = unknown>(key: string): T | undefined {
    return this.#values.get(key)?.value as T | undefined;
  }

  /** Keys without lineage (for checkers), sorted. */
  peekKeys(prefix = ''): string[] {
    return [...this.#values.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** Whether a re-write stores an equal value: identical, or equal plain data (same JSON text). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return stableJson(a) === stableJson(b);
}
