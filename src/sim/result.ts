import type { FactRecord } from '../core/fact.js';
import type { FaultPlan } from '../core/fault.js';
import type { WorldView } from '../core/guarantee.js';
import type { HistoryEvent } from '../core/history.js';
import type { NodeId } from '../core/ids.js';
import type { Tuple } from '../core/value.js';
import type { Trace } from './trace.js';

/** How a run ended: every guarantee held, one was violated, or the run could not go on. */
export type RunStatus = 'pass' | 'fail' | 'error';

/** A violated guarantee. */
export interface Violation {
  readonly guarantee: string;
  readonly kind: 'invariant' | 'pre-post' | 'liveness' | 'final';
  readonly message: string;
  /** Virtual time at which it was detected. */
  readonly time: number;
  /** The event after which an invariant failed. */
  readonly eventId?: number;
  /** For pre/post: the tuples in `pre` missing from `post`. */
  readonly missing?: readonly Tuple[];
}

/** Counters of one run. */
export interface RunStats {
  /** Handler invocations plus fault events. */
  events: number;
  deliveries: number;
  timers: number;
  messagesSent: number;
  messagesLost: number;
  messagesDuplicated: number;
  crashes: number;
  restarts: number;
}

/** The outcome of one simulated run. */
export interface RunResult {
  readonly spec: string;
  readonly seed: number;
  /** The faults the run had (the spec's plan plus the swarm's, or the plan given). */
  readonly plan: FaultPlan;
  readonly status: RunStatus;
  readonly violations: readonly Violation[];
  /** Why the run stopped early, when status is `error`. */
  readonly error?: string;
  /** Virtual time when the run ended. */
  readonly endTime: number;
  readonly stats: RunStats;
  readonly facts: readonly FactRecord[];
  readonly history: readonly HistoryEvent[];
  /** The final state, for checkers and reports. */
  readonly world: WorldView;
  /** Nodes that crashed at some point. */
  readonly crashed: readonly NodeId[];
  /** Present when the run was traced. */
  readonly trace?: Trace;
  /** Per pre/post guarantee, the `post` tuples at the end (keys), for LDFI's good outcomes. */
  readonly postTuples: ReadonlyMap<string, readonly Tuple[]>;
  /** Per pre/post guarantee, the `pre` tuples at the end. */
  readonly preTuples: ReadonlyMap<string, readonly Tuple[]>;
}
