/**
 * Linearizability checker benchmark (issue 6, item 6).
 *
 *   node --expose-gc --import tsx bench/linearizability.ts [--reps R]
 *
 * Histories come from `generateHistory`: clients issue operations at random times, each taking
 * effect at a random point inside its interval (so roughly two thirds of the clients have an
 * operation open at any moment), with results from a sequential run; CAS operations whose
 * expected value does not match complete as `fail`. Values are drawn from 1..5 so reads and CAS
 * often match, as in Jepsen's register tests. Each history is generated once (seeded) and
 * checked R times; the best time is reported with the search steps and the heap in use after the
 * check minus before it (after a forced GC; the result still referenced). The two issue targets are
 * marked; the exit code is 1 when one is missed. Rows that answer `unknown` ran into the default
 * memo bound (`memoMax`): that is the checker declining to run out of memory, as designed.
 *
 * Wall-clock time (performance.now) is fine here: the benchmark is not part of the checker.
 */
import { performance } from 'node:perf_hooks';
import {
  type AnyModel,
  casRegisterModel,
  checkHistory,
  type GeneratedWorkload,
  generateHistory,
  type HistoryEvent,
  kvModel,
  type OpValue,
} from '../src/index.js';

interface Row {
  readonly workload: GeneratedWorkload;
  readonly ops: number;
  readonly clients: number;
  readonly keys: number;
  readonly infoRate: number;
  /** Change one `ok` read, 70% of the way through, to a value never written: the checker must
   * refute the history (the verdict column shows it did). */
  readonly mutate?: boolean;
  /** Target in seconds, when the issue sets one. */
  readonly target?: number;
}

const rows: readonly Row[] = [
  { workload: 'cas-register', ops: 1_000, clients: 5, keys: 1, infoRate: 0 },
  { workload: 'cas-register', ops: 10_000, clients: 10, keys: 1, infoRate: 0, target: 1 },
  { workload: 'cas-register', ops: 10_000, clients: 10, keys: 1, infoRate: 0.01 },
  { workload: 'cas-register', ops: 10_000, clients: 50, keys: 1, infoRate: 0 },
  { workload: 'cas-register', ops: 1_000, clients: 50, keys: 1, infoRate: 0 },
  { workload: 'cas-register', ops: 100_000, clients: 10, keys: 1, infoRate: 0 },
  { workload: 'kv', ops: 1_000, clients: 5, keys: 10, infoRate: 0 },
  { workload: 'kv', ops: 10_000, clients: 10, keys: 100, infoRate: 0 },
  { workload: 'kv', ops: 100_000, clients: 50, keys: 1_000, infoRate: 0, target: 2 },
  { workload: 'kv', ops: 100_000, clients: 50, keys: 1_000, infoRate: 0.01 },
  { workload: 'kv', ops: 100_000, clients: 10, keys: 1, infoRate: 0 },
  { workload: 'cas-register', ops: 10_000, clients: 10, keys: 1, infoRate: 0, mutate: true },
  { workload: 'kv', ops: 100_000, clients: 50, keys: 1_000, infoRate: 0, mutate: true },
];

/** The history with one read, 70% of the way through, returning a value no one wrote. */
function mutated(history: HistoryEvent[], kv: boolean): HistoryEvent[] {
  const reads = history.filter((e) => e.type === 'ok' && e.f === 'read');
  const victim = reads[Math.floor(reads.length * 0.7)];
  const never = 1_000_000;
  return history.map((e) =>
    e !== victim ? e : { ...e, value: kv ? [(e.value as OpValue[])[0] ?? null, never] : never },
  );
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
}

const reps = arg('--reps', 3);
const model = (w: GeneratedWorkload): AnyModel => (w === 'kv' ? kvModel() : casRegisterModel());

console.log(`node ${process.version}, best of ${reps}`);
console.log(
  '| workload | ops | clients | keys | info | mutated | verdict | steps | time | heap growth | target |',
);
console.log('|---|---:|---:|---:|---:|---|---|---:|---:|---:|---|');
let missed = 0;
for (const row of rows) {
  const generated = generateHistory({ ...row, seed: 42 });
  const history = row.mutate === true ? mutated(generated, row.workload === 'kv') : generated;
  let best = Number.POSITIVE_INFINITY;
  let verdict = '';
  let steps = 0;
  let heap = 0;
  for (let r = 0; r < reps; r++) {
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const result = checkHistory(model(row.workload), history);
    best = Math.min(best, (performance.now() - started) / 1000);
    verdict = result.verdict;
    steps = result.steps;
    heap = Math.max(heap, process.memoryUsage().heapUsed - before);
  }
  const ok =
    row.target === undefined
      ? ''
      : best < row.target
        ? `< ${row.target} s: met`
        : `< ${row.target} s: MISSED`;
  if (row.target !== undefined && best >= row.target) missed++;
  console.log(
    `| ${row.workload} | ${row.ops.toLocaleString('en-US')} | ${row.clients} | ${row.keys.toLocaleString('en-US')} | ${row.infoRate} | ${row.mutate === true ? 'yes' : 'no'} | ${verdict} | ${steps.toLocaleString('en-US')} | ${best.toFixed(3)} s | ${(heap / 2 ** 20).toFixed(0)} MiB | ${ok} |`,
  );
}
process.exitCode = missed > 0 ? 1 : 0;
