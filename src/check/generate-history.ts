import type { HistoryEvent, OpValue } from '../core/history.js';
import { Prng } from '../sim/prng.js';

/** The workloads {@link generateHistory} can produce. */
export type GeneratedWorkload = 'register' | 'cas-register' | 'kv';

/** Options of {@link generateHistory}. Times are abstract units. */
export interface GenerateOptions {
  readonly workload: GeneratedWorkload;
  /** Operations in the history. */
  readonly ops: number;
  /** Concurrent clients, each with one operation open at a time. */
  readonly clients: number;
  /** Keys (kv only). Default 1. */
  readonly keys?: number;
  readonly seed: number;
  /** Probability that an operation completes as `info` (then it took effect or not, at random).
   * Default 0. */
  readonly infoRate?: number;
  /** Longest operation duration. Default 10 (with think times up to 5, so about two thirds of
   * the clients have an operation open at any time: realistic overlap). */
  readonly durationMax?: number;
  /** Distinct values written. Default 5 (small, so reads and CAS often match). */
  readonly values?: number;
}

interface Planned {
  readonly process: string;
  readonly f: string;
  readonly input: OpValue;
  output: OpValue;
  ok: boolean;
  readonly call: number;
  readonly ret: number;
  /** The linearisation point, inside (call, ret). */
  readonly at: number;
  readonly info: boolean;
  /** For info operations: whether it took effect. */
  readonly effective: boolean;
}

/**
 * A history that is linearizable by construction: clients issue operations at random times, each
 * takes effect at a random point inside its interval, and results come from running the
 * operations in the order of those points on a sequential store. A `cas` whose expected value does
 * not match completes as `fail`; info operations take effect or not, at random. Used by the tests
 * (mutated, it must fail) and the benchmark. Deterministic in `seed`.
 */
export function generateHistory(options: GenerateOptions): HistoryEvent[] {
  const rng = new Prng(options.seed);
  const keys = options.keys ?? 1;
  const durationMax = options.durationMax ?? 10;
  const values = options.values ?? 5;
  const infoRate = options.infoRate ?? 0;
  const clock = new Float64Array(options.clients);
  for (let c = 0; c < options.clients; c++) clock[c] = rng.next() * durationMax;
  const planned: Planned[] = [];
  for (let n = 0; n < options.ops; n++) {
    // The client whose next operation starts earliest (keeps per-client operations sequential).
    let c = 0;
    for (let k = 1; k < options.clients; k++)
      if ((clock[k] as number) < (clock[c] as number)) c = k;
    const call = clock[c] as number;
    const ret = call + 0.01 + rng.next() * durationMax;
    clock[c] = ret + 0.01 + rng.next() * (durationMax / 2);
    const value = rng.int(1, values);
    const key = `k${rng.int(0, keys - 1)}`;
    const roll = rng.next();
    const cas = options.workload !== 'register';
    const f = roll < 0.5 ? 'read' : cas && roll < 0.75 ? 'cas' : 'write';
    const arg: OpValue = f === 'read' ? null : f === 'cas' ? [rng.int(1, values), value] : value;
    const info = rng.chance(infoRate);
    planned.push({
      process: `c${c}`,
      f,
      input: options.workload === 'kv' ? [key, arg] : arg,
      output: null,
      ok: true,
      call,
      ret,
      at: call + (ret - call) * (0.001 + 0.998 * rng.next()),
      info,
      effective: !info || rng.chance(0.5),
    });
  }
  // Run the operations in linearisation order on a sequential store to get their results.
  const store = new Map<string, OpValue>();
  for (const op of [...planned].sort((a, b) => a.at - b.at)) {
    if (!op.effective) continue;
    const [key, arg] = options.workload === 'kv' ? (op.input as [string, OpValue]) : ['', op.input];
    const current = store.get(key) ?? null;
    const wrap = (v: OpValue): OpValue => (options.workload === 'kv' ? [key, v] : v);
    if (op.f === 'read') op.output = wrap(current);
    else if (op.f === 'write') {
      store.set(key, arg);
      op.output = wrap(arg);
    } else {
      const [from, to] = arg as [OpValue, OpValue];
      op.ok = current === from;
      if (op.ok) store.set(key, to);
      op.output = op.input;
    }
  }
  return toEvents(planned);
}

function toEvents(planned: readonly Planned[]): HistoryEvent[] {
  const marks: { time: number; op: Planned; complete: boolean }[] = [];
  for (const op of planned) {
    marks.push({ time: op.call, op, complete: false });
    marks.push({ time: op.ret, op, complete: true });
  }
  marks.sort((a, b) => a.time - b.time || Number(a.complete) - Number(b.complete));
  const events: HistoryEvent[] = [];
  const invokeAt = new Map<Planned, number>();
  for (const { time, op, complete } of marks) {
    const index = events.length;
    if (!complete) {
      invokeAt.set(op, index);
      events.push({ index, type: 'invoke', process: op.process, f: op.f, value: op.input, time });
      continue;
    }
    const type = op.info ? 'info' : op.ok ? 'ok' : 'fail';
    const value = type === 'ok' ? op.output : op.input;
    const invokeIndex = invokeAt.get(op) as number;
    events.push({ index, type, process: op.process, f: op.f, value, time, invokeIndex });
  }
  return events;
}
