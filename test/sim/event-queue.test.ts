// The agenda orders items by (time, phase, seq) where seq is the push order, so equal (time, phase)
// items come out FIFO. Checked by example and by a fast-check property against a sorted array.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { EventQueue, type Scheduled } from '../../src/sim/event-queue.js';

interface Item extends Scheduled {
  label: string;
}
const item = (time: number, phase: number, label: string): Item => ({
  time,
  phase,
  seq: -1,
  label,
});

function drain(q: EventQueue<Item>): string[] {
  const out: string[] = [];
  for (let it = q.pop(); it !== undefined; it = q.pop()) out.push(it.label);
  return out;
}

describe('EventQueue', () => {
  test('empty queue', () => {
    const q = new EventQueue<Item>();
    assert.equal(q.size, 0);
    assert.equal(q.peek(), undefined);
    assert.equal(q.pop(), undefined);
  });

  test('orders by time, then phase, then push order', () => {
    const q = new EventQueue<Item>();
    q.push(item(2, 0, 't2p0'));
    q.push(item(1, 2, 't1p2'));
    q.push(item(1, 1, 't1p1-first'));
    q.push(item(1, 0, 't1p0'));
    q.push(item(1, 1, 't1p1-second'));
    q.push(item(0.5, 9, 't0.5'));
    assert.equal(q.size, 6);
    assert.equal(q.peek()?.label, 't0.5');
    assert.deepEqual(drain(q), ['t0.5', 't1p0', 't1p1-first', 't1p1-second', 't1p2', 't2p0']);
  });

  test('equal keys come out in push order (FIFO), many of them', () => {
    const q = new EventQueue<Item>();
    for (let i = 0; i < 100; i++) q.push(item(3, 1, String(i)));
    assert.deepEqual(
      drain(q),
      Array.from({ length: 100 }, (_, i) => String(i)),
    );
  });

  test('push assigns increasing sequence numbers', () => {
    const q = new EventQueue<Item>();
    const a = item(1, 0, 'a');
    const b = item(1, 0, 'b');
    q.push(a);
    q.push(b);
    assert.ok(a.seq >= 0 && b.seq > a.seq);
  });

  test('clear empties the queue', () => {
    const q = new EventQueue<Item>();
    q.push(item(1, 0, 'a'));
    q.clear();
    assert.equal(q.size, 0);
    assert.equal(q.pop(), undefined);
  });

  test('property: interleaved pushes and pops match a stably sorted array', () => {
    const op = fc.oneof(
      fc.record({
        push: fc.constant(true),
        time: fc.integer({ min: 0, max: 5 }),
        phase: fc.integer({ min: 0, max: 2 }),
      }),
      fc.record({ push: fc.constant(false) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new EventQueue<Item>();
        let oracle: { time: number; phase: number; order: number; label: string }[] = [];
        let order = 0;
        for (const o of ops) {
          if (o.push) {
            const label = `#${order}`;
            q.push(item(o.time, o.phase, label));
            oracle.push({ time: o.time, phase: o.phase, order: order++, label });
            oracle.sort((x, y) => x.time - y.time || x.phase - y.phase || x.order - y.order);
          } else {
            const expected = oracle[0];
            oracle = oracle.slice(1);
            assert.equal(q.pop()?.label, expected?.label);
          }
          assert.equal(q.size, oracle.length);
          assert.equal(q.peek()?.label, oracle[0]?.label);
        }
        assert.deepEqual(
          drain(q),
          oracle.map((x) => x.label),
        );
      }),
      { numRuns: 300 },
    );
  });
});
