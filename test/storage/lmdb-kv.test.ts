// LmdbKV specifics beyond the conformance suite: data survives close and reopen, writes after
// close and a corrupted or unusable data directory fail with clear errors naming the file, and a
// released snapshot refuses reads instead of reading a recycled transaction.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { open } from 'lmdb';
import {
  LMDB_DATA_FILE,
  LmdbKV,
  StorageClosedError,
  StorageOpenError,
} from '../../src/storage/backends/lmdb-kv.js';
import { utf8 } from '../../src/storage/bytes.js';
import { MemoryKV } from '../../src/storage/memory-kv.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadre-lmdb-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const text = (x: Uint8Array | undefined) =>
  x === undefined ? undefined : Buffer.from(x).toString();

describe('LmdbKV', () => {
  test('data survives close and reopen', () => {
    const kv = LmdbKV.open(join(dir, 'nested', 'store'));
    kv.batch([
      { type: 'put', key: utf8('a'), value: utf8('1') },
      { type: 'put', key: new Uint8Array(), value: utf8('empty key') },
    ]);
    kv.put(utf8('b'), utf8('2'));
    kv.close();
    assert.equal(kv.closed, true);
    const again = LmdbKV.open(join(dir, 'nested', 'store'));
    assert.equal(text(again.get(utf8('a'))), '1');
    assert.equal(text(again.get(new Uint8Array())), 'empty key');
    assert.deepEqual(
      again.range().map((e) => text(e.key)),
      ['', 'a', 'b'],
    );
    again.close();
  });

  test('every operation after close throws StorageClosedError naming the file', () => {
    const kv = LmdbKV.open(dir);
    const snap = kv.snapshot();
    kv.close();
    kv.close(); // closing twice is harmless
    const file = join(dir, LMDB_DATA_FILE);
    const closed = (what: string) => (e: unknown) =>
      e instanceof StorageClosedError && e.message.includes(file) && e.message.startsWith(what);
    assert.throws(() => kv.put(utf8('a'), utf8('1')), closed('put'));
    assert.throws(() => kv.batch([]), closed('batch'));
    assert.throws(() => kv.delete(utf8('a')), closed('delete'));
    assert.throws(() => kv.deleteRange(utf8('a'), utf8('b')), closed('deleteRange'));
    assert.throws(() => kv.get(utf8('a')), closed('get'));
    assert.throws(() => kv.range(), closed('range'));
    assert.throws(() => kv.snapshot(), closed('snapshot'));
    assert.throws(() => snap.get(utf8('a')), closed('snapshot'));
  });

  test('a released snapshot refuses reads; the store goes on', () => {
    const kv = LmdbKV.open(dir);
    kv.put(utf8('a'), utf8('1'));
    const snap = kv.snapshot();
    kv.put(utf8('a'), utf8('2'));
    assert.equal(text(snap.get(utf8('a'))), '1');
    snap.release();
    assert.throws(() => snap.range(), /snapshot of .*data\.mdb was released/);
    assert.equal(text(kv.get(utf8('a'))), '2');
    kv.close();
  });

  test('a corrupted data file is rejected on open with an error naming it', () => {
    const file = join(dir, LMDB_DATA_FILE);
    const kv = LmdbKV.open(dir);
    kv.put(utf8('a'), utf8('1'));
    kv.close();
    const good = readFileSync(file);
    const rejects = (bytes: Buffer, why: RegExp) => {
      writeFileSync(file, bytes);
      assert.throws(
        () => LmdbKV.open(dir),
        (e: unknown) =>
          e instanceof StorageOpenError &&
          e.message.startsWith(`cannot open LMDB data file ${file}: `) &&
          why.test(e.message),
      );
    };
    rejects(Buffer.alloc(64 * 1024, 0x5a), /first meta page at byte 0 has no LMDB magic/);
    rejects(good.subarray(0, 100), /truncated \(100 bytes, no second meta page\)/);
    const secondBroken = Buffer.from(good);
    secondBroken.fill(0, 16384, 16384 + 64);
    rejects(secondBroken, /second meta page at byte 16384 has no LMDB magic/);
    writeFileSync(file, good);
    const again = LmdbKV.open(dir);
    assert.equal(text(again.get(utf8('a'))), '1', 'the intact file still opens');
    again.close();
  });

  test('a data path that is a directory, or a store path that is a file, is rejected clearly', () => {
    mkdirSync(join(dir, 'a', LMDB_DATA_FILE), { recursive: true });
    assert.throws(() => LmdbKV.open(join(dir, 'a')), StorageOpenError);
    writeFileSync(join(dir, 'plain'), 'not a directory');
    assert.throws(
      () => LmdbKV.open(join(dir, 'plain')),
      new RegExp(
        `cannot open LMDB data file ${join(dir, 'plain', LMDB_DATA_FILE)}: not a directory`,
      ),
    );
  });

  test('a store written in the earlier named-database layout is converted on open, losing nothing', () => {
    // The earlier layout: keys in a named database `data`, the empty key's value under [0] in a
    // named database `empty-key`.
    const root = open<Buffer, Buffer>({
      path: join(dir, LMDB_DATA_FILE),
      encoding: 'binary',
      keyEncoding: 'binary',
      overlappingSync: false,
      pageSize: 16384,
      maxDbs: 4,
    });
    const sub = { encoding: 'binary', keyEncoding: 'binary' } as const;
    const data = root.openDB<Buffer, Buffer>('data', sub);
    const empty = root.openDB<Buffer, Buffer>('empty-key', sub);
    root.transactionSync(() => {
      data.putSync(Buffer.from('a'), Buffer.from('1'));
      data.putSync(Buffer.from([0, 7]), Buffer.from('zero-led'));
      data.putSync(Buffer.from('data\0'), Buffer.from('named like the old database'));
      empty.putSync(Buffer.from([0]), Buffer.from('empty key'));
    });
    void root.close();
    const kv = LmdbKV.open(dir);
    assert.deepEqual(
      kv.range().map((e) => [Buffer.from(e.key).toString('hex'), text(e.value)]),
      [
        ['', 'empty key'],
        ['0007', 'zero-led'],
        ['61', '1'],
        [Buffer.from('data\0').toString('hex'), 'named like the old database'],
      ],
    );
    kv.put(utf8('b'), utf8('2'));
    kv.close();
    const again = LmdbKV.open(dir);
    assert.equal(again.range().length, 5, 'reopening converts nothing twice');
    again.close();
  });

  test('property: LmdbKV orders and bounds keys as MemoryKV does, 0x00-led and empty keys included', () => {
    const key = fc
      .uint8Array({ maxLength: 4 })
      .map((k) => (k.length > 0 && k[0]! < 0x80 ? k.map((x, i) => (i === 0 ? x & 1 : x)) : k));
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.boolean()), { maxLength: 20 }),
        key,
        key,
        fc.boolean(),
        fc.nat({ max: 6 }),
        (writes, start, end, reverse, limit) => {
          const store = join(dir, `p${++runs}`);
          const kv = LmdbKV.open(store);
          const model = new MemoryKV();
          try {
            for (const [k, isPut] of writes) {
              for (const target of [kv, model]) {
                if (isPut) target.put(k, utf8('v'));
                else target.delete(k);
              }
            }
            const hex = (entries: { key: Uint8Array }[]) =>
              entries.map((e) => Buffer.from(e.key).toString('hex'));
            for (const options of [
              {},
              { start, end, reverse, limit },
              { start, reverse },
              { end, reverse },
            ]) {
              assert.deepEqual(hex(kv.range(options)), hex(model.range(options)));
            }
            kv.deleteRange(start, end);
            model.deleteRange(start, end);
            assert.deepEqual(hex(kv.range()), hex(model.range()));
          } finally {
            kv.close();
            rmSync(store, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
