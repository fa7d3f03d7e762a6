import type { Fault } from '../core/fault.js';
import { type Spec, withEndOfTime } from '../core/spec.js';
import { type Tuple, tupleKey } from '../core/value.js';
import { Prng } from '../sim/prng.js';
import type { RunResult } from '../sim/result.js';
import { runSimulation } from '../sim/simulator.js';
import {
  checkParams,
  LDFI_SEED,
  type LdfiParams,
  type LdfiResult,
  type VerifyOptions,
  verify,
} from './verify.js';

/** What a baseline search found. */
export interface SearchResult {
  /** Runs executed, the failure-free run included (as LDFI counts). */
  readonly runs: number;
  /** The first counterexample's faults, if one was found. */
  readonly counterexample?: readonly Fault[];
  readonly result?: RunResult;
  /** True when the whole space was run (exhaustive only) or a counterexample was found. */
  readonly complete: boolean;
}

/**
 * Runs of an LDFI game at `eot` (seed {@link LDFI_SEED}, the faults given), judged against
 * `goodOutcomes` (per pre/post guarantee, the failure-free run's post tuples: Molly's `isGood`),
 * with the trace on when asked: the run the game saw, since a run is a pure function of (spec,
 * seed, plan).
 */
export function gameRunner<M>(
  spec: Spec<M>,
  eot: number,
  goodOutcomes: ReadonlyMap<string, readonly Tuple[]>,
): (faults: readonly Fault[], trace?: boolean) => RunResult {
  const game = withEndOfTime(spec, eot);
  const good = new Map<string, ReadonlySet<string>>();
  for (const [name, tuples] of goodOutcomes) good.set(name, new Set(tuples.map(tupleKey)));
  return (faults, trace = false) =>
    runSimulation(game, { seed: LDFI_SEED, plan: { faults }, goodOutcomes: good, trace });
}

/** The game's failure-free run (synchronous time at `eot`, no spec-level faults) and a runner
 * judging runs against its outcomes. */
function prepare<M>(spec: Spec<M>, params: LdfiParams) {
  checkParams(spec as Spec<unknown>, params);
  const failureFree = runSimulation(withEndOfTime(spec, params.eot), {
    seed: LDFI_SEED,
    plan: { faults: [] },
  });
  return { failureFree, run: gameRunner(spec, params.eot, failureFree.postTuples) };
}

/** Runs the game once under `faults` with the trace on, judged as the searches judge a run (a
 * baseline's counterexample, replayed for its report). */
export function traceGameRun<M>(spec: Spec<M>, params: LdfiParams, faults: readonly Fault[]) {
  return prepare(spec, params).run(faults, true);
}

/**
 * The paper's random baseline (Molly's `someRandomRun`): each run draws 0..crashes crashes on
 * distinct random nodes at uniform ticks in [1, EOT], and loses each message channel-tick
 * (from ≠ to, t < EFF) with probability 1/(2·EFF). Runs until a counterexample or `runsMax`.
 */
export function randomSearch<M>(
  spec: Spec<M>,
  params: LdfiParams,
  seed: number,
  runsMax = 10_000,
): SearchResult {
  const { failureFree, run } = prepare(spec, params);
  if (failureFree.status === 'fail')
    return { runs: 1, counterexample: [], result: failureFree, complete: true };
  const rng = Prng.derive(seed, 'ldfi-random');
  const nodes = spec.nodes;
  const lossP = params.eff >= 2 ? 1 / (2 * params.eff) : 0;
  for (let runs = 2; runs <= runsMax; runs++) {
    const faults: Fault[] = [];
    const crashCount = rng.int(0, params.crashes);
    const pool = [...nodes];
    for (let i = 0; i < crashCount; i++) {
      const node = pool.splice(rng.int(0, pool.length - 1), 1)[0] as string;
      faults.push({ kind: 'crash', node, at: rng.int(1, params.eot), mode: 'send-omission' });
    }
    for (const from of nodes) {
      for (const to of nodes) {
        if (from === to) continue;
        for (let t = 1; t < params.eff; t++)
          if (rng.chance(lossP)) faults.push({ kind: 'omission', from, to, at: t });
      }
    }
    const result = run(faults);
    if (result.status === 'fail') return { runs, counterexample: faults, result, complete: true };
  }
  return { runs: runsMax, complete: false };
}

