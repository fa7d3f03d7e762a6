/**
 * Layer overhead on reads, measured in pairs: raw lmdb, LmdbKV and PrefixKV-over-LmdbKV read the
 * same keys in alternating chunks of 10,000 operations, so machine load hits all three alike
 * (bench/storage.ts runs each store separately, and on a shared machine its ratios drift).
 * Point gets and 100-entry scans; N keys (default 200,000), 5 passes. Prints the slowdowns
 * (layered time / raw time; 1.00x = no overhead).
 *
 * Usage: node --import tsx bench/storage-paired.ts [N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { LmdbKV } from '../src/storage/backends/lmdb-kv.js';
import { PrefixKV } from '../src/storage/layers/prefix-kv.js';

const N = Number(process.argv[2] ?? 200_000);
const CHUNK = 10_000;
const keys = Array.from({ length: N }, (_, i) => Buffer.from(`k${String(i).padStart(8, '0')}`));
const value = Buffer.alloc(100, 1);
const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'cadre-paired-')));
const raw = open<Buffer, Buffer>({
  path: join(dirs[0] as string, 'data.mdb'),
  encoding: 'binary',
  keyEncoding: 'binary',
  overlappingSync: false,
  pageSize: 16384,
});
raw.transactionSync(() => {
  for (const k of keys) raw.putSync(k, value);
});
const kv = LmdbKV.open(dirs[1] as string);
const ns = new PrefixKV(kv, Buffer.from('ns/'));
for (const store of [kv, ns]) {
  for (let b = 0; b < N; b += 1000) {
    store.batch(keys.slice(b, b + 1000).map((key) => ({ type: 'put' as const, key, value })));
  }
}

const time = { raw: [0, 0], kv: [0, 0], ns: [0, 0] };
const clock = (slot: number[], i: number, work: () => void) => {
  const t0 = performance.now();
  work();
  slot[i] = (slot[i] as number) + performance.now() - t0;
};
for (let pass = 0; pass < 5; pass++) {
  for (let c = 0; c + CHUNK <= N; c += CHUNK) {
    clock(time.raw, 0, () => {
      for (let i = c; i < c + CHUNK; i++) raw.getBinary(keys[i] as Buffer);
    });
    clock(time.kv, 0, () => {
      for (let i = c; i < c + CHUNK; i++) kv.get(keys[i] as Buffer);
    });
    clock(time.ns, 0, () => {
      for (let i = c; i < c + CHUNK; i++) ns.get(keys[i] as Buffer);
    });
    // Raw scans collect {key, value} entries, as range() does.
    clock(time.raw, 1, () => {
      for (let i = c; i < c + CHUNK; i += 100) {
        const out: { key: Buffer; value: Buffer }[] = [];
        for (const { key, value } of raw.getRange({ start: keys[i] as Buffer, limit: 100 })) {
          out.push({ key, value });
        }
      }
    });
    clock(time.kv, 1, () => {
      for (let i = c; i < c + CHUNK; i += 100) kv.range({ start: keys[i] as Buffer, limit: 100 });
    });
    clock(time.ns, 1, () => {
      for (let i = c; i < c + CHUNK; i += 100) ns.range({ start: keys[i] as Buffer, limit: 100 });
    });
  }
}
kv.close();
void raw.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
console.log(
  `N = ${N.toLocaleString('en')}, 5 passes, slowdown vs raw lmdb (layered time / raw time)`,
);
console.log('');
console.log('| store | point gets | range scans |');
console.log('|---|---|---|');
console.log(
  `| LmdbKV | ${x(time.kv[0] as number, time.raw[0] as number)} | ${x(time.kv[1] as number, time.raw[1] as number)} |`,
);
console.log(
  `| PrefixKV over LmdbKV | ${x(time.ns[0] as number, time.raw[0] as number)} | ${x(time.ns[1] as number, time.raw[1] as number)} |`,
);
