// Secondary indexes: entries follow every kind of write (put, overwrite, delete, deleteRange,
// batch), unique indexes refuse a second record without writing anything, and the consistency
// checker finds missing and dangling entries planted behind the layer's back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8 } from '../../../src/storage/bytes.js';
import { IndexedKV, UniqueIndexError } from '../../../src/storage/layers/indexed-kv.js';
import { pack } from '../../../src/storage/layers/tuple.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';

// Records are "city,email" strings; index by city (non-unique) and by email (unique).
const field = (i: number) => (_k: Uint8Array, v: Uint8Array) => {
  const f = Buffer.from(v).toString().split(',')[i];
  return f === undefined || f === '' ? [] : [f];
};
const make = () => {
  const base = new MemoryKV();
  const kv = new IndexedKV(base, [
    { name: 'city', extract: field(0) },
    { name: 'email', unique: true, extract: field(1) },
  ]);
  return { base, kv };
};
const names = (keys: Uint8Array[]) => keys.map((k) => Buffer.from(k).toString());

describe('IndexedKV', () => {
  test('index entries follow puts, overwrites, deletes, deleteRange and batches', () => {
    const { kv } = make();
    kv.put(utf8('ann'), utf8('oslo,ann@x'));
    kv.put(utf8('bob'), utf8('oslo,bob@x'));
    kv.put(utf8('cy'), utf8('rome,cy@x'));
    assert.deepEqual(names(kv.lookup('city', 'oslo')), ['ann', 'bob']);
    assert.deepEqual(names(kv.lookup('email', 'cy@x')), ['cy']);
    kv.put(utf8('bob'), utf8('rome,bob@y'));
    assert.deepEqual(names(kv.lookup('city', 'oslo')), ['ann']);
    assert.deepEqual(names(kv.lookup('city', 'rome')), ['bob', 'cy']);
    assert.deepEqual(names(kv.lookup('email', 'bob@x')), [], 'the old unique value is freed');
    kv.delete(utf8('ann'));
    assert.deepEqual(names(kv.lookup('city', 'oslo')), []);
    kv.deleteRange(utf8('b'), utf8('c'));
    assert.deepEqual(names(kv.lookup('city', 'rome')), ['cy']);
    kv.batch([
      { type: 'put', key: utf8('dee'), value: utf8('oslo,dee@x') },
      { type: 'delete', key: utf8('cy') },
      { type: 'put', key: utf8('eve'), value: utf8('oslo,cy@x') },
    ]);
    assert.deepEqual(names(kv.lookup('city', 'oslo')), ['dee', 'eve']);
    assert.deepEqual(names(kv.lookup('email', 'cy@x')), ['eve'], 'freed and retaken in one batch');
    assert.deepEqual(kv.check(), []);
  });

  test('a unique violation throws UniqueIndexError and writes nothing', () => {
    const { base, kv } = make();
    kv.put(utf8('ann'), utf8('oslo,ann@x'));
    const before = base.range().map((e) => Buffer.from(e.key).toString('hex'));
    assert.throws(
      () =>
        kv.batch([
          { type: 'put', key: utf8('zed'), value: utf8('rome,zed@x') },
          { type: 'put', key: utf8('bob'), value: utf8('rome,ann@x') },
        ]),
      (e: unknown) =>
        e instanceof UniqueIndexError &&
        /unique index "email" already maps ann@x to key 0x616e6e; refused for key 0x626f62/.test(
          e.message,
        ),
    );
    assert.deepEqual(
      base.range().map((e) => Buffer.from(e.key).toString('hex')),
      before,
    );
    kv.put(utf8('ann'), utf8('rome,ann@x'));
    assert.deepEqual(
      names(kv.lookup('email', 'ann@x')),
      ['ann'],
      'a record may keep its own value',
    );
  });

  test('the checker finds missing and dangling entries', () => {
    const { base, kv } = make();
    kv.put(utf8('ann'), utf8('oslo,ann@x'));
    kv.put(utf8('bob'), utf8('rome,bob@x'));
    assert.deepEqual(kv.check(), []);
    // Behind the layer's back: drop one entry, plant a stale one, corrupt a unique target.
    const cityAnn = new Uint8Array([2, ...pack(['city', 'oslo', utf8('ann')])]);
    base.delete(cityAnn);
    base.put(new Uint8Array([2, ...pack(['city', 'paris', utf8('ghost')])]), new Uint8Array());
    base.put(new Uint8Array([2, ...pack(['email', 'bob@x'])]), utf8('ann'));
    const problems = kv.check().map((p) => `${p.kind} ${p.index}`);
    assert.deepEqual(problems.sort(), ['dangling city', 'dangling email', 'missing city']);
  });

  test('unknown index names are errors', () => {
    const { kv } = make();
    assert.throws(() => kv.lookup('nope', 1), /no index named "nope"/);
    assert.throws(
      () =>
        new IndexedKV(new MemoryKV(), [
          { name: 'a', extract: () => [] },
          { name: 'a', extract: () => [] },
        ]),
      /index "a" is defined twice/,
    );
  });
});
