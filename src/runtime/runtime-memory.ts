import type { TrackedStore } from '../core/tracked-store.js';
import { stableJson } from '../sim/trace.js';
import type { AccessObserver } from './node-trace.js';

/**
 * `ctx.memory` on a real node: a plain map, lost when the process restarts (a new incarnation gets
 * a new one). Reads and writes are reported to an observer only when the run is traced, so an
 * untraced node pays nothing for lineage. `guard` throws when touched outside a handler, as the
 * simulator's memory does.
 */
export class RuntimeMemory implements TrackedStore {
  readonly #values = new Map<string, unknown>();

  constructor(
    readonly node: string,
    readonly guard: (what: string) => void,
    readonly observer?: AccessObserver,
  ) {}

  get<T = unknown>(key: string): T | undefined {
    this.guard('memory.get');
    this.observer?.read(key);
    return this.#values.get(key) as T | undefined;
  }

  has(key: string): boolean {
    this.guard('memory.has');
    this.observer?.read(key);
    return this.#values.has(key);
  }

  set(key: string, value: unknown): void {
    this.guard('memory.set');
    if (typeof key !== 'string')
      throw new TypeError(`memory.set on ${this.node}: key must be a string`);
    if (value === undefined) {
      throw new TypeError(
        `memory.set on ${this.node}: undefined is not storable at ${JSON.stringify(key)}; use delete`,
      );
    }
    if (this.observer !== undefined) {
      const old = this.#values.get(key);
      const same =
        old !== undefined && (Object.is(old, value) || stableJson(old) === stableJson(value));
      this.observer.write(key, same);
    }
    this.#values.set(key, value);
  }

  delete(key: string): void {
    this.guard('memory.delete');
    this.#values.delete(key);
    this.observer?.write(key, false);
  }

  keys(prefix = ''): string[] {
    this.guard('memory.keys');
    const out: string[] = [];
    for (const k of this.#values.keys()) {
      if (k.startsWith(prefix)) {
        out.push(k);
        this.observer?.read(k);
      }
    }
    return out.sort();
  }

  /** Reads without the guard or the trace (for tests and status endpoints). */
  peek<T = unknown>(key: string): T | undefined {
    return this.#values.get(key) as T | undefined;
  }
}
