import type { OrderedKV } from '../storage/ordered-kv.js';
import type { Fact } from './fact.js';
import type { HistoryRecorder } from './history.js';
import type { NodeId } from './ids.js';
import type { TrackedStore } from './tracked-store.js';

/**
 * A node's program: synchronous, deterministic handlers over a {@link Context}. The same process
 * runs under the simulator, under LDFI and on real machines (DESIGN.md §1).
 *
 * Rules: no `Date.now`, `Math.random`, timers or I/O of your own — use the context. Handlers must
 * not keep promises or callbacks alive; everything happens inside the call.
 */
export interface Process<M> {
  /** First start, and every restart after a crash (volatile state is gone; storage survives). */
  init(ctx: Context<M>): void;
  /** A message from `from` (a node id, or `$env` for spec inputs). */
  receive(ctx: Context<M>, from: NodeId, msg: M): void;
  /** A timer set with `ctx.setTimer(name, …)` fired. */
  timer(ctx: Context<M>, name: string): void;
}

/** What a handler can see and do. */
export interface Context<M> {
  /** This node's id. */
  readonly id: NodeId;
  /** The other server nodes (all nodes of the spec but this one), in spec order. */
  readonly peers: readonly NodeId[];
  /** All server nodes, in spec order (includes this one when it is a server). */
  readonly nodes: readonly NodeId[];
  /** Current time as this node's clock reads it: virtual ms (or ticks in the synchronous model)
   * under the simulator, including any injected clock skew; wall-clock ms on real machines. */
  now(): number;
  /** A number in [0, 1) from this node's seeded stream. */
  random(): number;
  /** Sends `msg` to `to`. It leaves the node after the handler returns and its writes are durable
   * (persist before send). Throws on an unknown node. */
  send(to: NodeId, msg: M): void;
  /** Arms timer `name` to fire after `afterMs` (ticks in the synchronous model, where it must be a
   * whole number ≥ 1). Re-arming a pending timer replaces it. Throws on a negative or non-finite
   * delay. */
  setTimer(name: string, afterMs: number): void;
  /** Disarms timer `name`; no-op when it is not pending. */
  cancelTimer(name: string): void;
  /** Durable storage: survives crashes; writes become durable before the handler's sends leave. */
  readonly storage: OrderedKV;
  /** Volatile tracked state: lost on crash. */
  readonly memory: TrackedStore;
  /** Records an observable outcome for checkers and LDFI. */
  emit(fact: Fact): void;
  /** FoundationDB's BUGGIFY: true when fault site `site` is active in this run and fires now.
   * Always false on real machines and in runs without swarm mode. */
  buggify(site: string): boolean;
  /** History recording for workload clients. */
  readonly history: HistoryRecorder;
  /** A free-form note attached to the current event in the trace (debugging aid). */
  log(note: string): void;
}

/** Creates the process for a node. Called at start and again at every restart. */
export type ProcessFactory<M> = (id: NodeId) => Process<M>;
