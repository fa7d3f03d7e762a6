/**
 * Layer overhead measured in pairs (issue 5's 1.3x target): raw lmdb, LmdbKV and
 * PrefixKV-over-LmdbKV do the same work in alternating chunks, with the order rotated every chunk,
 * so machine load hits all of them alike (bench/storage.ts runs each store separately, and on a
 * shared machine its ratios drift).
 *
 * Fairness: the raw rows open lmdb with exactly LmdbKV's options (binary keys and values, 16 KiB
 * pages, 1 GiB map, `overlappingSync: false` so every commit is fsync'd before it returns, no
 * cache), and one batch is one `transactionSync` on both sides. The layered rows build their
 * `BatchOp` arrays inside the timed region (a caller has to), the raw rows call `putSync` in a loop.
 *
 * Workloads: N sequential puts in batches of 1000 into fresh stores, then N puts in a shuffled
 * order (overwrites) in batches of 1000; then point gets and 100-entry scans over the N keys.
 * A warm-up pass on N/10 keys comes first (JIT). Each of PASSES passes uses fresh stores; per
 * pass it prints layered time / raw time (1.00x = no overhead), in wall-clock time and in CPU time
 * of this process, and at the end the median and the range over passes.
 *
 * Usage: node --import tsx bench/storage-paired.ts [N=200000] [PASSES=5]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbKV } from '../src/storage/backends/lmdb-kv.js';
import { PrefixKV } from '../src/storage/layers/prefix-kv.js';
import type { BatchOp, OrderedKV } from '../src/storage/ordered-kv.js';
import { shuffled } from './shuffled.js';
import { openRawLmdb, rawScan } from './storage-raw-lmdb.js';

let N = Number(process.argv[2] ?? 200_000);
const PASSES = Number(process.argv[3] ?? 5);
const BATCH = 1000;
/** Operations per timed chunk (one batch): each subject runs one chunk, then the next one. */
const CHUNK = 1000;
const SCAN = 100;
const keys = Array.from({ length: N }, (_, i) => Buffer.from(`k${String(i).padStart(8, '0')}`));
const value = Buffer.alloc(100, 0x76);

const sequential = Array.from({ length: N }, (_, i) => i);
const randomOrder = shuffled(N, 42);
const getOrder = shuffled(N, 7);

interface Subject {
  readonly name: string;
  putBatch(order: readonly number[], from: number): void;
  get(i: number): unknown;
  scan(i: number): number;
  close(): void;
}

/** Raw lmdb with LmdbKV's exact options, in the root database as LmdbKV; `named` writes into a
 * named sub-database instead (a diagnostic row: what LmdbKV's earlier layout cost by itself). */
function rawLmdb(dir: string, named: boolean): Subject {
  const root = openRawLmdb(dir);
  const db = named
    ? root.openDB<Buffer, Buffer>('data', {
        encoding: 'binary',
        keyEncoding: 'binary',
        cache: false,
      })
    : root;
  return {
    name: named ? 'raw lmdb, named sub-DB (the earlier LmdbKV layout)' : 'raw lmdb',
    putBatch: (order, from) =>
      root.transactionSync(() => {
        for (let i = from; i < from + BATCH; i++)
          db.putSync(keys[order[i] as number] as Buffer, value);
      }),
    get: (i) => db.getBinary(keys[i] as Buffer),
    scan: (i) => rawScan(db, keys[i] as Buffer, SCAN),
    close: () => {
      void root.close();
    },
  };
}

function layered(name: string, kv: OrderedKV, close: () => void): Subject {
  return {
    name,
    putBatch: (order, from) => {
      const ops: BatchOp[] = new Array(BATCH);
      for (let j = 0; j < BATCH; j++) {
        ops[j] = { type: 'put', key: keys[order[from + j] as number] as Buffer, value };
      }
      kv.batch(ops);
    },
    get: (i) => kv.get(keys[i] as Buffer),
    scan: (i) => kv.range({ start: keys[i] as Buffer, limit: SCAN }).length,
    close,
  };
}

function openSubjects(dirs: string[]): Subject[] {
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'cadre-paired-'));
    dirs.push(d);
    return d;
  };
  const kv = LmdbKV.open(fresh());
  const base = LmdbKV.open(fresh());
  return [
    rawLmdb(fresh(), false),
    rawLmdb(fresh(), true),
    layered('LmdbKV', kv, () => kv.close()),
    layered('PrefixKV over LmdbKV', new PrefixKV(base, Buffer.from('ns/')), () => base.close()),
  ];
}

/**
 * Runs `work(subject, from)` chunk by chunk, rotating which subject goes first in each chunk.
 * Returns, per subject, wall milliseconds and CPU milliseconds (user + system of this process:
 * unlike wall time it does not count the time other jobs on the machine hold the CPU, nor waits
 * for the disk).
 */
