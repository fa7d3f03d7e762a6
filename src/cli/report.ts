import { spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Spec } from '../core/spec.js';
import type { Tuple } from '../core/value.js';
import { gameRunner } from '../ldfi/strategies.js';
import type { LdfiResult } from '../ldfi/verify.js';
import { graphvizLayout } from '../report/graphviz.js';
import { renderReport } from '../report/html.js';
import { loadReportInput } from '../report/load.js';
import type { ReportInput } from '../report/report-input.js';
import { ReportDataError } from '../report/trace-data.js';
import { EXIT_PASS, UsageError } from './errors.js';
import { say, showPath, writeTrace } from './output.js';
import { outcomeTuples } from './run-report.js';

/** Options of `cadre report`. */
export interface ReportCliOptions {
  /** Where to write the page. Default: `report.html` in a verify directory, `<stem>.report.html`
   * next to a trace file. */
  readonly out?: string;
  /** Open the page in the default browser afterwards. */
  readonly open?: boolean;
}

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  readonly file: string;
  /** The DOT and JSON exports next to it. */
  readonly exports: readonly string[];
  readonly bytes: number;
}

/** `cadre report DATA [--out FILE] [--open]`: renders saved run data as one HTML page. */
export async function reportCommand(data: string, options: ReportCliOptions): Promise<number> {
  const input = loadOrExplain(data);
  const out = options.out ?? defaultReportPath(data);
  const written = await writeReport(input, out);
  say(
    `wrote report ${showPath(written.file)} (${kib(written.bytes)}, ${written.exports.length} export files)`,
  );
  if (options.open === true) openInBrowser(written.file);
  return EXIT_PASS;
}

/** Renders `input` to `file` and its DOT/JSON exports next to it
 * (`<stem>.exports/<run>.lamport.dot`…). */
export async function writeReport(input: ReportInput, file: string): Promise<WrittenReport> {
  const layout = await graphvizLayout();
  const stem = basename(file).replace(/\.html?$/, '');
  const rendered = renderReport(input, { layout, exportStem: stem });
  try {
    writeFileSync(file, rendered.html);
    const exports = rendered.files.map((f) => {
      const path = join(dirname(file), f.name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content);
      return path;
    });
    return { file, exports, bytes: Buffer.byteLength(rendered.html) };
  } catch (e) {
    throw new UsageError(`cannot write the report ${file}: ${(e as Error).message}`);
  }
}

/** Writes the report of saved run data (a verify directory or a trace file) and says where;
 * used by `cadre verify` and `cadre simulate` after they save their data. */
export async function writeReportOf(data: string, file: string): Promise<string> {
  const written = await writeReport(loadOrExplain(data), file);
  say(`report: ${showPath(written.file)}`);
  return written.file;
}

/** Most runs of an LDFI game re-run with the trace on for the report (the failure-free run and
 * the counterexamples are always there); beyond it the runs table still lists every run. */
export const GAME_RUN_TRACES_MAX = 30;

/** A run of the game re-run for the report: where its trace went and its outcome tuples. */
export interface TracedGameRun {
  readonly trace: string;
  readonly outcomes: Record<string, { pre: readonly Tuple[]; post: readonly Tuple[] }>;
}

/**
 * Re-runs the runs of an LDFI game other than the failure-free run and the counterexamples (the
 * game keeps no trace of them) with the trace on, up to {@link GAME_RUN_TRACES_MAX}, and writes
 * `run-K.trace.jsonl` into `dir`. A run is a pure function of (spec, seed, plan), so this is the
 * run the game saw. Returns the traced runs by game index.
 */
export function traceGameRuns(
  spec: Spec<unknown>,
  result: LdfiResult,
  dir: string,
): Map<number, TracedGameRun> {
  const run = gameRunner(spec, result.params.eot, result.goodOutcomes);
  const out = new Map<number, TracedGameRun>();
  for (const r of result.runLog) {
    if (r.index === 0 || r.status === 'counterexample') continue;
    if (out.size >= GAME_RUN_TRACES_MAX) break;
    const traced = run(r.faults, true);
    if (traced.trace === undefined) continue;
    const file = writeTrace(join(dir, `run-${r.index}.trace.jsonl`), traced.trace).file;
    out.set(r.index, { trace: file, outcomes: outcomeTuples(traced) });
  }
  return out;
}

function loadOrExplain(data: string): ReportInput {
  try {
    return loadReportInput(data);
  } catch (e) {
    if (e instanceof ReportDataError) throw new UsageError(e.message);
    throw e;
  }
}

function defaultReportPath(data: string): string {
  if (statSync(data).isDirectory()) return join(data, 'report.html');
  if (basename(data) === 'verify.json') return join(dirname(data), 'report.html');
  return join(dirname(data), `${basename(data).replace(/\.trace\.jsonl$/, '')}.report.html`);
}

function kib(bytes: number): string {
  return bytes < 1 << 20
    ? `${(bytes / 1024).toFixed(0)} KiB`
    : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/** Hands the file to the desktop's opener; a machine without one just gets the path printed. */
function openInBrowser(file: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [file], { detached: true, stdio: 'ignore' });
    child.on('error', () => say(`could not run ${command}; open ${file} in a browser`));
    child.unref();
  } catch {
    say(`could not run ${command}; open ${file} in a browser`);
  }
}
