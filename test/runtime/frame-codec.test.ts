import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, FrameError } from '../../src/runtime/frame-codec.js';
import { RingQueue } from '../../src/runtime/ring-queue.js';

describe('frames', () => {
  it('decode the encoded payloads whatever the chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const decoder = new FrameDecoder(1024);
          const out: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = cuts[i % cuts.length] as number;
            for (const f of decoder.push(stream.subarray(at, at + size))) out.push(Buffer.from(f));
            at += size;
          }
          assert.deepEqual(
            out.map((b) => [...b]),
            payloads.map((p) => [...p]),
          );
          assert.equal(decoder.bufferedBytes, 0);
        },
      ),
    );
  });

  it('refuse an oversized frame from its header alone, and an empty frame', () => {
    const decoder = new FrameDecoder(100);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(101);
    assert.throws(
      () => decoder.push(header),
      (e) => e instanceof FrameError && /101 bytes exceeds the limit of 100/.test(e.message),
    );
    assert.throws(() => new FrameDecoder(100).push(Buffer.alloc(4)), /empty frame/);
  });
});

describe('RingQueue', () => {
  it('behaves as a FIFO array (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer(), fc.constant('shift' as const)), { maxLength: 500 }),
        (ops) => {
          const q = new RingQueue<number>(2);
          const model: number[] = [];
          for (const op of ops) {
            if (op === 'shift') assert.equal(q.shift(), model.shift());
            else {
              q.push(op);
              model.push(op);
            }
            assert.equal(q.length, model.length);
            assert.equal(q.peek(), model[0]);
          }
        },
      ),
    );
  });

  it('shifts a million items in linear time', () => {
    const q = new RingQueue<number>();
    for (let i = 0; i < 1_000_000; i++) q.push(i);
    let sum = 0;
    while (q.length > 0) sum += q.shift() as number;
    assert.equal(sum, (999_999 * 1_000_000) / 2);
  });
});
