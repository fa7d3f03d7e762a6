import type { NodeId } from './ids.js';
import type { Value } from './value.js';

/**
 * Client histories, Jepsen-style. A workload client records each operation it issues as an
 * `invoke` and, later, its completion: `ok` (took effect, with its result), `fail` (did not take
 * effect) or `info` (unknown: it may or may not have taken effect, e.g. a timeout).
 */
export type HistoryEventType = 'invoke' | 'ok' | 'fail' | 'info';

/** Operation payloads: a scalar, or a (nested) array or object of scalars. */
export type OpValue = Value | readonly OpValue[] | { readonly [key: string]: OpValue };

/** One line of a history. */
export interface HistoryEvent {
  /** Position in the history (0-based); completions come after their invocation. */
  readonly index: number;
  readonly type: HistoryEventType;
  /** The client that issued the operation (a node id in the simulator). */
  readonly process: NodeId;
  /** Operation name, e.g. `read`, `write`, `cas`. */
  readonly f: string;
  /** Argument on invoke, result on completion. */
  readonly value: OpValue;
  /** Virtual (or real) time in ms or ticks. */
  readonly time: number;
  /** Index of the invoke event this completes; absent on invokes. */
  readonly invokeIndex?: number;
}

/** The recording API offered to workload clients as `ctx.history`. */
export interface HistoryRecorder {
  /** Records an invocation; returns its handle for the completion. A client has at most one
   * operation open at a time (Jepsen's rule); invoking with one open throws. */
  invoke(f: string, value: OpValue): number;
  /** Completes the open operation `handle` as ok with its result. */
  ok(handle: number, value: OpValue): void;
  /** Completes `handle` as failed: it did not take effect. */
  fail(handle: number, value?: OpValue): void;
  /** Completes `handle` as unknown: it may or may not have taken effect. */
  info(handle: number, value?: OpValue): void;
}
