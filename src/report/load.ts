import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Tuple } from '../core/value.js';
import type { OutcomeTuples, ReportInput, ReportRun } from './report-input.js';
import { parseTraceJsonl, ReportDataError, type TraceData } from './trace-data.js';

/**
 * Reads saved run data for a report: a `cadre verify` output directory (`verify.json` and the
 * traces it names), or one `*.trace.jsonl` (with its `*.result.json` when it sits next to it).
 * Throws {@link ReportDataError} naming the file and what is wrong.
 */
export function loadReportInput(path: string): ReportInput {
  if (!existsSync(path)) throw new ReportDataError(`${path}: no such file or directory`);
  if (statSync(path).isDirectory()) {
    const summary = join(path, 'verify.json');
    if (!existsSync(summary))
      throw new ReportDataError(
        `${path}: no verify.json here; give a \`cadre verify\` output directory or a *.trace.jsonl file`,
      );
    return loadVerify(summary);
  }
  if (basename(path) === 'verify.json') return loadVerify(path);
  if (path.endsWith('.trace.jsonl')) return loadRun(path);
  throw new ReportDataError(
    `${path}: not run data (expected a directory with verify.json, verify.json, or a *.trace.jsonl file)`,
  );
}

/** Reads and parses one trace file. */
export function readTrace(file: string): TraceData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportDataError(`${file}: cannot read (${(e as Error).message})`);
  }
  return parseTraceJsonl(text, file);
}

