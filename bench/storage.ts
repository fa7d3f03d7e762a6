/**
 * Storage benchmark (issue 5): for each backend, N batched sequential puts, N batched random puts,
 * N random point gets and N entries read by range scans, next to the raw engine library doing the
 * same work, so the cost of Cadre's layers shows as a ratio (target: at most 1.3x).
 *
 * Rows: MemoryKV vs raw sorted-btree (latin1 keys); LmdbKV and PrefixKV-over-LmdbKV vs raw lmdb;
 * raw classic-level for the engine choice. Keys are `k%08d` (10 bytes), values 100 bytes; puts are
 * in batches of 1000, one durable (fsync'd) commit per batch on the disk engines; scans read 100
 * entries from a random start. Each store lives in a fresh temporary directory.
 *
 * Usage: node --import tsx bench/storage.ts [N] [ROUNDS]   (defaults 1,000,000 and 3; each figure is
 * the best of ROUNDS). Prints Markdown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { LmdbKV } from '../src/storage/backends/lmdb-kv.js';
import { BTree } from '../src/storage/btree.js';
import { fromKeyString, toKeyString } from '../src/storage/bytes.js';
import { PrefixKV } from '../src/storage/layers/prefix-kv.js';
import { MemoryKV } from '../src/storage/memory-kv.js';
import type { BatchOp, OrderedKV } from '../src/storage/ordered-kv.js';
import { shuffled } from './shuffled.js';
import { openRawLmdb, rawScan } from './storage-raw-lmdb.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BATCH = 1000;
const SCAN = 100;
const value = Buffer.alloc(100, 0x76);
const keys = Array.from({ length: N }, (_, i) => Buffer.from(`k${String(i).padStart(8, '0')}`));

const randomOrder = shuffled(N, 42);
const getOrder = shuffled(N, 7);
const scanStarts = shuffled(N, 9).slice(0, Math.ceil(N / SCAN));

/** The four workloads, for one store. Each returns when its work is done (and durable). */
interface Subject {
  readonly name: string;
  putBatch(indexes: readonly number[]): void | Promise<void>;
  get(i: number): unknown;
  scan(start: number): number | Promise<number>;
  clear(): void | Promise<void>;
  close(): void | Promise<void>;
}

function kvSubject(name: string, kv: OrderedKV, close: () => void): Subject {
  return {
    name,
    putBatch: (idx) =>
      kv.batch(idx.map((i): BatchOp => ({ type: 'put', key: keys[i] as Buffer, value }))),
    get: (i) => kv.get(keys[i] as Buffer),
    scan: (i) => kv.range({ start: keys[i] as Buffer, limit: SCAN }).length,
    clear: () => kv.deleteRange(Buffer.from('k'), Buffer.from('l')),
    close,
  };
}

function rawBTree(): Subject {
  let tree = new BTree<string, Uint8Array>();
  return {
    name: 'raw sorted-btree',
    putBatch: (idx) => {
      for (const i of idx) tree.set(toKeyString(keys[i] as Buffer), new Uint8Array(value));
    },
    get: (i) => {
      const v = tree.get(toKeyString(keys[i] as Buffer));
      return v === undefined ? undefined : new Uint8Array(v);
    },
    scan: (i) => {
      let n = 0;
      for (const [k, v] of tree.entries(toKeyString(keys[i] as Buffer))) {
        fromKeyString(k);
        new Uint8Array(v);
        if (++n >= SCAN) break;
      }
      return n;
    },
    clear: () => {
      tree = new BTree<string, Uint8Array>();
    },
    close: () => {},
  };
}

function rawLmdb(dir: string): Subject {
  const db = openRawLmdb(dir);
  return {
    name: 'raw lmdb 3.5.6',
    putBatch: (idx) =>
      db.transactionSync(() => {
        for (const i of idx) db.putSync(keys[i] as Buffer, value);
      }),
    get: (i) => db.getBinary(keys[i] as Buffer),
    scan: (i) => rawScan(db, keys[i] as Buffer, SCAN),
    clear: () =>
      db.transactionSync(() => {
        for (const k of [...db.getKeys()]) db.removeSync(k);
      }),
    close: () => {
      void db.close();
    },
  };
}

