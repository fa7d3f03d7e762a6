import type { FinalCheck, WorldView } from '../core/guarantee.js';
import { explainLinearizability } from './explain.js';
import { type CheckOptions, checkHistory } from './linearizable.js';
import type { AnyModel } from './model.js';

/** Options of {@link linearizable}. */
export interface LinearizableCheckOptions extends CheckOptions {
  /** Name of the check in verdicts. Default `linearizable-<model name>`. */
  readonly name?: string;
  /** What an `unknown` verdict (a budget spent) means for the run: `fail` (default: a check that
   * could not decide must not pass silently; raise the budget) or `pass`. */
  readonly onUnknown?: 'fail' | 'pass';
  /** Only the operations with these names are checked (e.g. to leave out a workload's
   * non-register operations). Default: all of them. */
  readonly ops?: readonly string[];
}

/** Default step budget of {@link linearizable}, so a spec's final check always ends: about a
 * second of search on a typical machine. */
export const LINEARIZABLE_STEPS_DEFAULT = 2_000_000;

/**
 * A final check: the run's client history (recorded by workload clients via `ctx.history`) is
 * linearizable with respect to `model`. Its message is the explanation: the longest partial
 * linearisation and the operation that could not be linearised.
 */
export function linearizable(model: AnyModel, options: LinearizableCheckOptions = {}): FinalCheck {
  const only = options.ops === undefined ? undefined : new Set(options.ops);
  return {
    name: options.name ?? `linearizable-${model.name}`,
    check(world: WorldView): string | undefined {
      let history = world.history;
      if (only !== undefined) {
        // Renumber: the checker pairs completions with invocations by their indices.
        const kept = history.filter((e) => only.has(e.f));
        const at = new Map(kept.map((e, i) => [e.index, i]));
        history = kept.map((e, i) => {
          const invokeIndex = e.invokeIndex === undefined ? undefined : at.get(e.invokeIndex);
          const { invokeIndex: _, ...rest } = e;
          return invokeIndex === undefined
            ? { ...rest, index: i }
            : { ...rest, index: i, invokeIndex };
        });
      }
      const result = checkHistory(model, history, {
        stepsMax: options.stepsMax ?? LINEARIZABLE_STEPS_DEFAULT,
        ...(options.shouldStop === undefined ? {} : { shouldStop: options.shouldStop }),
        ...(options.memoMax === undefined ? {} : { memoMax: options.memoMax }),
      });
      if (result.verdict === 'linearizable') return undefined;
      if (result.verdict === 'unknown' && options.onUnknown === 'pass') return undefined;
      return explainLinearizability(model, result);
    },
  };
}
