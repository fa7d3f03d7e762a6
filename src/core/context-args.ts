import { ContextUsageError } from './errors.js';
import { type Fact, fact as makeFact } from './fact.js';

/**
 * Argument checks of {@link Context} calls that every host (the simulator, the real runtime) makes
 * alike, so a process gets the same error for the same mistake wherever it runs.
 */

/** Checks `setTimer(name, afterMs)`: a string name and a finite delay >= 0. */
export function checkTimerArgs(name: unknown, afterMs: unknown): asserts afterMs is number {
  if (typeof name !== 'string')
    throw new ContextUsageError(`setTimer: name must be a string, got ${typeof name}`);
  if (typeof afterMs !== 'number' || !Number.isFinite(afterMs) || afterMs < 0) {
    throw new ContextUsageError(
      `setTimer(${JSON.stringify(name)}): delay must be a finite number >= 0, got ${afterMs}`,
    );
  }
}

/** Checks the argument of `emit(fact)` and returns the fact rebuilt by {@link makeFact} (which
 * validates its name and arguments). */
export function checkedFact(f: unknown): Fact {
  const candidate = f as Partial<Fact> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.name !== 'string' ||
    !Array.isArray(candidate.args)
  ) {
    throw new ContextUsageError('emit: expected a fact such as fact("log", "b", "hello")');
  }
  return makeFact(candidate.name, ...candidate.args);
}
