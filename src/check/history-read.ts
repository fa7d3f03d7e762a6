import type { HistoryEvent, HistoryEventType, OpValue } from '../core/history.js';
import { type Edn, EdnError, readEdn } from './edn.js';

/** The history formats {@link parseHistory} reads. */
export type HistoryFormat = 'jepsen-log' | 'edn' | 'jsonl' | 'json';

/** A malformed history file: the message names the source, the line and what was expected. */
export class HistoryParseError extends Error {
  override readonly name = 'HistoryParseError';
  constructor(
    readonly source: string,
    readonly line: number,
    what: string,
  ) {
    super(`${source}:${line}: ${what}`);
  }
}

/** Options of {@link parseHistory}. */
export interface ParseOptions {
  /** Name of the input in error messages (a file path). Default `history`. */
  readonly source?: string;
  /** Default: guessed by {@link detectFormat}. */
  readonly format?: HistoryFormat;
}

const TYPES: ReadonlySet<string> = new Set(['invoke', 'ok', 'fail', 'info']);

/**
 * The format of a history text, from its first non-blank line: `{:` starts EDN maps, `{"` JSON
 * lines, `[` a JSON array, anything else Jepsen log lines. A whole-file JSON object (a `cadre`
 * run summary with a `history` field) is `json`.
 */
export function detectFormat(text: string): HistoryFormat {
  const first =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  if (first.startsWith('[')) return 'json';
  if (/^\{\s*:/.test(first)) return 'edn';
  if (first.startsWith('{')) {
    // One object per line is JSON lines; an object spread over lines is one JSON document.
    try {
      JSON.parse(first);
      return 'jsonl';
    } catch {
      return 'json';
    }
  }
  return 'jepsen-log';
}

/**
 * Reads a history:
 *
 * - `jepsen-log`: `INFO  jepsen.util - <process> :invoke|:ok|:fail|:info :<f> <value>` (tabs or
 *   spaces; the log prefix is optional). Lines from other loggers are skipped, and so are the
 *   `:nemesis` process's lines (fault injection, not client operations; also in EDN).
 * - `edn`: one Jepsen op map per line, `{:process 0, :type :invoke, :f :get, :key "k", :value nil}`.
 * - `jsonl`: one object per line, `{"process": "c1", "type": "invoke", "f": "read", "value": null}`.
 * - `json`: an array of such objects, or an object with a `history` array (a run summary).
 *
 * `time` is read when given, else it is the event's position. A `key` field (EDN or JSON) is
 * folded into the value as `[key, value]`, the convention of the kv model. Completions are paired
 * with their process's open invocation. Throws {@link HistoryParseError} naming the line for a
 * malformed line, an unknown type, a completion with nothing open, or a second invoke while one
 * is open. Keywords become plain strings in `type`, `f` and `process`, and keep their `:` in
 * values (so `:timed-out` reads as `":timed-out"`).
 */
export function parseHistory(text: string, options: ParseOptions = {}): HistoryEvent[] {
  const source = options.source ?? 'history';
  const format = options.format ?? detectFormat(text);
  const builder = new Builder(source);
  if (format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new HistoryParseError(source, 1, `expected a JSON document: ${(e as Error).message}`);
    }
    const list = Array.isArray(doc) ? doc : (doc as { history?: unknown } | null)?.history;
    if (!Array.isArray(list)) {
      throw new HistoryParseError(
        source,
        1,
        'expected a JSON array or an object with a "history" array',
      );
    }
    // Element numbers stand in for line numbers: a JSON document has no line per event.
    list.forEach((item: unknown, i) => {
      builder.add(i + 1, fromObject(item, source, i + 1, 'element'));
    });
    return builder.events;
  }
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const n = i + 1;
    if (format === 'jsonl') {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        throw new HistoryParseError(source, n, `expected a JSON object: ${(e as Error).message}`);
      }
      builder.add(n, fromObject(obj, source, n, 'line'));
    } else if (format === 'edn') {
      const op = fromEdnMap(readLine(line, source, n), source, n);
      if (op !== undefined) builder.add(n, op);
    } else {
      const op = fromLogLine(line, source, n);
      if (op !== undefined) builder.add(n, op);
    }
  });
  return builder.events;
}

interface RawOp {
  readonly process: string;
  readonly type: string;
  readonly f: string;
  readonly value: OpValue;
  readonly time?: number;
}

function readLine(text: string, source: string, line: number): Edn {
  try {
    return readEdn(text);
  } catch (e) {
    if (e instanceof EdnError)
      throw new HistoryParseError(source, line, `malformed EDN at ${e.message}`);
    throw e;
  }
}

