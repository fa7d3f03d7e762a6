import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { describeFault, type FaultPlan } from '../core/fault.js';
import type { RunResult } from '../sim/result.js';
import type { Trace } from '../sim/trace.js';
import { UsageError } from './errors.js';

/** Writes one line to stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** `--out DIR`, or `cadre-out/<spec name>` (the name made safe for a path). Created if missing. */
export function outputDir(out: string | undefined, specName: string): string {
  const dir = out ?? join('cadre-out', specName.replace(/[^A-Za-z0-9._-]+/g, '-'));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create output directory ${dir}: ${(e as Error).message}`);
  }
  return dir;
}

/** A path for messages: relative to the working directory when that is shorter. */
export function showPath(path: string): string {
  // Relative only inside the working directory: `../x` paths would depend on where cwd is.
  const rel = relative(process.cwd(), path);
  return rel.length > 0 && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** What {@link writeTrace} wrote. */
export interface WrittenTrace {
  readonly file: string;
  /** SHA-256 of the file, hex: equals `trace.hash()`. Equal hashes mean byte-identical traces. */
  readonly sha256: string;
  readonly events: number;
  readonly messages: number;
}

/** Writes a trace as JSON lines (docs/guide/cli.md describes the format), hashing as it goes. */
export function writeTrace(file: string, trace: Trace): WrittenTrace {
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  try {
    let chunk: string[] = [];
    let size = 0;
    const flush = () => {
      const text = chunk.join('');
      hash.update(text);
      writeSync(fd, text);
      chunk = [];
      size = 0;
    };
    for (const line of trace.toJsonLines()) {
      chunk.push(line, '\n');
      size += line.length + 1;
      if (size >= 1 << 20) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return {
    file,
    sha256: hash.digest('hex'),
    events: trace.eventCount,
    messages: trace.messageCount,
  };
}

/** Writes `value` as indented JSON. */
export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a fault plan as `{"faults": [...]}` with one fault per line (easy to edit by hand). */
export function writePlan(file: string, plan: FaultPlan): void {
  const lines = plan.faults.map((f) => `    ${JSON.stringify(f)}`);
  const body = lines.length === 0 ? '[]' : `[\n${lines.join(',\n')}\n  ]`;
  writeFileSync(file, `{\n  "faults": ${body}\n}\n`);
}

/** The summary of one run written next to its trace: everything but the live world view. */
export function runSummary(result: RunResult, extra: Record<string, unknown>): unknown {
  return {
    spec: result.spec,
    seed: result.seed,
    status: result.status,
    ...(result.error === undefined ? {} : { error: result.error }),
    violations: result.violations,
    plan: result.plan,
    endTime: result.endTime,
    stats: result.stats,
    crashed: result.crashed,
    facts: result.facts,
    history: result.history,
    ...extra,
  };
}

/** The command that reproduces a run: `npx cadre replay SPEC --seed N [--plan FILE]`. */
export function reproduceCommand(
  specFile: string,
  seed: number,
  planFile?: string,
  eot?: number,
): string {
  const plan = planFile === undefined ? '' : ` --plan ${shellQuote(planFile)}`;
  const end = eot === undefined ? '' : ` --eot ${eot}`;
  return `npx cadre replay ${shellQuote(specFile)} --seed ${seed}${plan}${end}`;
}

/** Quotes a word for POSIX shells when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `O(a,b,1) C(a,2)`, or `none`. */
export function describePlan(plan: FaultPlan): string {
  return plan.faults.length === 0 ? 'none' : plan.faults.map(describeFault).join(' ');
}

/** `1,234` — fixed formatting, whatever the locale. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `12,345 events in 0.52 s (23,700 events/s)`. */
export function throughput(events: number, ms: number): string {
  const rate = ms > 0 ? (events * 1000) / ms : 0;
  const rounded = rate >= 1000 ? Math.round(rate / 100) * 100 : Math.round(rate);
  return `${count(events)} events in ${seconds(ms)} (${count(rounded)} events/s)`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
