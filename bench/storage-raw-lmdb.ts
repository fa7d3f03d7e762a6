/**
 * The raw-lmdb side of the storage benchmarks (bench/storage.ts, bench/storage-paired.ts), shared
 * so both compare LmdbKV against the same engine configuration.
 */
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';

/** Opens `dir/data.mdb` with exactly LmdbKV's options (src/storage/backends/lmdb-kv.ts): binary
 * keys and values, 16 KiB pages, 1 GiB map, `overlappingSync: false` (every commit fsync'd before
 * it returns), two named databases at most, no cache. */
export function openRawLmdb(dir: string): RootDatabase<Buffer, Buffer> {
  return open<Buffer, Buffer>({
    path: join(dir, 'data.mdb'),
    encoding: 'binary',
    keyEncoding: 'binary',
    overlappingSync: false,
    pageSize: 16384,
    mapSize: 1 << 30,
    maxDbs: 2,
    cache: false,
  });
}

/** Reads up to `limit` entries from `start`, collecting {key, value} entries as a caller of the
 * raw library would (and as LmdbKV's range() does); returns how many it read. */
export function rawScan(db: Database<Buffer, Buffer>, start: Buffer, limit: number): number {
  const out: { key: Buffer; value: Buffer }[] = [];
  for (const { key, value } of db.getRange({ start, limit })) out.push({ key, value });
  return out.length;
}
