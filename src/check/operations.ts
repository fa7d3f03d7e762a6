import type { HistoryEvent, OpValue } from '../core/history.js';

/**
 * One operation of a history: an invocation paired with its completion, Porcupine's `Operation`.
 * `[call, ret]` is a closed interval: operations whose intervals touch are concurrent.
 */
export interface Operation {
  /** Position in the operation list (0-based). */
  readonly id: number;
  /** The client that issued it. */
  readonly process: string;
  readonly f: string;
  /** Argument, from the invocation. */
  readonly input: OpValue;
  /** Result, from the `ok` completion; `undefined` when unknown (`info`, or never completed). */
  readonly output: OpValue | undefined;
  /** `ok`: took effect; `fail`: did not; `info`: may or may not have (also for operations still
   * open when the history ends, as Jepsen treats them). */
  readonly status: 'ok' | 'fail' | 'info';
  /** Call time: the invocation's position in the history (or a time, for hand-built operations). */
  readonly call: number;
  /** Return time, ≥ `call`; `Infinity` when the result is unknown. */
  readonly ret: number;
  /** The invocation's index in the source history, when built from one. */
  readonly invokeIndex?: number;
  /** The completion's index in the source history, when it has one. */
  readonly completeIndex?: number;
}

/** A history that is not well-formed: the message names the event and what was wrong. */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';
}

/**
 * Pairs each invocation with its completion. A completion names its invocation by `invokeIndex`,
 * or, when it has none, completes the open operation of its process (Jepsen's pairing). Throws
 * {@link HistoryError} for a completion with nothing to complete, an invocation on a process that
 * already has one open, a completion whose `f` differs from its invocation's, or an unknown type.
 * Operation times are event positions, so the history's order is the real-time order.
 */
export function historyToOperations(history: readonly HistoryEvent[]): Operation[] {
  const ops: Operation[] = [];
  const pending = new Map<number, HistoryEvent>();
  const openByProcess = new Map<string, number>();
  const where = (e: HistoryEvent, i: number) =>
    `history event #${i} (${e.process} ${e.type} ${e.f})`;
  history.forEach((e, i) => {
    if (e.type === 'invoke') {
      const open = openByProcess.get(e.process);
      if (open !== undefined) {
        throw new HistoryError(
          `${where(e, i)}: duplicate invoke: ${e.process} already has event #${open} open`,
        );
      }
      openByProcess.set(e.process, i);
      pending.set(i, e);
      return;
    }
    if (e.type !== 'ok' && e.type !== 'fail' && e.type !== 'info') {
      throw new HistoryError(
        `${where(e, i)}: unknown type ${JSON.stringify(e.type)}: expected invoke, ok, fail or info`,
      );
    }
    const at = e.invokeIndex ?? openByProcess.get(e.process);
    const invoke = at === undefined ? undefined : pending.get(at);
    if (at === undefined || invoke === undefined) {
      throw new HistoryError(`${where(e, i)}: unmatched completion: no open invoke to complete`);
    }
    if (invoke.process !== e.process) {
      throw new HistoryError(`${where(e, i)}: completes #${at}, which ${invoke.process} invoked`);
    }
    if (invoke.f !== e.f) {
      throw new HistoryError(`${where(e, i)}: completes #${at}, an invoke of ${invoke.f}`);
    }
    pending.delete(at);
    openByProcess.delete(e.process);
    const known = e.type === 'ok';
    ops.push({
      id: ops.length,
      process: e.process,
      f: e.f,
      input: invoke.value,
      output: known ? e.value : undefined,
      status: e.type,
      call: at,
      ret: e.type === 'info' ? Number.POSITIVE_INFINITY : i,
      invokeIndex: at,
      completeIndex: i,
    });
  });
  // Still open at the end: the outcome is unknown, like an info.
  for (const [at, invoke] of pending) {
    ops.push({
      id: ops.length,
      process: invoke.process,
      f: invoke.f,
      input: invoke.value,
      output: undefined,
      status: 'info',
      call: at,
      ret: Number.POSITIVE_INFINITY,
      invokeIndex: at,
    });
  }
  return ops;
}