/** Mean runs of {@link randomSearch} over seeds 1..`seeds` (the paper averages 25). */
export function randomBaseline<M>(spec: Spec<M>, params: LdfiParams, seeds = 25, runsMax = 10_000) {
  let total = 0;
  let found = 0;
  for (let s = 1; s <= seeds; s++) {
    const r = randomSearch(spec, params, s, runsMax);
    total += r.runs;
    if (r.counterexample !== undefined) found++;
  }
  return { meanRuns: total / seeds, found, seeds };
}

/**
 * Exhaustive search over the synchronous fault space: every set of omissions (channel-ticks with
 * t < EFF) combined with every assignment of at most `crashes` crash times in [1, EOT]. Only for
 * small spaces: a cross-check of LDFI's completeness. Refuses spaces over `runsMax`.
 */
export function exhaustiveSearch<M>(
  spec: Spec<M>,
  params: LdfiParams,
  runsMax = 200_000,
): SearchResult {
  const { failureFree, run } = prepare(spec, params);
  if (failureFree.status === 'fail')
    return { runs: 1, counterexample: [], result: failureFree, complete: true };
  const channels: Fault[] = [];
  for (const from of spec.nodes) {
    for (const to of spec.nodes) {
      if (from !== to)
        for (let t = 1; t < params.eff; t++) channels.push({ kind: 'omission', from, to, at: t });
    }
  }
  const crashPlans = crashAssignments(spec.nodes, params.eot, params.crashes);
  const size = 2 ** channels.length * crashPlans.length;
  if (size > runsMax) {
    throw new RangeError(
      `exhaustive search: ${size} runs exceed the budget of ${runsMax}; use LDFI or random`,
    );
  }
  let runs = 1;
  for (const crashes of crashPlans) {
    for (let mask = 0; mask < 2 ** channels.length; mask++) {
      if (crashes.length === 0 && mask === 0) continue; // the failure-free run, already counted
      const faults = [...crashes, ...channels.filter((_, i) => (mask & (1 << i)) !== 0)];
      runs++;
      const result = run(faults);
      if (result.status === 'fail') return { runs, counterexample: faults, result, complete: true };
    }
  }
  return { runs, complete: true };
}

function crashAssignments(nodes: readonly string[], eot: number, crashes: number): Fault[][] {
  const out: Fault[][] = [[]];
  const extend = (start: number, acc: Fault[]) => {
    if (acc.length === crashes) return;
    for (let i = start; i < nodes.length; i++) {
      for (let t = 1; t <= eot; t++) {
        const next = [
          ...acc,
          { kind: 'crash', node: nodes[i] as string, at: t, mode: 'send-omission' } as Fault,
        ];
        out.push(next);
        extend(i + 1, next);
      }
    }
  };
  extend(0, []);
  return out;
}

/** One configuration tried by a sweep. */
export interface SweepStep {
  readonly params: LdfiParams;
  readonly result: LdfiResult;
}

/**
 * The paper's parameter sweep (§2.1.1): grow EOT (with EFF = 0), and for each EOT grow EFF up to
 * EOT − 1, verifying each configuration with LDFI; stop at the first counterexample, when
 * `eotMax` is passed, or when `shouldStop` says the time budget is spent. Reports every step; the
 * last verified step is the strongest guarantee reached.
 */
export function sweep<M>(
  spec: Spec<M>,
  options: {
    readonly crashes: number;
    readonly eotFrom?: number;
    readonly eotMax?: number;
    readonly shouldStop?: () => boolean;
    readonly verifyOptions?: Omit<VerifyOptions, 'eot' | 'eff' | 'crashes' | 'shouldStop'>;
  },
): SweepStep[] {
  const steps: SweepStep[] = [];
  const eotMax = options.eotMax ?? 64;
  for (let eot = options.eotFrom ?? 1; eot <= eotMax; eot++) {
    for (let eff = 0; eff < eot; eff++) {
      if (options.shouldStop?.() === true) return steps;
      if (options.crashes >= spec.nodes.length) return steps;
      const params = { eot, eff, crashes: options.crashes };
      const result = verify(spec, {
        ...options.verifyOptions,
        ...params,
        ...(options.shouldStop === undefined ? {} : { shouldStop: options.shouldStop }),
      });
      steps.push({ params, result });
      if (result.verdict !== 'verified') return steps;
    }
  }
  return steps;
}
