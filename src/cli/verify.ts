import { join } from 'node:path';
import { describeFault, type Fault } from '../core/fault.js';
import type { Spec } from '../core/spec.js';
import { tupleKey } from '../core/value.js';
import {
  exhaustiveSearch,
  randomBaseline,
  randomSearch,
  sweep,
  traceGameRun,
} from '../ldfi/strategies.js';
import { LDFI_SEED, type LdfiParams, type LdfiResult, verify } from '../ldfi/verify.js';
import { EXIT_ERROR, EXIT_PASS, EXIT_VIOLATED, UsageError } from './errors.js';
import { loadSpec } from './load-spec.js';
import {
  count,
  outputDir,
  reproduceCommand,
  say,
  showPath,
  writeJson,
  writePlan,
  writeTrace,
} from './output.js';
import { traceGameRuns, writeReportOf } from './report.js';
import { outcomeTuples } from './run-report.js';

/** The search strategies of `cadre verify`. */
export type Strategy = 'ldfi' | 'random' | 'exhaustive' | 'sweep';

/** Options of `cadre verify`. */
export interface VerifyCliOptions {
  readonly eot?: number;
  readonly eff?: number;
  readonly crashes?: number;
  readonly strategy: Strategy;
  readonly findAll?: boolean;
  readonly budgetS?: number;
  readonly randomSeeds?: number;
  readonly out?: string;
}

/**
 * `cadre verify SPEC`: plays the LDFI game (or a baseline strategy) within (EOT, EFF, crashes),
 * prints live progress and the verdict, and saves the run data (verify.json, the failure-free and
 * counterexample traces, the counterexample's plan) and renders them as `report.html`. Exit 0
 * verified, 1 counterexample, 2 error or incomplete.
 */
export async function verifyCommand(file: string, options: VerifyCliOptions): Promise<number> {
  const { spec } = await loadSpec(file);
  const params = resolveParams(spec, options);
  const dir = outputDir(options.out, spec.name);
  const model = spec.time.model === 'sync' ? 'ticks' : 'ms';
  say(
    `cadre verify: spec ${spec.name} (${file}), EOT ${params.eot} ${model}, EFF ${params.eff}, ` +
      `crashes ${params.crashes}, strategy ${options.strategy}`,
  );
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const budgetS = options.budgetS ?? 120;
  const shouldStop = () => elapsed() > budgetS;
  switch (options.strategy) {
    case 'ldfi': {
      const progress = liveProgress(elapsed);
      const result = verify(spec, {
        ...params,
        findAll: options.findAll === true,
        shouldStop,
        onRun: progress.update,
      });
      progress.stop();
      return withReport(dir, reportLdfi(file, spec, result, dir, elapsed()));
    }
    case 'random': {
      const seeds = options.randomSeeds ?? 25;
      const base = randomBaseline(spec, params, seeds);
      const first = randomSearch(spec, params, 1);
      say(
        `random baseline: a counterexample found in ${base.found} of ${seeds} seeds, ` +
          `mean ${base.meanRuns.toFixed(2)} runs (${elapsed().toFixed(2)} s)`,
      );
      writeJson(join(dir, 'random.json'), { spec: spec.name, params, ...base });
      if (first.counterexample !== undefined) {
        say(
          `  seed 1: ${first.counterexample.map(describeFault).join(' ') || 'no faults'} after ${first.runs} runs`,
        );
        await reportBaselineCounterexample(file, spec, params, first.counterexample, dir);
      }
      return base.found > 0 ? EXIT_VIOLATED : EXIT_ERROR;
    }
    case 'exhaustive': {
      const r = exhaustiveSearch(spec, params);
      if (r.counterexample === undefined) {
        say(
          `VERIFIED by exhaustive search: ${count(r.runs)} runs, every fault combination (${elapsed().toFixed(2)} s)`,
        );
        return EXIT_PASS;
      }
      say(
        `COUNTEREXAMPLE after ${count(r.runs)} runs: ${r.counterexample.map(describeFault).join(' ') || 'no faults'}`,
      );
      await reportBaselineCounterexample(file, spec, params, r.counterexample, dir);
      return EXIT_VIOLATED;
    }
    case 'sweep': {
      const steps = sweep(spec, { crashes: params.crashes, eotMax: params.eot, shouldStop });
      for (const s of steps) {
        say(
          `  EOT ${s.params.eot} EFF ${s.params.eff}: ${s.result.verdict} in ${s.result.runs} runs`,
        );
      }
      const last = steps[steps.length - 1];
      if (last === undefined)
        throw new UsageError('the sweep ran no configuration (time budget too small?)');
      writeJson(
        join(dir, 'sweep.json'),
        steps.map((s) => ({ params: s.params, verdict: s.result.verdict, runs: s.result.runs })),
      );
      if (last.result.verdict === 'counterexample')
        return withReport(dir, reportLdfi(file, spec, last.result, dir, elapsed()));
      const verified = [...steps].reverse().find((s) => s.result.verdict === 'verified');
      say(
        verified === undefined
          ? 'INCOMPLETE: no configuration was verified'
          : `VERIFIED up to EOT ${verified.params.eot}, EFF ${verified.params.eff}, crashes ${params.crashes} ` +
              `(the strongest configuration reached in ${elapsed().toFixed(2)} s)`,
      );
      return verified === undefined ? EXIT_ERROR : EXIT_PASS;
    }
  }
}

function resolveParams(spec: Spec<unknown>, options: VerifyCliOptions): LdfiParams {
  const specEot = spec.time.model === 'sync' ? spec.time.eot : spec.time.horizonMs;
  const eot = options.eot ?? spec.ldfi?.eot ?? specEot;
  return {
    eot,
    eff: options.eff ?? spec.ldfi?.eff ?? (spec.time.model === 'sync' ? 0 : eot),
    crashes: options.crashes ?? spec.ldfi?.crashes ?? 0,
  };
}

