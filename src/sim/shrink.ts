import type { Fault, FaultPlan } from '../core/fault.js';
import type { Spec } from '../core/spec.js';
import type { RunResult } from './result.js';
import { runSimulation } from './simulator.js';

/** Options of {@link shrinkPlan}. */
export interface ShrinkOptions {
  /** Most runs spent shrinking. Default 500. */
  readonly runsMax?: number;
  /** Whether a run still shows the failure. Default: it fails (or errors) the same way — the same
   * status and the same first violated guarantee (or an error). */
  readonly stillFails?: (result: RunResult) => boolean;
}

/** What shrinking found. */
export interface ShrinkResult {
  /** The smallest failing plan found: 1-minimal (removing any one fault makes the run pass)
   * unless `exhausted` is set. */
  readonly plan: FaultPlan;
  /** The run of that plan. */
  readonly result: RunResult;
  /** Runs executed while shrinking. */
  readonly runs: number;
  /** True when the run budget ran out before the plan was 1-minimal. */
  readonly exhausted: boolean;
}

/**
 * Delta debugging (Zeller & Hildebrandt's ddmin) over the faults of a failing plan: tries halves,
 * then complements, at finer and finer granularity, keeping any subset that still fails. The seed
 * stays fixed, so the run differs only by the faults removed.
 */
export function shrinkPlan<M>(
  spec: Spec<M>,
  seed: number,
  failing: FaultPlan,
  options: ShrinkOptions = {},
): ShrinkResult {
  const runsMax = options.runsMax ?? 500;
  let runs = 0;

  const run = (faults: readonly Fault[]): RunResult => {
    runs++;
    return runSimulation(spec, { seed, plan: { faults } });
  };
  const first = run(failing.faults);
  const signature = failureSignature(first);
  if (first.status === 'pass') {
    throw new Error(`shrinkPlan: the plan does not fail with seed ${seed}; nothing to shrink`);
  }
  const stillFails = options.stillFails ?? ((r: RunResult) => failureSignature(r) === signature);
  let best = first;
  const test = (faults: readonly Fault[]): boolean => {
    if (runs >= runsMax) return false;
    const result = run(faults);
    if (!stillFails(result)) return false;
    best = result;
    return true;
  };
  let current = [...failing.faults];
  let n = 2;
  while (current.length >= 2 && runs < runsMax) {
    const chunks = split(current, n);
    let reduced = false;
    for (const chunk of chunks) {
      if (test(chunk)) {
        current = chunk;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced && n > 2) {
      for (let i = 0; i < chunks.length; i++) {
        const complement = chunks.filter((_, j) => j !== i).flat();
        if (test(complement)) {
          current = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, 2 * n);
    }
  }
  if (current.length === 1 && test([])) current = [];
  if (best.plan.faults.length !== current.length) best = run(current);
  return { plan: { faults: current }, result: best, runs, exhausted: runs >= runsMax };
}

/** `fail:<first violated guarantee>` or `error` — what a shrunk run must keep showing. */
export function failureSignature(result: RunResult): string {
  if (result.status === 'error') return 'error';
  if (result.status === 'pass') return 'pass';
  return `fail:${result.violations[0]?.guarantee ?? '?'}`;
}

function split<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  const size = items.length / n;
  for (let i = 0; i < n; i++) {
    const chunk = items.slice(Math.round(i * size), Math.round((i + 1) * size));
    if (chunk.length > 0) out.push(chunk);
  }
  return out;
}
