import { join } from 'node:path';
import { type CampaignFailure, runCampaign } from '../sim/campaign.js';
import { failureSignature } from '../sim/shrink.js';
import { runSimulation } from '../sim/simulator.js';
import type { SeedRange } from './args.js';
import { EXIT_ERROR, EXIT_PASS, EXIT_VIOLATED, UsageError } from './errors.js';
import { type LoadedSpec, loadSpec } from './load-spec.js';
import {
  count,
  describePlan,
  outputDir,
  reproduceCommand,
  say,
  showPath,
  throughput,
  writeJson,
} from './output.js';
import { campaignProgress } from './progress.js';
import { writeReportOf } from './report.js';
import {
  exitCodeFor,
  outcomeTuples,
  printVerdict,
  shrinkAndWrite,
  writeRunFiles,
} from './run-report.js';

/** Options of `cadre simulate`. */
export interface SimulateOptions {
  readonly seed?: number;
  readonly seeds?: SeedRange;
  readonly stopAtFirst?: boolean;
  readonly out?: string;
  readonly shrink?: boolean;
}

/** Failing seeds listed on the terminal (two lines each); the rest are in the summary file. */
const FAILURES_SHOWN = 10;

/** `cadre simulate SPEC (--seed N | --seeds A..B)`: returns the exit code. */
export async function simulate(file: string, options: SimulateOptions): Promise<number> {
  if (options.seed === undefined && options.seeds === undefined) {
    throw new UsageError('give --seed N (one run) or --seeds A..B (a campaign over many seeds)');
  }
  const loaded = await loadSpec(file);
  const dir = outputDir(options.out, loaded.spec.name);
  return options.seed !== undefined
    ? await simulateOne(loaded, options.seed, dir, options.shrink === true)
    : simulateMany(loaded, options.seeds as SeedRange, dir, options);
}

async function simulateOne(
  loaded: LoadedSpec,
  seed: number,
  dir: string,
  shrink: boolean,
): Promise<number> {
  const { spec, file } = loaded;
  say(`cadre simulate: spec ${spec.name} (${file}), seed ${seed}`);
  const started = performance.now();
  const result = runSimulation(spec, { seed, trace: true });
  const ms = performance.now() - started;
  say(`faults: ${describePlan(result.plan)}`);
  printVerdict(spec, result);
  say(throughput(result.stats.events, ms));
  const reproduce = reproduceCommand(file, seed);
  const written = writeRunFiles(dir, `seed-${seed}`, result, {
    specFile: file,
    reproduce,
    outcomes: outcomeTuples(result),
  });
  if (result.status !== 'pass') {
    if (written !== undefined)
      await writeReportOf(written.file, join(dir, `seed-${seed}.report.html`));
    say(`reproduce: ${reproduce}`);
    if (shrink) {
      const planFile = shrinkAndWrite(spec, seed, result.plan, dir);
      say(`reproduce (shrunk): ${reproduceCommand(file, seed, planFile)}`);
    }
  } else if (shrink) {
    say('nothing to shrink: the run passed');
  }
  return exitCodeFor(result.status);
}

async function simulateMany(
  loaded: LoadedSpec,
  seeds: SeedRange,
  dir: string,
  options: SimulateOptions,
): Promise<number> {
  const { spec, file } = loaded;
  const total = seeds.to - seeds.from + 1;
  say(`cadre simulate: spec ${spec.name} (${file}), seeds ${seeds.from}..${seeds.to}`);
  const progress = campaignProgress(total);
  let failing = 0;
  const started = performance.now();
  let campaign: ReturnType<typeof runCampaign>;
  try {
    campaign = runCampaign(spec, {
      from: seeds.from,
      to: seeds.to,
      stopAtFirstFailure: options.stopAtFirst === true,
      onRun: (result, done) => {
        if (result.status !== 'pass') failing++;
        progress.update(done, failing);
      },
    });
  } finally {
    progress.stop();
  }
  const ms = performance.now() - started;
  const { failures, runs } = campaign;
  const violated = failures.filter((f) => f.status === 'fail').length;
  const errored = failures.length - violated;
  const stopped = runs < total ? ` (stopped at the first failure after ${runs} of ${total})` : '';

  if (failures.length === 0) say(`PASS: all ${count(runs)} seeds passed`);
  else {
    const n = `${count(failures.length)} of ${count(runs)} seeds`;
    if (errored === 0) say(`FAIL: ${n} violated a guarantee${stopped}`);
    else if (violated === 0)
      say(`ERROR: ${n} could not finish (the run stopped on an error)${stopped}`);
    else {
      say(
        `FAIL: ${n} failed: ${count(violated)} violated a guarantee, ${count(errored)} could not finish${stopped}`,
      );
    }
    say(`  by guarantee: ${bySignature(failures)}`);
    for (const f of failures.slice(0, FAILURES_SHOWN)) {
      say(`  seed ${f.seed}: ${f.summary}`);
      say(`    ${reproduceCommand(file, f.seed)}`);
    }
  }
  say(throughput(campaign.events, ms));

  const summaryFile = join(dir, `campaign-${seeds.from}-${seeds.to}.json`);
  writeJson(summaryFile, {
    spec: spec.name,
    specFile: file,
    seeds: { from: seeds.from, to: seeds.to },
    runs,
    passed: campaign.passed,
    violated,
    errored,
    events: campaign.events,
    failures: failures.map((f) => ({
      seed: f.seed,
      status: f.status,
      summary: f.summary,
      ...(f.result.error === undefined ? {} : { error: f.result.error }),
      violations: f.result.violations,
      plan: f.result.plan,
      reproduce: reproduceCommand(file, f.seed),
    })),
  });
  if (failures.length > FAILURES_SHOWN) {
    say(
      `  … and ${count(failures.length - FAILURES_SHOWN)} more failing seeds, all listed in ${showPath(summaryFile)}`,
    );
  }
  say(`wrote ${showPath(summaryFile)}`);

  const first = failures[0];
  if (first === undefined) return EXIT_PASS;
  // The campaign runs untraced (faster); run the first failure again with the trace on.
  const traced = runSimulation(spec, { seed: first.seed, trace: true });
  if (failureSignature(traced) !== failureSignature(first.result)) {
    say(`warning: seed ${first.seed} did not fail the same way when traced: determinism bug?`);
  }
  const written = writeRunFiles(dir, `seed-${first.seed}`, traced, {
    specFile: file,
    reproduce: reproduceCommand(file, first.seed),
    outcomes: outcomeTuples(traced),
  });
  if (written !== undefined)
    await writeReportOf(written.file, join(dir, `seed-${first.seed}.report.html`));
  if (options.shrink === true) {
    const planFile = shrinkAndWrite(spec, first.seed, first.result.plan, dir);
    say(`reproduce the first failure (shrunk): ${reproduceCommand(file, first.seed, planFile)}`);
  } else {
    say(`reproduce the first failure: ${reproduceCommand(file, first.seed)}`);
  }
  return violated > 0 ? EXIT_VIOLATED : EXIT_ERROR;
}

/** `delivery ×24, error ×1`: how many seeds failed on each first-violated guarantee. */
function bySignature(failures: readonly CampaignFailure[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const v = f.result.violations[0];
    const key = f.status === 'error' || v === undefined ? 'error' : `${v.kind} ${v.guarantee}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ×${count(n)}`).join(', ');
}