function reportLdfi(
  file: string,
  spec: Spec<unknown>,
  result: LdfiResult,
  dir: string,
  seconds: number,
): number {
  const { params } = result;
  const within = `EOT ${params.eot}, EFF ${params.eff}, crashes ${params.crashes}`;
  const runs = `${count(result.runs)} run${result.runs === 1 ? '' : 's'}`;
  // Molly's estimate counts the server nodes' channels only; say so when clients talk too, or a
  // single-server spec reads "N runs of 1 combinations".
  const among =
    (spec.clients?.ids.length ?? 0) > 0
      ? ` (Molly's estimate over the ${spec.nodes.length} server node${spec.nodes.length === 1 ? '' : 's'}; client channels not counted)`
      : '';
  const space = `${runs} of ${formatCombinations(result.combinations)} combination${result.combinations === 1 ? '' : 's'}${among}`;
  const time = `${seconds.toFixed(2)} s`;
  const traces: Record<string, string> = {};
  if (result.failureFree.trace !== undefined) {
    traces.failureFree = writeTrace(
      join(dir, 'failure-free.trace.jsonl'),
      result.failureFree.trace,
    ).file;
  }
  const ces = result.counterexamples.map((ce, i) => {
    const planFile = join(dir, `counterexample-${i + 1}.plan.json`);
    writePlan(planFile, { faults: ce.faults });
    const trace =
      ce.result.trace === undefined
        ? undefined
        : writeTrace(join(dir, `counterexample-${i + 1}.trace.jsonl`), ce.result.trace).file;
    return {
      faults: ce.faults,
      guarantee: ce.guarantee,
      vanished: ce.vanished,
      message: ce.result.violations[0]?.message ?? '',
      plan: planFile,
      ...(trace === undefined ? {} : { trace }),
      reproduce: reproduceCommand(file, LDFI_SEED, planFile, params.eot),
      outcomes: outcomeTuples(ce.result),
    };
  });
  // The game's other runs, traced again for the report's per-run diagrams.
  const gameRuns = traceGameRuns(spec, result, dir);
  const summary = {
    spec: spec.name,
    specFile: file,
    params,
    nodes: result.nodes,
    verdict: result.verdict,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    runs: result.runs,
    combinations: result.combinations,
    seconds,
    goodOutcomes: Object.fromEntries([...result.goodOutcomes].map(([k, v]) => [k, v])),
    runLog: result.runLog.map((r) => ({
      ...r,
      faults: r.faults.map(describeFault),
      ...gameRuns.get(r.index),
    })),
    counterexamples: ces,
    traces,
    failureFreeOutcomes: outcomeTuples(result.failureFree),
  };
  const summaryFile = join(dir, 'verify.json');
  writeJson(summaryFile, summary);
  if (result.verdict === 'verified') {
    say(`VERIFIED within ${within}: no fault combination breaks a guarantee (${space}, ${time})`);
  } else if (result.verdict === 'incomplete') {
    say(
      `INCOMPLETE within ${within}: ${result.reason ?? 'stopped'} (${space}, ${time}); not verified`,
    );
  } else {
    say(`COUNTEREXAMPLE within ${within}: found after ${space} (${time})`);
    for (const ce of ces) {
      say(
        `  faults: ${ce.faults.map(describeFault).join(' ') || 'none (the failure-free run fails)'}`,
      );
      const vanished =
        ce.vanished.length > 0 ? `; vanished: ${ce.vanished.map(tupleKey).join(', ')}` : '';
      say(`  broken: ${ce.guarantee}${vanished}`);
      say(`  reproduce: ${ce.reproduce}`);
    }
  }
  say(`wrote ${showPath(summaryFile)}`);
  return result.verdict === 'verified'
    ? EXIT_PASS
    : result.verdict === 'counterexample'
      ? EXIT_VIOLATED
      : EXIT_ERROR;
}

/**
 * A baseline strategy's counterexample (random or exhaustive search keep no traces): replays it
 * traced as the search ran it, saves its plan and trace, prints the reproduce command and renders
 * `report.html`.
 */
async function reportBaselineCounterexample(
  file: string,
  spec: Spec<unknown>,
  params: LdfiParams,
  faults: readonly Fault[],
  dir: string,
): Promise<void> {
  const run = traceGameRun(spec, params, faults);
  const planFile = join(dir, 'counterexample.plan.json');
  writePlan(planFile, { faults });
  say(`  reproduce: ${reproduceCommand(file, LDFI_SEED, planFile, params.eot)}`);
  if (run.trace === undefined) return;
  const trace = writeTrace(join(dir, 'counterexample.trace.jsonl'), run.trace).file;
  await writeReportOf(trace, join(dir, 'report.html'));
}

/** Writes `report.html` (src/report) from the run data just saved in `dir`, and says where. */
async function withReport(dir: string, code: number): Promise<number> {
  await writeReportOf(dir, join(dir, 'report.html'));
  return code;
}

function formatCombinations(n: number): string {
  return n < 1e6 ? count(n) : n.toExponential(2);
}

/** Live progress on stderr: runs, queue length, elapsed — a rewritten line on a terminal, a line
 * every 100 runs otherwise. */
function liveProgress(elapsed: () => number) {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    update: (p: { runs: number; queued: number }) => {
      const line = `runs ${p.runs}, queue ${p.queued}, ${elapsed().toFixed(1)} s`;
      if (tty) {
        process.stderr.write(`\r${line}   `);
        shown = true;
      } else if (p.runs % 100 === 0) process.stderr.write(`progress: ${line}\n`);
    },
    stop: () => {
      if (shown) process.stderr.write('\n');
    },
  };
}
