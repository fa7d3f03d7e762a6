// The OrderedKV conformance suite run on every layer that presents the OrderedKV interface,
// stacked on the in-memory store (and, for the namespace layer, on LMDB too). Neighbouring keys
// outside each layer's space are planted so that a leak shows up in ranges.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LMDB_KEY_BYTES_MAX, LmdbKV } from '../../../src/storage/backends/lmdb-kv.js';
import { IndexedKV } from '../../../src/storage/layers/indexed-kv.js';
import { PrefixKV } from '../../../src/storage/layers/prefix-kv.js';
import { TtlKV } from '../../../src/storage/layers/ttl-kv.js';
import { WatchKV } from '../../../src/storage/layers/watch-kv.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import { KEY_BYTES_MAX, VALUE_BYTES_MAX } from '../../../src/storage/ordered-kv.js';
import { conformance } from '../conformance.js';

const b = (...xs: number[]) => new Uint8Array(xs);
const prefix = b(0x70, 0xff);
const neighbours = [b(0x70), b(0x70, 0xfe, 0xff), b(0x71), b(0x71, 0), b(0x6f, 0xff, 0xff)];

conformance(
  'PrefixKV over MemoryKV',
  () => {
    const base = new MemoryKV();
    for (const k of neighbours) base.put(k, b(9));
    return new PrefixKV(base, prefix);
  },
  { keyBytesMax: KEY_BYTES_MAX - prefix.length },
);

const stores = new Map<object, [LmdbKV, string]>();
conformance(
  'PrefixKV over LmdbKV',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'cadre-layer-'));
    const base = LmdbKV.open(dir);
    for (const k of neighbours) base.put(k, b(9));
    const kv = new PrefixKV(base, prefix, { innerKeyBytesMax: LMDB_KEY_BYTES_MAX });
    stores.set(kv, [base, dir]);
    return kv;
  },
  {
    keyBytesMax: LMDB_KEY_BYTES_MAX - prefix.length,
    propertyRuns: 30,
    dispose: (kv) => {
      const [base, dir] = stores.get(kv) as [LmdbKV, string];
      base.close();
      rmSync(dir, { recursive: true, force: true });
    },
  },
);

// Short values are indexed (non-unique) by their bytes; after every case the checker must agree.
conformance(
  'IndexedKV over MemoryKV',
  () =>
    new IndexedKV(new MemoryKV(), [
      { name: 'value', extract: (_k, v) => (v.length <= 2 ? [v] : []) },
    ]),
  {
    keyBytesMax: KEY_BYTES_MAX - 1,
    dispose: (kv) => {
      assert.deepEqual((kv as IndexedKV).check(), []);
    },
  },
);

// Entries live for 1 s of a clock that ticks 1 ms per read: nothing expires during a case, but the
// clock is consulted (as under the simulator).
conformance(
  'TtlKV over MemoryKV',
  () => {
    let now = 0;
    return new TtlKV(new MemoryKV(), { now: () => now++, defaultTtlMs: 1e9 });
  },
  { valueBytesMax: VALUE_BYTES_MAX - 8 },
);

// A watch over everything, so every write also runs the notification path.
conformance('WatchKV over MemoryKV', () => {
  const kv = new WatchKV(new MemoryKV());
  kv.watch(new Uint8Array(), () => {});
  return kv;
});
