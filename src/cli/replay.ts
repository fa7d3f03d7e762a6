import { withEndOfTime } from '../core/spec.js';
import { runSimulation } from '../sim/simulator.js';
import { loadPlan } from './load-plan.js';
import { loadSpec } from './load-spec.js';
import { describePlan, outputDir, reproduceCommand, say, throughput } from './output.js';
import { exitCodeFor, printVerdict, writeRunFiles } from './run-report.js';

/** Options of `cadre replay`. */
export interface ReplayOptions {
  readonly seed: number;
  readonly plan?: string;
  readonly out?: string;
  /** Override the end of time: EOT in ticks (synchronous) or the horizon in ms (asynchronous). */
  readonly eot?: number;
}

/**
 * `cadre replay SPEC --seed N [--plan FILE]`: one traced run. Without a plan the run draws its
 * faults exactly as `simulate` did for that seed; with one, the plan replaces the spec's faults.
 */
export async function replay(file: string, options: ReplayOptions): Promise<number> {
  const loaded = await loadSpec(file);
  const spec = options.eot === undefined ? loaded.spec : withEndOfTime(loaded.spec, options.eot);
  const plan = options.plan === undefined ? undefined : loadPlan(options.plan, spec);
  const dir = outputDir(options.out, spec.name);
  const { seed } = options;
  const from = options.plan === undefined ? '' : `, plan ${options.plan}`;
  say(`cadre replay: spec ${spec.name} (${file}), seed ${seed}${from}`);
  const started = performance.now();
  const result = runSimulation(spec, {
    seed,
    trace: true,
    ...(plan === undefined ? {} : { plan }),
  });
  const ms = performance.now() - started;
  say(`faults: ${describePlan(result.plan)}`);
  printVerdict(spec, result);
  say(throughput(result.stats.events, ms));
  const reproduce = reproduceCommand(file, seed, options.plan, options.eot);
  const stem = plan === undefined ? `seed-${seed}` : `seed-${seed}.replay`;
  writeRunFiles(dir, stem, result, { specFile: file, reproduce });
  say(`reproduce: ${reproduce}`);
  return exitCodeFor(result.status);
}
