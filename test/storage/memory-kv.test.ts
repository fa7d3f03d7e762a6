// MemoryKV specifics. The OrderedKV contract itself (order, ranges, cursors, batches, snapshots,
// limits, a random-operation property test) is in conformance.ts, run by conformance.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8 } from '../../src/storage/bytes.js';
import { MemoryKV } from '../../src/storage/memory-kv.js';
import { KEY_BYTES_MAX, StorageInputError } from '../../src/storage/ordered-kv.js';

describe('MemoryKV', () => {
  test('size counts the keys stored', () => {
    const kv = new MemoryKV();
    assert.equal(kv.size, 0);
    kv.put(utf8('a'), utf8('1'));
    kv.put(utf8('a'), utf8('2'));
    kv.put(utf8('b'), utf8('3'));
    assert.equal(kv.size, 2);
    kv.deleteRange(utf8('a'), utf8('b'));
    assert.equal(kv.size, 1);
  });

  test('errors name the operation and both sizes exactly', () => {
    const kv = new MemoryKV();
    assert.throws(
      () => kv.put(new Uint8Array(KEY_BYTES_MAX + 1), new Uint8Array()),
      (e: unknown) =>
        e instanceof StorageInputError &&
        e.message === `put: key is ${KEY_BYTES_MAX + 1} bytes; the limit is ${KEY_BYTES_MAX}`,
    );
  });
});
