// Range watches: a listener hears exactly the writes under its prefix (bytes >= 0x80 included),
// once per committed write with that write's ops, after the commit, until cancelled; a failing
// listener does not stop the others and does not undo the write.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WatchKV } from '../../../src/storage/layers/watch-kv.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { BatchOp } from '../../../src/storage/ordered-kv.js';

const b = (...xs: number[]) => new Uint8Array(xs);
const show = (ops: readonly BatchOp[]) =>
  ops
    .map((op) =>
      op.type === 'deleteRange'
        ? `dr ${Buffer.from(op.start).toString('hex')}-${Buffer.from(op.end).toString('hex')}`
        : `${op.type} ${Buffer.from(op.key).toString('hex')}`,
    )
    .join(', ');

describe('WatchKV', () => {
  test('a listener hears exactly the writes under its prefix', () => {
    const kv = new WatchKV(new MemoryKV());
    const heard: string[] = [];
    const cancel = kv.watch(b(0x61, 0xff), (ops) => heard.push(show(ops)));
    kv.put(b(0x61, 0xff), b(1)); // the prefix itself
    kv.put(b(0x61, 0xff, 0xff, 0x80), b(1));
    kv.put(b(0x61, 0xfe, 0xff), b(1)); // just below
    kv.put(b(0x62), b(1)); // just above (strinc of the prefix)
    kv.delete(b(0x61, 0xff, 0));
    kv.batch([
      { type: 'put', key: b(0x10), value: b() },
      { type: 'put', key: b(0x61, 0xff, 7), value: b() },
      { type: 'deleteRange', start: b(0x50), end: b(0x61, 0xff, 1) },
      { type: 'deleteRange', start: b(0x62), end: b(0x70) },
    ]);
    kv.deleteRange(b(0x00), b(0x61, 0xff)); // ends where the prefix starts: no overlap
    assert.deepEqual(heard, [
      'put 61ff',
      'put 61ffff80',
      'delete 61ff00',
      'put 61ff07, dr 50-61ff01',
    ]);
    cancel();
    kv.put(b(0x61, 0xff), b(2));
    assert.equal(heard.length, 4, 'no calls after cancel');
  });

  test('listeners run after the commit; a failing one does not stop the others', () => {
    const kv = new WatchKV(new MemoryKV());
    const seen: (number | undefined)[] = [];
    kv.watch(b(), () => {
      throw new Error('boom');
    });
    kv.watch(b(), () => seen.push(kv.get(b(1))?.[0]));
    assert.throws(
      () => kv.put(b(1), b(42)),
      /1 watch listener\(s\) failed after a committed write: Error: boom/,
    );
    assert.deepEqual(seen, [42]);
    assert.equal(kv.get(b(1))?.[0], 42, 'the write stands');
  });

  test('a write that fails notifies nobody', () => {
    const kv = new WatchKV(new MemoryKV());
    let calls = 0;
    kv.watch(b(), () => calls++);
    assert.throws(() =>
      kv.batch([{ type: 'put', key: b(1), value: 'x' as unknown as Uint8Array }]),
    );
    assert.equal(calls, 0);
  });
});
