// Subspaces and raw prefixes: strinc, tuple subspace ranges, and the PrefixKV namespace decorator
// (its full OrderedKV behaviour is in the conformance run of layers.conformance.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareBytes } from '../../../src/storage/bytes.js';
import { PrefixKV } from '../../../src/storage/layers/prefix-kv.js';
import { Subspace, strinc } from '../../../src/storage/layers/subspace.js';
import { pack } from '../../../src/storage/layers/tuple.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';

const b = (...xs: number[]) => new Uint8Array(xs);
const hex = (x: Uint8Array | undefined) =>
  x === undefined ? undefined : Buffer.from(x).toString('hex');

describe('subspaces', () => {
  test('strinc drops trailing 0xff and increments the last byte', () => {
    assert.equal(hex(strinc(b(1, 2))), '0103');
    assert.equal(hex(strinc(b(1, 0xff, 0xff))), '02');
    assert.equal(hex(strinc(b(0x61, 0xfe, 0xff))), '61ff');
    assert.equal(strinc(b()), undefined);
    assert.equal(strinc(b(0xff, 0xff)), undefined);
  });

  test('a subspace packs, unpacks and bounds its keys', () => {
    const users = new Subspace(['users']);
    const alice = users.sub('alice');
    const key = alice.pack([7, 'x']);
    assert.deepEqual(key, pack(['users', 'alice', 7, 'x']));
    assert.deepEqual(alice.unpack(key), [7, 'x']);
    assert.ok(users.contains(key));
    const { start, end } = users.range();
    const inside = (k: Uint8Array) => compareBytes(k, start) >= 0 && compareBytes(k, end) < 0;
    assert.ok(inside(key));
    assert.ok(inside(users.pack([new Uint8Array([0xff, 0xff])])), 'bytes >= 0x80 stay inside');
    assert.ok(!inside(pack(['users\u0000'])), 'a longer sibling name is outside');
    assert.ok(!inside(pack(['usert'])));
    assert.ok(!inside(users.pack()), 'the bare prefix is not a key of the subspace range');
    assert.throws(() => alice.unpack(pack(['bob'])), /is not in subspace 0x/);
  });

  test('PrefixKV never sees or touches neighbours, whatever their bytes', () => {
    const base = new MemoryKV();
    const neighbours = [b(0x70), b(0x70, 0xfe, 0xff), b(0x71), b(0x71, 0), b(0x6f, 0xff, 0xff)];
    for (const k of neighbours) base.put(k, b(9));
    const ns = new PrefixKV(base, b(0x70, 0xff));
    ns.put(b(0xff, 0xff), b(1));
    ns.put(b(), b(2));
    assert.deepEqual(
      ns.range().map((e) => hex(e.key)),
      ['', 'ffff'],
    );
    ns.deleteRange(b(), b(0xff, 0xff, 0xff));
    assert.deepEqual(
      ns.range().map((e) => hex(e.key)),
      [],
    );
    assert.deepEqual(
      base.range().map((e) => hex(e.key)),
      ['6fffff', '70', '70feff', '71', '7100'],
    );
    assert.throws(
      () => ns.put(new Uint8Array(8191), b()),
      /put: key is 8191 bytes; the limit under prefix 0x70ff is 8190/,
    );
  });
});
