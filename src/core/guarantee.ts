import type { OrderedKVReader } from '../storage/ordered-kv.js';
import type { FactRecord } from './fact.js';
import type { HistoryEvent } from './history.js';
import type { NodeId } from './ids.js';
import type { Tuple } from './value.js';

/**
 * Guarantees: what must hold of a run. Checkers read the run through a {@link WorldView}; reading
 * it is not recorded as lineage.
 */
export interface WorldView {
  /** Current virtual time. */
  readonly time: number;
  /** Server nodes in spec order. */
  readonly nodes: readonly NodeId[];
  /** Every fact emitted so far (optionally only relation `name`), in emission order. */
  facts(name?: string): readonly FactRecord[];
  /** Whether some node emitted `name(args…)`. */
  has(name: string, ...args: Tuple): boolean;
  /** Whether `node` has crashed at any time in this run (Molly's `crash(n, n, _)`). */
  crashed(node: NodeId): boolean;
  /** Whether `node` is running now (not crash-stopped and not down awaiting restart). */
  up(node: NodeId): boolean;
  /** The node's volatile tracked state, read-only (undefined keys while it is down). */
  memory(node: NodeId): {
    get<T = unknown>(key: string): T | undefined;
    keys(prefix?: string): string[];
  };
  /** The node's storage as the node sees it now (including unsynced writes). */
  storage(node: NodeId): OrderedKVReader;
  /** The client history recorded so far. */
  readonly history: readonly HistoryEvent[];
}

/**
 * Molly's pre/post condition, read at the end of the run. Both return tuples of the same shape.
 * A run violates it when a tuple is in `pre` but not in `post` (restricted, under LDFI, to the
 * failure-free run's `post` tuples: the "good outcomes").
 */
export interface PrePost {
  readonly name: string;
  pre(world: WorldView): Iterable<Tuple>;
  post(world: WorldView): Iterable<Tuple>;
}

/** Must hold after every event. Returns a message saying what is wrong, or undefined. */
export interface Invariant {
  readonly name: string;
  check(world: WorldView): string | undefined;
}

/** Must become true in the liveness phase (after all faults heal) within the spec's bound. */
export interface Liveness {
  readonly name: string;
  holds(world: WorldView): boolean;
}

/** Checked once at the end of the run (e.g. a history checker, convergence, durability). Returns a
 * message saying what is wrong, or undefined. */
export interface FinalCheck {
  readonly name: string;
  check(world: WorldView): string | undefined;
}

/** All the guarantees of a spec. */
export interface Guarantees {
  readonly prePost?: readonly PrePost[];
  readonly invariants?: readonly Invariant[];
  readonly liveness?: readonly Liveness[];
  readonly final?: readonly FinalCheck[];
}
