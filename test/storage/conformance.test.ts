// Runs the OrderedKV conformance suite against every backend: the in-memory default, the
// simulator's disk, and the on-disk LMDB store (a fresh directory per case).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimDisk } from '../../src/sim/sim-disk.js';
import { LMDB_KEY_BYTES_MAX, LmdbKV } from '../../src/storage/backends/lmdb-kv.js';
import { MemoryKV } from '../../src/storage/memory-kv.js';
import { conformance } from './conformance.js';

conformance('MemoryKV', () => new MemoryKV());

conformance('SimDisk', () => new SimDisk('n1', undefined));

const dirs = new Map<LmdbKV, string>();
conformance(
  'LmdbKV',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'cadre-lmdb-'));
    const kv = LmdbKV.open(dir);
    dirs.set(kv, dir);
    return kv;
  },
  {
    keyBytesMax: LMDB_KEY_BYTES_MAX,
    // Every write is an fsync'd commit, so fewer runs keep the suite quick.
    propertyRuns: 40,
    dispose: (kv) => {
      (kv as LmdbKV).close();
      rmSync(dirs.get(kv as LmdbKV) as string, { recursive: true, force: true });
    },
  },
);
