/**
 * Volatile, lineage-tracked state of a process (`ctx.memory`). Lost when the node crashes; `init`
 * rebuilds what it needs from `ctx.storage`.
 *
 * Why a store rather than object fields: every `get` is recorded as a read of the event that wrote
 * the value, so lineage is precise. State kept in plain fields still works, but then an event has
 * to be taken to depend on every earlier event of its node (Lamport's potential causality), which
 * makes LDFI's formulas larger and its search slower.
 *
 * Values are stored by reference: treat them as immutable (write a new value, do not mutate the
 * stored one), or the trace will not see the change.
 */
export interface TrackedStore {
  /** The value at `key`, or undefined. Recorded as a read. */
  get<T = unknown>(key: string): T | undefined;
  /** Whether `key` holds a value. Recorded as a read. */
  has(key: string): boolean;
  /** Sets `key` to `value`. Writing a value equal to the current one is still recorded (it is an
   * alternative derivation, which LDFI must see). `undefined` is not a storable value. */
  set(key: string, value: unknown): void;
  /** Removes `key`. */
  delete(key: string): void;
  /** Keys in sorted order, optionally only those starting with `prefix`. Each is recorded as read. */
  keys(prefix?: string): string[];
}
