import type { Spec } from '../core/spec.js';
import type { RunResult, RunStatus } from './result.js';
import { runSimulation } from './simulator.js';

/** One failing seed of a campaign. */
export interface CampaignFailure {
  readonly seed: number;
  readonly status: Exclude<RunStatus, 'pass'>;
  /** First violated guarantee, or the error. */
  readonly summary: string;
  readonly result: RunResult;
}

/** The outcome of running many seeds. */
export interface CampaignResult {
  readonly runs: number;
  readonly passed: number;
  readonly failures: readonly CampaignFailure[];
  readonly events: number;
}

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  /** First seed (inclusive). */
  readonly from: number;
  /** Last seed (inclusive). */
  readonly to: number;
  /** Stop at the first failing seed. Default false. */
  readonly stopAtFirstFailure?: boolean;
  /** Called after each run (for progress bars). */
  readonly onRun?: (result: RunResult, done: number, total: number) => void;
}

/** Runs seeds `from..to` of a spec (swarm plans and buggify drawn per seed) and collects failures. */
export function runCampaign<M>(spec: Spec<M>, options: CampaignOptions): CampaignResult {
  if (
    !Number.isSafeInteger(options.from) ||
    !Number.isSafeInteger(options.to) ||
    options.to < options.from
  ) {
    throw new RangeError(
      `seed range ${options.from}..${options.to} must be whole numbers with from <= to`,
    );
  }
  const total = options.to - options.from + 1;
  const failures: CampaignFailure[] = [];
  let events = 0;
  let runs = 0;
  for (let seed = options.from; seed <= options.to; seed++) {
    const result = runSimulation(spec, { seed });
    runs++;
    events += result.stats.events;
    if (result.status !== 'pass') {
      failures.push({ seed, status: result.status, summary: summarizeFailure(result), result });
    }
    options.onRun?.(result, runs, total);
    if (failures.length > 0 && options.stopAtFirstFailure === true) break;
  }
  return { runs, passed: runs - failures.length, failures, events };
}

/** One line: the first violated guarantee and its message, or the error. */
export function summarizeFailure(result: RunResult): string {
  if (result.error !== undefined) return `error: ${result.error}`;
  const v = result.violations[0];
  return v === undefined
    ? 'pass'
    : `${v.kind} ${v.guarantee} violated at time ${v.time}: ${v.message}`;
}