function rawLevel(dir: string): Subject {
  const db = new ClassicLevel<Buffer, Buffer>(dir, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
  });
  return {
    name: 'raw classic-level 3.0.0',
    putBatch: (idx) =>
      db.batch(
        idx.map((i) => ({ type: 'put' as const, key: keys[i] as Buffer, value })),
        { sync: true },
      ),
    get: (i) => db.getSync(keys[i] as Buffer),
    scan: async (i) => {
      const it = db.iterator({ gte: keys[i] as Buffer, limit: SCAN });
      const got = await it.nextv(SCAN);
      await it.close();
      return got.length;
    },
    clear: () => db.clear(),
    close: () => db.close(),
  };
}

async function timed(work: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function measure(s: Subject, n: number): Promise<number[]> {
  // The warm-up round uses the first n keys, in the same (filtered) orders.
  const inRange = (order: readonly number[]) => (n === N ? order : order.filter((i) => i < n));
  const puts = async (order: readonly number[]) => {
    for (let b = 0; b < n; b += BATCH) await s.putBatch(order.slice(b, b + BATCH));
  };
  const sequential = Array.from({ length: n }, (_, i) => i);
  const seq = await timed(() => puts(sequential));
  await s.clear();
  const rnd = await timed(() => puts(inRange(randomOrder)));
  const get = await timed(async () => {
    for (const i of inRange(getOrder))
      if (s.get(i) === undefined) throw new Error(`${s.name}: key ${i} missing`);
  });
  let scanned = 0;
  const scan = await timed(async () => {
    for (const i of inRange(scanStarts)) scanned += await s.scan(i);
  });
  await s.close();
  // ms -> thousands of operations (entries, for scans) per second
  return [n / seq, n / rnd, n / get, scanned / scan];
}

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'cadre-bench-'));
  dirs.push(d);
  return d;
};

const rows: [string, number[]][] = [];
const makers: (() => Subject)[] = [
  rawBTree,
  () => {
    const kv = new MemoryKV();
    return kvSubject('MemoryKV', kv, () => {});
  },
  () => rawLmdb(fresh()),
  () => {
    const kv = LmdbKV.open(fresh());
    return kvSubject('LmdbKV', kv, () => kv.close());
  },
  () => {
    const base = LmdbKV.open(fresh());
    return kvSubject('PrefixKV over LmdbKV', new PrefixKV(base, Buffer.from('ns/')), () =>
      base.close(),
    );
  },
  () => rawLevel(fresh()),
];
try {
  // A warm-up round on a small N first, so the JIT has compiled every path before timing.
  for (const make of makers) await measure(make(), Math.min(N, 20_000));
  // Best of ROUNDS per figure: one round is noisy (GC, page cache, other load on the machine).
  const best = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const make of makers) {
      const s = make();
      process.stderr.write(`round ${round + 1}: ${s.name}…\n`);
      const r = await measure(s, N);
      const prev = best.get(s.name);
      best.set(s.name, prev === undefined ? r : r.map((x, i) => Math.max(x, prev[i] as number)));
    }
  }
  rows.push(...best);
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

const base = new Map([
  ['MemoryKV', 'raw sorted-btree'],
  ['LmdbKV', 'raw lmdb 3.5.6'],
  ['PrefixKV over LmdbKV', 'raw lmdb 3.5.6'],
]);
const byName = new Map(rows);
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(
  `N = ${N.toLocaleString('en')}, best of ${ROUNDS} rounds; thousands of ops per second (scans: entries read); slowdown = raw throughput / layered throughput`,
);
console.log('');
console.log(
  '| store | seq puts | random puts | point gets | range scans | slowdown vs raw (seq, rnd, get, scan) |',
);
console.log('|---|---|---|---|---|---|');
for (const [name, r] of rows) {
  const raw = byName.get(base.get(name) ?? '');
  const ratio =
    raw === undefined ? '' : r.map((x, i) => `${((raw[i] as number) / x).toFixed(2)}x`).join(', ');
  console.log(`| ${name} | ${r.map(fmt).join(' | ')} | ${ratio} |`);
}