function paired(
  subjects: Subject[],
  work: (s: Subject, from: number) => void,
  step: number,
): { wall: number[]; cpu: number[]; written: number[] } {
  const wall = subjects.map(() => 0);
  const cpu = subjects.map(() => 0);
  const written = subjects.map(() => 0);
  let rotation = 0;
  for (let c = 0; c + CHUNK <= N; c += CHUNK) {
    for (let k = 0; k < subjects.length; k++) {
      const at = (k + rotation) % subjects.length;
      const w0 = bytesWritten();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let from = c; from < c + CHUNK; from += step) work(subjects[at] as Subject, from);
      wall[at] = (wall[at] as number) + performance.now() - t0;
      const used = process.cpuUsage(c0);
      cpu[at] = (cpu[at] as number) + (used.user + used.system) / 1000;
      written[at] = (written[at] as number) + bytesWritten() - w0;
    }
    rotation++;
  }
  return { wall, cpu, written };
}

/**
 * Bytes this process has passed to write syscalls (Linux `/proc/self/io` wchar; 0 elsewhere).
 * Deterministic where timings are not: it shows what each layout writes per commit.
 */
function bytesWritten(): number {
  if (!existsSync('/proc/self/io')) return 0;
  const line = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return line === null ? 0 : Number(line[1]);
}

type Clock = 'wall' | 'cpu';
const WORKLOADS = ['seq puts', 'random puts', 'point gets', 'range scans'] as const;

/** One pass over fresh stores: per workload, wall and CPU ms per subject. */
function runPass(): {
  names: string[];
  times: { wall: number[]; cpu: number[]; written: number[] }[];
} {
  const dirs: string[] = [];
  const subjects = openSubjects(dirs);
  try {
    const inRange = (order: readonly number[]) => order.filter((i) => i < N);
    const seq = sequential.slice(0, N);
    const rnd = inRange(randomOrder);
    const gets = inRange(getOrder);
    const times = [
      paired(subjects, (s, from) => s.putBatch(seq, from), BATCH),
      paired(subjects, (s, from) => s.putBatch(rnd, from), BATCH),
      paired(
        subjects,
        (s, from) => {
          for (let i = from; i < from + BATCH; i++) {
            if (s.get(gets[i] as number) === undefined) throw new Error(`${s.name}: key missing`);
          }
        },
        BATCH,
      ),
      paired(subjects, (s, from) => s.scan(Math.min(from, N - SCAN)), SCAN),
    ];
    return { names: subjects.map((s) => s.name), times };
  } finally {
    for (const s of subjects) s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const cell = (xs: number[]) =>
  `${median(xs).toFixed(2)}x (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

const fullN = N;
N = Math.max(CHUNK, Math.floor(fullN / 10 / CHUNK) * CHUNK);
runPass(); // warm-up
N = fullN;
console.log(
  `N = ${N.toLocaleString('en')}, ${PASSES} passes, batches of ${BATCH}, interleaved per batch; load average at start ${load()}`,
);
/** ratios[clock][workload][subject]: one ratio (layered / raw) per pass. */
const ratios: Record<Clock, number[][][]> = { wall: [], cpu: [] };
let names: string[] = [];
/** Bytes written per 1000-put commit of the sequential puts, per subject, from the last pass. */
let writtenPerCommit: number[] = [];
for (let pass = 1; pass <= PASSES; pass++) {
  const result = runPass();
  names = result.names;
  writtenPerCommit = (result.times[0] as { written: number[] }).written.map(
    (bytes) => bytes / (N / BATCH),
  );
  for (const clock of ['wall', 'cpu'] as const) {
    const perWorkload = result.times.map((t) => t[clock].map((x) => x / (t[clock][0] as number)));
    perWorkload.forEach((row, w) => {
      ratios[clock][w] ??= names.map(() => []);
      row.forEach((r, s) => {
        ratios[clock][w]![s]!.push(r);
      });
    });
    const raw = result.times.map((t) => (t[clock][0] as number).toFixed(0)).join(', ');
    const text = perWorkload
      .map((row, w) => `${WORKLOADS[w]} ${row.map((r) => r.toFixed(2)).join('/')}`)
      .join('  ');
    console.log(`pass ${pass} ${clock.padEnd(4)}: ${text}   (raw ms: ${raw})`);
  }
}
for (const clock of ['wall', 'cpu'] as const) {
  console.log('');
  console.log(
    `Slowdown vs raw lmdb, ${clock === 'wall' ? 'wall-clock' : 'CPU'} time (layered / raw): median (min–max) over ${PASSES} passes`,
  );
  console.log('');
  console.log(`| store | ${WORKLOADS.join(' | ')} |`);
  console.log(`|---|${WORKLOADS.map(() => '---').join('|')}|`);
  for (let s = 1; s < names.length; s++) {
    console.log(
      `| ${names[s]} | ${WORKLOADS.map((_, w) => cell(ratios[clock][w]![s]!)).join(' | ')} |`,
    );
  }
}
console.log('');
console.log('Bytes passed to write() per commit of 1000 sequential puts (last pass):');
names.forEach((name, s) => {
  console.log(`  ${name}: ${((writtenPerCommit[s] as number) / 1024).toFixed(1)} KiB`);
});
console.log('');
console.log(`load average at end ${load()}`);
