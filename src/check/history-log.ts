import type { HistoryEvent, HistoryRecorder, OpValue } from '../core/history.js';
import { HistoryError } from './operations.js';

/**
 * A history recorded outside the simulator, by real clients: one {@link HistoryRecorder} per
 * client (the same API workload clients get as `ctx.history`), all appending to one history that
 * {@link checkHistory} and the other checkers read. Time comes from the injected `clock` (e.g.
 * the harness's monotonic clock in a real test), so this stays usable in deterministic code.
 * Recording is synchronous: in a concurrent harness, call `invoke` just before sending a request
 * and `ok`/`fail`/`info` just after its outcome is known, so real-time order is preserved.
 */
export class HistoryLog {
  readonly #events: HistoryEvent[] = [];
  readonly #open = new Map<string, number>();
  readonly #clock: () => number;

  /** `clock`: current time in any unit (only its order matters to the checkers). Default: the
   * event's position. */
  constructor(clock?: () => number) {
    this.#clock = clock ?? (() => this.#events.length);
  }

  /** The events recorded so far, in order. */
  get events(): readonly HistoryEvent[] {
    return this.#events;
  }

  /** The recorder for client `process`. A client has at most one operation open at a time:
   * invoking with one open, or completing a handle that is not its open one, throws. */
  client(process: string): HistoryRecorder {
    const complete = (type: 'ok' | 'fail' | 'info', handle: number, value: OpValue | undefined) => {
      const open = this.#open.get(process);
      if (open !== handle) {
        throw new HistoryError(
          `${process}: ${type} of operation ${handle}, which is not open on it`,
        );
      }
      const invoke = this.#events[handle] as HistoryEvent;
      this.#open.delete(process);
      this.#events.push({
        index: this.#events.length,
        type,
        process,
        f: invoke.f,
        value: value ?? invoke.value,
        time: this.#clock(),
        invokeIndex: handle,
      });
    };
    return {
      invoke: (f: string, value: OpValue): number => {
        const open = this.#open.get(process);
        if (open !== undefined) {
          throw new HistoryError(`${process}: invoke ${f} while operation ${open} is still open`);
        }
        const index = this.#events.length;
        this.#events.push({ index, type: 'invoke', process, f, value, time: this.#clock() });
        this.#open.set(process, index);
        return index;
      },
      ok: (handle, value) => complete('ok', handle, value),
      fail: (handle, value) => complete('fail', handle, value),
      info: (handle, value) => complete('info', handle, value),
    };
  }
}