const LOG_PREFIX = /^(?:\S+\s+)*?(?:TRACE|DEBUG|INFO|WARN|ERROR)\s+([\w.$-]+)\s+-\s+(.*)$/;

function fromLogLine(line: string, source: string, n: number): RawOp | undefined {
  let body = line;
  const prefixed = LOG_PREFIX.exec(line);
  if (prefixed !== null) {
    if (prefixed[1] !== 'jepsen.util') return undefined; // another logger's line, not an op
    body = prefixed[2] as string;
  }
  const m = /^(\S+)\s+:(\S+)\s+:(\S+)\s*(.*)$/.exec(body);
  if (m === null) {
    throw new HistoryParseError(
      source,
      n,
      `expected "<process> :invoke|:ok|:fail|:info :<f> <value>", found ${JSON.stringify(body.slice(0, 80))}`,
    );
  }
  const [, process, type, f, rest] = m as unknown as [string, string, string, string, string];
  if (process === ':nemesis') return undefined;
  const value = rest.trim() === '' ? null : toOpValue(readLine(rest, source, n));
  return { process: process.replace(/^:/, ''), type, f, value };
}

function fromEdnMap(edn: Edn, source: string, n: number): RawOp | undefined {
  if (edn === null || typeof edn !== 'object' || Array.isArray(edn)) {
    throw new HistoryParseError(source, n, 'expected an op map {:process … :type … :f … :value …}');
  }
  const map = edn as { readonly [key: string]: Edn };
  const get = (k: string) => map[`:${k}`];
  const name = (k: string): string => {
    const v = get(k);
    if (typeof v === 'string') return v.replace(/^:/, '');
    if (typeof v === 'number') return String(v);
    throw new HistoryParseError(
      source,
      n,
      `expected :${k} (a keyword, string or number), found ${JSON.stringify(v ?? null)}`,
    );
  };
  if (get('process') === ':nemesis') return undefined; // fault injection, not a client op
  const value = toOpValue(get('value') ?? null);
  const key = get('key');
  const time = get('time');
  return {
    process: name('process'),
    type: name('type'),
    f: name('f'),
    value: key === undefined ? value : [toOpValue(key), value],
    ...(typeof time === 'number' ? { time } : {}),
  };
}

function fromObject(obj: unknown, source: string, n: number, unit: string): RawOp {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new HistoryParseError(
      source,
      n,
      `${unit} ${n}: expected an object {process, type, f, value}`,
    );
  }
  const o = obj as { [key: string]: unknown };
  const text = (k: string): string => {
    const v = o[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && k === 'process') return String(v);
    throw new HistoryParseError(
      source,
      n,
      `${unit} ${n}: expected "${k}" to be a non-empty string, found ${JSON.stringify(v ?? null)}`,
    );
  };
  const value = (o.value ?? null) as OpValue;
  return {
    process: text('process'),
    type: text('type'),
    f: text('f'),
    value: o.key === undefined ? value : [o.key as OpValue, value],
    ...(typeof o.time === 'number' ? { time: o.time } : {}),
  };
}

function toOpValue(edn: Edn): OpValue {
  return edn as OpValue;
}

/** Pairs completions with invocations per process and numbers the events. */
class Builder {
  readonly events: HistoryEvent[] = [];
  readonly #open = new Map<string, { index: number; line: number; f: string }>();
  constructor(readonly source: string) {}

  add(line: number, op: RawOp): void {
    const fail = (what: string): never => {
      throw new HistoryParseError(this.source, line, what);
    };
    if (!TYPES.has(op.type)) {
      fail(`unknown type ${JSON.stringify(op.type)}: expected invoke, ok, fail or info`);
    }
    const index = this.events.length;
    const time = op.time ?? index;
    const base = { index, process: op.process, f: op.f, value: op.value, time };
    const open = this.#open.get(op.process);
    if (op.type === 'invoke') {
      if (open !== undefined) {
        fail(
          `duplicate invoke: process ${op.process} already has ${open.f} open (line ${open.line})`,
        );
      }
      this.#open.set(op.process, { index, line, f: op.f });
      this.events.push({ ...base, type: 'invoke' });
      return;
    }
    if (open === undefined) fail(`unmatched ${op.type}: process ${op.process} has no open invoke`);
    const o = open as { index: number; line: number; f: string };
    if (o.f !== op.f)
      fail(`${op.type} of ${op.f} completes process ${op.process}'s ${o.f} (line ${o.line})`);
    this.#open.delete(op.process);
    this.events.push({ ...base, type: op.type as HistoryEventType, invokeIndex: o.index });
  }
}
