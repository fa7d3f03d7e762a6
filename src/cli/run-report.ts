import { join } from 'node:path';
import type { FaultPlan } from '../core/fault.js';
import type { Spec } from '../core/spec.js';
import type { Tuple } from '../core/value.js';
import type { RunResult, RunStatus } from '../sim/result.js';
import { shrinkPlan } from '../sim/shrink.js';
import { EXIT_ERROR, EXIT_PASS, EXIT_VIOLATED } from './errors.js';
import {
  describePlan,
  runSummary,
  say,
  showPath,
  type WrittenTrace,
  writeJson,
  writePlan,
  writeTrace,
} from './output.js';

/** Exit code for a run's status. */
export function exitCodeFor(status: RunStatus): number {
  return status === 'pass' ? EXIT_PASS : status === 'fail' ? EXIT_VIOLATED : EXIT_ERROR;
}

/** Prints PASS / FAIL with every violation / ERROR with the reason. */
export function printVerdict(spec: Spec<unknown>, result: RunResult): void {
  if (result.status === 'pass') {
    const names = guaranteeNames(spec);
    say(
      names.length === 0
        ? 'PASS (the spec states no guarantees, so nothing was checked)'
        : `PASS: every guarantee held (${names.join(', ')})`,
    );
  } else if (result.status === 'fail') {
    const n = result.violations.length;
    say(`FAIL: ${plural(n, 'guarantee violation')}`);
    for (const v of result.violations) {
      const event = v.eventId === undefined ? '' : ` (after event ${v.eventId})`;
      say(`  ${v.kind} ${v.guarantee} violated at time ${v.time}${event}: ${v.message}`);
    }
  } else {
    say(`ERROR: the run could not finish: ${result.error ?? 'unknown error'}`);
  }
}

/** Writes `<stem>.trace.jsonl` and `<stem>.result.json` in `dir`, and says so. */
export function writeRunFiles(
  dir: string,
  stem: string,
  result: RunResult,
  extra: Record<string, unknown>,
): WrittenTrace | undefined {
  let written: WrittenTrace | undefined;
  if (result.trace !== undefined) {
    written = writeTrace(join(dir, `${stem}.trace.jsonl`), result.trace);
    say(
      `wrote ${showPath(written.file)} (${plural(written.events, 'event')}, ${plural(written.messages, 'message')})`,
    );
    say(`trace hash: sha256:${written.sha256}`);
  }
  const resultFile = join(dir, `${stem}.result.json`);
  writeJson(
    resultFile,
    runSummary(result, {
      ...extra,
      ...(written === undefined
        ? {}
        : { trace: { file: showPath(written.file), sha256: written.sha256 } }),
    }),
  );
  say(`wrote ${showPath(resultFile)}`);
  return written;
}

/** Shrinks a failing seed's plan, writes it to `dir/seed-N.plan.json`, returns that path. */
export function shrinkAndWrite(
  spec: Spec<unknown>,
  seed: number,
  plan: FaultPlan,
  dir: string,
): string {
  const shrunk = shrinkPlan(spec, seed, plan);
  const file = join(dir, `seed-${seed}.plan.json`);
  writePlan(file, shrunk.plan);
  const from = plan.faults.length;
  const to = shrunk.plan.faults.length;
  const note = shrunk.exhausted ? ' (run budget spent: may not be minimal)' : '';
  say(
    `shrunk seed ${seed}'s plan from ${plural(from, 'fault')} to ${to} in ${shrunk.runs} runs${note}: ${describePlan(shrunk.plan)}`,
  );
  say(`wrote ${showPath(file)}`);
  return showPath(file);
}

/** Per pre/post guarantee, a run's `pre` and `post` tuples at the end (the report's outcome
 * table reads them from the saved run data). */
export function outcomeTuples(
  run: RunResult,
): Record<string, { pre: readonly Tuple[]; post: readonly Tuple[] }> {
  const out: Record<string, { pre: readonly Tuple[]; post: readonly Tuple[] }> = {};
  for (const [name, post] of run.postTuples)
    out[name] = { pre: run.preTuples.get(name) ?? [], post };
  return out;
}

function guaranteeNames(spec: Spec<unknown>): string[] {
  const g = spec.guarantees ?? {};
  return [
    ...(g.prePost ?? []),
    ...(g.invariants ?? []),
    ...(g.liveness ?? []),
    ...(g.final ?? []),
  ].map((x) => x.name);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
