// MemoryKV: the OrderedKV contract on the in-memory backend — byte order (including bytes >= 0x80
// and the empty key), range bounds/limit/reverse, deleteRange, all-or-nothing batches, snapshot
// isolation, size limits — plus a property test of range order against a sorted-array oracle.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareBytes, fromUtf8, utf8 } from '../../src/storage/bytes.js';
import { MemoryKV } from '../../src/storage/memory-kv.js';
import {
  type BatchOp,
  type Entry,
  KEY_BYTES_MAX,
  StorageInputError,
  VALUE_BYTES_MAX,
} from '../../src/storage/ordered-kv.js';

const b = (...xs: number[]) => new Uint8Array(xs);
const hex = (es: readonly Entry[]) => es.map((e) => Buffer.from(e.key).toString('hex'));
const text = (es: readonly Entry[]) => es.map((e) => fromUtf8(e.key)).join(' ');

function letters(): MemoryKV {
  const kv = new MemoryKV();
  for (const k of ['a', 'b', 'c', 'd', 'e']) kv.put(utf8(k), utf8(k.toUpperCase()));
  return kv;
}

describe('MemoryKV', () => {
  test('get, put, overwrite, delete', () => {
    const kv = new MemoryKV();
    assert.equal(kv.get(utf8('k')), undefined);
    kv.put(utf8('k'), utf8('v1'));
    kv.put(utf8('k'), utf8('v2'));
    assert.equal(fromUtf8(kv.get(utf8('k')) as Uint8Array), 'v2');
    assert.equal(kv.size, 1);
    kv.delete(utf8('k'));
    kv.delete(utf8('absent'));
    assert.equal(kv.get(utf8('k')), undefined);
    assert.equal(kv.size, 0);
  });

  test('values are copied in and out (no aliasing)', () => {
    const kv = new MemoryKV();
    const v = b(1, 2, 3);
    kv.put(utf8('k'), v);
    v[0] = 9;
    const out = kv.get(utf8('k')) as Uint8Array;
    assert.deepEqual(out, b(1, 2, 3));
    out[1] = 9;
    assert.deepEqual(kv.get(utf8('k')), b(1, 2, 3));
    (kv.range()[0] as Entry).value[2] = 9;
    assert.deepEqual(kv.get(utf8('k')), b(1, 2, 3));
  });

  test('orders keys as unsigned bytes, including >= 0x80 and the empty key', () => {
    const kv = new MemoryKV();
    const keys = [b(0xff), b(0x80), b(0x7f), b(), b(0x00), b(0x00, 0x00), b(0x80, 0x00), b(0x01)];
    keys.forEach((k, i) => {
      kv.put(k, b(i));
    });
    assert.deepEqual(hex(kv.range()), ['', '00', '0000', '01', '7f', '80', '8000', 'ff']);
    assert.deepEqual(hex(kv.range({ reverse: true })), [
      'ff',
      '8000',
      '80',
      '7f',
      '01',
      '0000',
      '00',
      '',
    ]);
    assert.deepEqual(kv.get(b()), b(3), 'the empty key is a key like any other');
  });

  test('range: start inclusive, end exclusive, limit, reverse', () => {
    const kv = letters();
    assert.equal(text(kv.range()), 'a b c d e');
    assert.equal(text(kv.range({ start: utf8('b') })), 'b c d e');
    assert.equal(text(kv.range({ start: utf8('bb') })), 'c d e');
    assert.equal(text(kv.range({ end: utf8('c') })), 'a b');
    assert.equal(text(kv.range({ end: utf8('cc') })), 'a b c');
    assert.equal(text(kv.range({ start: utf8('b'), end: utf8('d') })), 'b c');
    assert.equal(text(kv.range({ limit: 2 })), 'a b');
    assert.equal(text(kv.range({ limit: 0 })), '');
    assert.equal(text(kv.range({ reverse: true })), 'e d c b a');
    assert.equal(text(kv.range({ reverse: true, limit: 2 })), 'e d');
    assert.equal(text(kv.range({ reverse: true, end: utf8('c') })), 'b a', 'reverse excludes end');
    assert.equal(text(kv.range({ reverse: true, end: utf8('cc') })), 'c b a');
    assert.equal(
      text(kv.range({ reverse: true, start: utf8('b'), end: utf8('e'), limit: 2 })),
      'd c',
    );
    assert.equal(
      text(kv.range({ reverse: true, start: utf8('c') })),
      'e d c',
      'reverse includes start',
    );
    assert.equal(
      text(kv.range({ start: utf8('d'), end: utf8('b') })),
      '',
      'inverted range is empty',
    );
    assert.equal(text(kv.range({ start: utf8('c'), end: utf8('c') })), '');
    assert.equal(text(kv.range({ reverse: true, start: utf8('d'), end: utf8('b') })), '');
  });

  test('range rejects a bad limit and bad bounds', () => {
    const kv = letters();
    assert.throws(
      () => kv.range({ limit: -1 }),
      /range: limit must be a non-negative integer, got -1/,
    );
    assert.throws(() => kv.range({ limit: 1.5 }), StorageInputError);
    assert.throws(() => kv.range({ limit: Number.NaN }), StorageInputError);
    assert.throws(
      () => kv.range({ start: 'a' as unknown as Uint8Array }),
      /range start: key must be a Uint8Array/,
    );
  });

  test('deleteRange removes [start, end) and nothing else', () => {
    const kv = letters();
    kv.deleteRange(utf8('b'), utf8('d'));
    assert.equal(text(kv.range()), 'a d e');
    kv.deleteRange(utf8('e'), utf8('b'));
    assert.equal(text(kv.range()), 'a d e', 'an inverted range deletes nothing');
    kv.deleteRange(b(), b(0xff));
    assert.equal(text(kv.range()), '');
  });

  test('batch applies every op in order', () => {
    const kv = letters();
    kv.batch([
      { type: 'put', key: utf8('z'), value: utf8('Z') },
      { type: 'delete', key: utf8('a') },
      { type: 'deleteRange', start: utf8('c'), end: utf8('e') },
      { type: 'put', key: utf8('c'), value: utf8('C2') },
    ]);
    assert.equal(text(kv.range()), 'b c e z');
    assert.equal(fromUtf8(kv.get(utf8('c')) as Uint8Array), 'C2');
  });

  test('a batch with a bad op leaves the store untouched', () => {
    const kv = letters();
    const before = hex(kv.range());
    const bad: BatchOp[] = [
      { type: 'put', key: utf8('new'), value: utf8('v') },
      { type: 'delete', key: utf8('a') },
      { type: 'put', key: new Uint8Array(KEY_BYTES_MAX + 1), value: utf8('v') },
    ];
    assert.throws(() => kv.batch(bad), /batch op 2: key is 8193 bytes; the limit is 8192/);
    assert.deepEqual(hex(kv.range()), before);
    assert.throws(
      () => kv.batch([{ type: 'delete', key: utf8('a') }, { type: 'merge' } as unknown as BatchOp]),
      /batch op 1: type must be put, delete or deleteRange, got "merge"/,
    );
    assert.throws(
      () => kv.batch([{ type: 'delete', key: utf8('a') }, null as unknown as BatchOp]),
      /batch op 1: not an object/,
    );
    assert.deepEqual(hex(kv.range()), before);
  });

  test('a snapshot does not see later writes', () => {
    const kv = letters();
    const snap = kv.snapshot();
    kv.put(utf8('a'), utf8('changed'));
    kv.delete(utf8('b'));
    kv.put(utf8('f'), utf8('F'));
    assert.equal(fromUtf8(snap.get(utf8('a')) as Uint8Array), 'A');
    assert.equal(fromUtf8(snap.get(utf8('b')) as Uint8Array), 'B');
    assert.equal(snap.get(utf8('f')), undefined);
    assert.equal(text(snap.range()), 'a b c d e');
    assert.equal(text(snap.range({ reverse: true, limit: 1 })), 'e');
    assert.equal(text(kv.range()), 'a c d e f');
  });

  test('size limits give clear errors naming the operation', () => {
    const kv = new MemoryKV();
    kv.put(new Uint8Array(KEY_BYTES_MAX), new Uint8Array(VALUE_BYTES_MAX));
    assert.throws(
      () => kv.put(new Uint8Array(KEY_BYTES_MAX + 1), b()),
      (e: unknown) =>
        e instanceof StorageInputError && e.message === 'put: key is 8193 bytes; the limit is 8192',
    );
    assert.throws(
      () => kv.put(b(1), new Uint8Array(VALUE_BYTES_MAX + 1)),
      /put: value is 1048577 bytes; the limit is 1048576/,
    );
    assert.throws(() => kv.get(new Uint8Array(KEY_BYTES_MAX + 1)), /get: key is 8193 bytes/);
    assert.throws(
      () => kv.put('k' as unknown as Uint8Array, b()),
      /put: key must be a Uint8Array, got string/,
    );
    assert.throws(
      () => kv.put(b(1), 'v' as unknown as Uint8Array),
      /put: value must be a Uint8Array/,
    );
    assert.throws(
      () => kv.deleteRange(b(), new Uint8Array(KEY_BYTES_MAX + 1)),
      /deleteRange end: key is/,
    );
  });

  test('property: range order equals sorted order by compareBytes, for every bound and direction', () => {
    const key = fc.uint8Array({ maxLength: 4 }).map((k) => k.map((x) => (x % 4) * 0x55));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.uint8Array({ maxLength: 2 })), { maxLength: 30 }),
        fc.option(key, { nil: undefined }),
        fc.option(key, { nil: undefined }),
        fc.option(fc.nat(10), { nil: undefined }),
        fc.boolean(),
        (entries, start, end, limit, reverse) => {
          const kv = new MemoryKV();
          const oracle = new Map<string, [Uint8Array, Uint8Array]>();
          for (const [k, v] of entries) {
            kv.put(k, v);
            oracle.set(Buffer.from(k).toString('hex'), [k, v]);
          }
          let expected = [...oracle.values()]
            .sort((x, y) => compareBytes(x[0], y[0]))
            .filter(([k]) => start === undefined || compareBytes(k, start) >= 0)
            .filter(([k]) => end === undefined || compareBytes(k, end) < 0);
          if (reverse) expected.reverse();
          if (limit !== undefined) expected = expected.slice(0, limit);
          const options = {
            ...(start === undefined ? {} : { start }),
            ...(end === undefined ? {} : { end }),
            ...(limit === undefined ? {} : { limit }),
            reverse,
          };
          const got = kv.range(options).map((e) => [e.key, e.value]);
          assert.deepEqual(got, expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});
