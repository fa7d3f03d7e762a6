import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryKV } from '../../src/index.js';
import { StagedKV } from '../../src/runtime/staged-kv.js';
import type { BatchOp, RangeOptions } from '../../src/storage/ordered-kv.js';

const key = fc.uint8Array({ maxLength: 3 }).map((a) => a.map((b) => b % 4));
const op: fc.Arbitrary<BatchOp> = fc.oneof(
  fc.record({ type: fc.constant('put' as const), key, value: fc.uint8Array({ maxLength: 3 }) }),
  fc.record({ type: fc.constant('delete' as const), key }),
  fc.record({ type: fc.constant('deleteRange' as const), start: key, end: key }),
);
const scan = fc.record({
  start: fc.option(key, { nil: undefined }),
  end: fc.option(key, { nil: undefined }),
  limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
  reverse: fc.boolean(),
});

/** The options without their undefined fields (exact optional properties). */
function clean(o: {
  start?: Uint8Array | undefined;
  end?: Uint8Array | undefined;
  limit?: number | undefined;
  reverse: boolean;
}): RangeOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as RangeOptions;
}

describe('StagedKV', () => {
  it('reads as if its writes were applied, and commits them as one batch (property, model: MemoryKV)', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 12 }),
        fc.array(op, { maxLength: 12 }),
        fc.array(scan, { maxLength: 4 }),
        (before, staged, scans) => {
          const base = new MemoryKV();
          base.batch(before);
          const model = new MemoryKV();
          model.batch(before);
          const stage = new StagedKV(base, 4026);
          for (const o of staged) {
            stage.batch([o]);
            model.batch([o]);
          }
          for (const s of scans) {
            const opts = clean(s);
            assert.deepEqual(
              stage.range(opts).map((e) => [[...e.key], [...e.value]]),
              model.range(opts).map((e) => [[...e.key], [...e.value]]),
            );
          }
          for (let k = 0; k < 4; k++)
            assert.deepEqual(stage.get(Uint8Array.of(k)), model.get(Uint8Array.of(k)));
          const snapshot = stage.snapshot();
          const baseBefore = base.range();
          assert.equal(
            base.range().length,
            baseBefore.length,
            'nothing reached the base before commit',
          );
          stage.commitTo(base);
          assert.deepEqual(base.range(), model.range());
          const pairs = (entries: { key: Uint8Array; value: Uint8Array }[]) =>
            entries.map((e) => [[...e.key], [...e.value]]);
          assert.deepEqual(
            pairs(snapshot.range()),
            pairs(model.range()),
            'the snapshot kept the staged view',
          );
        },
      ),
    );
  });

  it('rejects a key over the store limit at the write, naming the operation', () => {
    const stage = new StagedKV(new MemoryKV(), 4);
    assert.throws(
      () => stage.put(new Uint8Array(5), new Uint8Array(1)),
      /storage put: key is 5 bytes; the limit of the on-disk store is 4/,
    );
    assert.equal(stage.pendingOps, 0);
  });
});
