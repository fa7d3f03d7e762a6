// TTL layer: expiry follows the injected clock only (a test clock here, the simulator's clock in
// a run), expired entries vanish from get/range (with limits still counting live entries), a
// snapshot judges by its own time, and purgeExpired deletes exactly the expired entries.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8 } from '../../../src/storage/bytes.js';
import { TtlKV } from '../../../src/storage/layers/ttl-kv.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';

const keys = (es: { key: Uint8Array }[]) => es.map((e) => Buffer.from(e.key).toString()).join(' ');

describe('TtlKV', () => {
  test('entries expire by the injected clock, and only by it', () => {
    let now = 1000;
    const base = new MemoryKV();
    const kv = new TtlKV(base, { now: () => now, defaultTtlMs: 500 });
    kv.put(utf8('a'), utf8('A')); // expires at 1500
    kv.putWithTtl(utf8('b'), utf8('B'), 100); // 1100
    kv.putWithTtl(utf8('c'), utf8('C'), Number.POSITIVE_INFINITY);
    kv.batch([{ type: 'put', key: utf8('d'), value: utf8('D') }]); // 1500
    assert.equal(kv.expiresAt(utf8('b')), 1100);
    assert.equal(keys(kv.range()), 'a b c d');
    now = 1099;
    assert.equal(Buffer.from(kv.get(utf8('b')) ?? []).toString(), 'B');
    now = 1100;
    assert.equal(kv.get(utf8('b')), undefined, 'expired exactly at its expiry time');
    assert.equal(kv.expiresAt(utf8('b')), undefined);
    assert.equal(keys(kv.range()), 'a c d');
    const snap = kv.snapshot();
    now = 1500;
    assert.equal(keys(kv.range()), 'c');
    assert.equal(keys(snap.range()), 'a c d', 'a snapshot keeps the time it was taken at');
    assert.equal(base.size, 4, 'expired entries still occupy the store until purged');
  });

  test('limits count live entries, forwards and backwards', () => {
    let now = 0;
    const kv = new TtlKV(new MemoryKV(), { now: () => now });
    for (const [k, ttl] of [
      ['a', 10],
      ['b', 10],
      ['c', 99],
      ['d', 10],
      ['e', 99],
      ['f', 10],
      ['g', 99],
    ] as const)
      kv.putWithTtl(utf8(k), utf8(k), ttl);
    now = 10;
    assert.equal(keys(kv.range({ limit: 2 })), 'c e');
    assert.equal(keys(kv.range({ limit: 2, reverse: true })), 'g e');
    assert.equal(keys(kv.range({ limit: 5 })), 'c e g');
    assert.equal(keys(kv.range({ start: utf8('d'), limit: 1 })), 'e');
  });

  test('purgeExpired deletes the expired entries, up to a limit', () => {
    let now = 0;
    const base = new MemoryKV();
    const kv = new TtlKV(base, { now: () => now });
    for (let i = 0; i < 10; i++) kv.putWithTtl(utf8(`k${i}`), utf8('v'), i % 2 === 0 ? 5 : 50);
    now = 5;
    assert.equal(kv.purgeExpired({ limit: 2 }), 2);
    assert.equal(base.size, 8);
    assert.equal(kv.purgeExpired(), 3);
    assert.equal(base.size, 5);
    assert.equal(keys(kv.range()), 'k1 k3 k5 k7 k9');
    assert.equal(kv.purgeExpired(), 0);
  });

  test('a bad TTL is refused', () => {
    const kv = new TtlKV(new MemoryKV(), { now: () => 0 });
    assert.throws(
      () => kv.putWithTtl(utf8('a'), utf8('A'), 0),
      /a TTL must be a positive number of ms, got 0/,
    );
    assert.throws(
      () => new TtlKV(new MemoryKV(), { now: () => 0, defaultTtlMs: Number.NaN }),
      /defaultTtlMs/,
    );
  });
});