function readJson(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ReportDataError(`${file}: cannot read as JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ReportDataError(`${file}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** A file named in a summary: next to the summary first (the directory may have moved), else as
 * written. */
function locate(dir: string, written: string): string {
  const near = join(dir, basename(written));
  return existsSync(near) ? near : written;
}

function loadVerify(file: string): ReportInput {
  const dir = dirname(file);
  const v = readJson(file);
  if (typeof v.verdict !== 'string' || typeof v.spec !== 'string')
    throw new ReportDataError(`${file}: not a verify summary (no spec or verdict)`);
  const runs: ReportRun[] = [];
  const ces = Array.isArray(v.counterexamples)
    ? (v.counterexamples as Record<string, unknown>[])
    : [];
  ces.forEach((ce, i) => {
    if (typeof ce.trace !== 'string') return;
    runs.push({
      id: `counterexample-${i + 1}`,
      title: `Counterexample ${i + 1}`,
      role: 'counterexample',
      status: 'counterexample',
      trace: readTrace(locate(dir, ce.trace)),
      violations: [{ guarantee: String(ce.guarantee ?? ''), message: String(ce.message ?? '') }],
      vanished: Array.isArray(ce.vanished) ? (ce.vanished as Tuple[]) : [],
      ...outcomesField(ce.outcomes),
      ...(typeof ce.reproduce === 'string' ? { reproduce: ce.reproduce } : {}),
    });
  });
  const traces = (v.traces ?? {}) as Record<string, unknown>;
  let goodRun: string | undefined;
  if (typeof traces.failureFree === 'string') {
    goodRun = 'failure-free';
    runs.push({
      id: 'failure-free',
      title: 'Failure-free run',
      role: 'good',
      // The failure-free run is itself the counterexample when one needs no faults.
      status: ces.some((ce) => Array.isArray(ce.faults) && ce.faults.length === 0)
        ? 'counterexample'
        : 'good',
      trace: readTrace(locate(dir, traces.failureFree)),
      violations: [],
      vanished: [],
      ...outcomesField(v.failureFreeOutcomes),
    });
  }
  const runLog = Array.isArray(v.runLog) ? readRunLog(v.runLog, file) : undefined;
  // Game indexes: the failure-free run is run 0; counterexamples are the runs logged as such.
  const ceIndexes = (runLog ?? []).filter((r) => r.status === 'counterexample').map((r) => r.index);
  for (const [i, run] of runs.entries()) {
    const index = run.role === 'good' ? 0 : ceIndexes[i];
    if (index !== undefined) runs[i] = { ...run, gameIndex: index };
  }
  // The game's other runs, when `cadre verify` traced them again.
  (v.runLog as unknown[] | undefined)?.forEach((entry, i) => {
    const r = entry as Record<string, unknown>;
    const logged = runLog?.[i];
    if (typeof r.trace !== 'string' || logged === undefined) return;
    runs.push({
      id: `run-${logged.index}`,
      title: `Run ${logged.index}: ${logged.faults.join(' ') || 'no faults'}`,
      role: 'good',
      status: logged.status,
      trace: readTrace(locate(dir, r.trace)),
      violations: [],
      vanished: [],
      gameIndex: logged.index,
      ...outcomesField(r.outcomes),
    });
  });
  const params = v.params as ReportInput['params'];
  return {
    kind: 'verify',
    spec: v.spec,
    ...(typeof v.specFile === 'string' ? { specFile: v.specFile } : {}),
    verdict: v.verdict,
    ...(typeof v.reason === 'string' ? { reason: v.reason } : {}),
    ...(params === undefined ? {} : { params }),
    ...(typeof v.runs === 'number' ? { runsExecuted: v.runs } : {}),
    ...(typeof v.combinations === 'number' ? { combinations: v.combinations } : {}),
    ...(typeof v.seconds === 'number' ? { seconds: v.seconds } : {}),
    ...(runLog === undefined ? {} : { runLog }),
    ...(typeof v.goodOutcomes === 'object' && v.goodOutcomes !== null
      ? { goodOutcomes: v.goodOutcomes as Record<string, Tuple[]> }
      : {}),
    runs,
    ...(goodRun === undefined ? {} : { goodRun }),
  };
}

/** The game's run log, checked entry by entry (a hand-edited summary names the bad entry). */
function readRunLog(entries: unknown[], file: string): NonNullable<ReportInput['runLog']> {
  return entries.map((r, i) => {
    const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    if (
      typeof o.index !== 'number' ||
      !Array.isArray(o.faults) ||
      !o.faults.every((f) => typeof f === 'string') ||
      typeof o.status !== 'string'
    )
      throw new ReportDataError(
        `${file}: runLog[${i}] must have a numeric index, faults as strings and a status`,
      );
    return {
      index: o.index,
      faults: o.faults as string[],
      status: o.status,
      added: typeof o.added === 'number' ? o.added : 0,
    };
  });
}

function loadRun(file: string): ReportInput {
  const trace = readTrace(file);
  const stem = basename(file).slice(0, -'.trace.jsonl'.length);
  const resultFile = join(dirname(file), `${stem}.result.json`);
  const r = existsSync(resultFile) ? readJson(resultFile) : {};
  const violations = Array.isArray(r.violations)
    ? (r.violations as {
        guarantee: string;
        message: string;
        eventId?: number;
        missing?: Tuple[];
      }[])
    : [];
  // Without the run's result file the verdict is unknown: the page says so rather than guess.
  const status = typeof r.status === 'string' ? r.status : 'trace only';
  const run: ReportRun = {
    id: stem.replace(/[^A-Za-z0-9_-]+/g, '-'),
    title:
      trace.source === 'runtime'
        ? `${trace.header.spec}, real run`
        : `${trace.header.spec}, seed ${trace.header.seed}`,
    role: 'run',
    status,
    trace,
    violations: violations.map((x) => ({
      guarantee: x.guarantee,
      message: x.message,
      ...(typeof x.eventId === 'number' ? { eventId: x.eventId } : {}),
    })),
    vanished: violations.flatMap((x) => x.missing ?? []),
    ...outcomesField(r.outcomes),
    ...(typeof r.reproduce === 'string' ? { reproduce: r.reproduce } : {}),
  };
  return {
    kind: 'run',
    spec: trace.header.spec,
    ...(typeof r.specFile === 'string' ? { specFile: r.specFile } : {}),
    verdict: status,
    ...(typeof r.error === 'string' ? { reason: r.error } : {}),
    runs: [run],
  };
}

function outcomesField(v: unknown): { outcomes?: Record<string, OutcomeTuples> } {
  return typeof v === 'object' && v !== null
    ? { outcomes: v as Record<string, OutcomeTuples> }
    : {};
}
