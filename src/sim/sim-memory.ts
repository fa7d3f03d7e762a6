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
  /** Installed by the simulator: throws unless the owning node is inside one of its handlers
   * (state touched from a callback kept after the handler returned is a bug). */
  guard: ((what: string) => void) | undefined;

  constructor(
    readonly node: string,
    readonly observer: DiskObserver | undefined,
  ) {}

  get<T = unknown>(key: string): T | undefined {
    this.guard?.('memory.get');
    const slot = this.#values.get(key);
    this.observer?.read(key, slot === undefined ? -1 : slot.writer);
    return slot?.value as T | undefined;
  }

  has(key: string): boolean {
    this.guard?.('memory.has');
    const slot = this.#values.get(key);
    this.observer?.read(key, slot === undefined ? -1 : slot.writer);
    return slot !== undefined;
  }

  set(key: string, value: unknown): void {
    this.guard?.('memory.set');
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
      // A second equal write by the same event is no alternative derivation: pointing `sameAs`
      // at this event itself would make the lineage chain of equal writes a cycle.
      const same = old !== undefined && old.writer !== this.writer && sameValue(old.value, value);
      this.observer.write(key, same ? old.writer : -1);
    }
  }

  delete(key: string): void {
    this.guard?.('memory.delete');
    this.#values.delete(key);
    this.observer?.write(key, -1);
  }

  keys(prefix = ''): string[] {
    this.guard?.('memory.keys');
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
  // Fast path (traced runs call this on every memory write): for plain data, equal JSON text is
  // plain structural equality, decided without rendering. Anything else compares the JSON text.
  if (isPlainData(a, 0) && isPlainData(b, 0)) return samePlainData(a, b);
  return stableJson(a) === stableJson(b);
}

/**
 * A tree (depth ≤ 16) of plain arrays and plain objects whose leaves are strings, finite numbers,
 * booleans and null: values that `stableJson` renders as plain JSON, with no replacer case
 * (bigint, bytes, Map, Set, non-finite numbers), no `toJSON` and nothing it would drop.
 */
function isPlainData(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (depth >= 16) return false;
      const proto = Object.getPrototypeOf(v);
      if (proto === Array.prototype) {
        const a = v as unknown[];
        for (let i = 0; i < a.length; i++) if (!isPlainData(a[i], depth + 1)) return false;
        return true;
      }
      if (proto !== Object.prototype && proto !== null) return false;
      const o = v as Record<string, unknown>;
      for (const key of Object.keys(o)) if (!isPlainData(o[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** Structural equality of two plain-data trees ({@link isPlainData}): same JSON text. Key order
 * counts, as it does in the text; 0 equals -0, as both render `0`. */
function samePlainData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const arrays = Array.isArray(a);
  if (arrays !== Array.isArray(b)) return false;
  if (arrays) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!samePlainData(x[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) {
    const key = kx[i] as string;
    if (key !== ky[i] || !samePlainData(x[key], y[key])) return false;
  }
  return true;
}
