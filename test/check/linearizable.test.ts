/**
 * The linearizability checker on hand-built histories whose verdicts are known: textbook cases,
 * concurrent writes where order matters, info operations, failed CAS, zero-duration operations,
 * budgets, partitions and the explanation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainLinearizability } from '../../src/check/explain.js';
import { checkHistory, checkOperations } from '../../src/check/linearizable.js';
import { kvModel } from '../../src/check/models/kv.js';
import { queueModel } from '../../src/check/models/queue.js';
import { casRegisterModel, registerModel } from '../../src/check/models/register.js';
import { setModel } from '../../src/check/models/set.js';
import { HistoryError, type Operation } from '../../src/check/operations.js';
import type { HistoryEvent } from '../../src/core/history.js';
import { bruteForceLinearizable, ops, witnessProblem } from './helpers.js';

const reg = registerModel();
const cas = casRegisterModel();

function verdict(model = reg, list: Parameters<typeof ops>[0] = []): string {
  const all = ops(list);
  const result = checkOperations(model, all);
  // Every hand-built verdict is confirmed by the brute-force checker too.
  const brute = bruteForceLinearizable(model, all) ? 'linearizable' : 'not-linearizable';
  assert.equal(result.verdict, brute, 'brute force disagrees');
  return result.verdict;
}

describe('linearizability: textbook register histories', () => {
  it('a read concurrent with a write may see it', () => {
    const v = verdict(reg, [
      { p: 'a', f: 'write', in: 1, call: 0, ret: 10 },
      { p: 'b', f: 'read', out: 1, call: 5, ret: 15 },
    ]);
    assert.equal(v, 'linearizable');
  });

  it('a read after a completed write must not see the older value', () => {
    const v = verdict(reg, [
      { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
      { p: 'a', f: 'write', in: 2, call: 2, ret: 3 },
      { p: 'b', f: 'read', out: 1, call: 4, ret: 5 },
    ]);
    assert.equal(v, 'not-linearizable');
  });

  it('concurrent writes: either order, but one order for every later read', () => {
    const writes = [
      { p: 'a', f: 'write', in: 1, call: 0, ret: 10 },
      { p: 'b', f: 'write', in: 2, call: 0, ret: 10 },
    ];
    const read = (out: number, at: number) => ({ p: 'c', f: 'read', out, call: at, ret: at + 1 });
    assert.equal(verdict(reg, [...writes, read(1, 11), read(1, 13)]), 'linearizable');
    assert.equal(verdict(reg, [...writes, read(2, 11), read(2, 13)]), 'linearizable');
    assert.equal(verdict(reg, [...writes, read(1, 11), read(2, 13)]), 'not-linearizable');
  });

  it('new-old inversion: two sequential reads during a write cannot go back', () => {
    const write = { p: 'a', f: 'write', in: 1, call: 0, ret: 10 };
    const r = (out: number | null, at: number) => ({
      p: 'b',
      f: 'read',
      out,
      call: at,
      ret: at + 1,
    });
    assert.equal(verdict(reg, [write, r(null, 2), r(1, 4)]), 'linearizable');
    assert.equal(verdict(reg, [write, r(1, 2), r(null, 4)]), 'not-linearizable');
  });

  it('the register starts at null', () => {
    assert.equal(verdict(reg, [{ p: 'a', f: 'read', out: null, call: 0, ret: 1 }]), 'linearizable');
    assert.equal(
      verdict(reg, [{ p: 'a', f: 'read', out: 0, call: 0, ret: 1 }]),
      'not-linearizable',
    );
  });
});

describe('linearizability: unknown outcomes (info)', () => {
  it('an info write may take effect at any time after its call', () => {
    const w = { p: 'a', f: 'write', in: 1, call: 0, status: 'info' as const };
    const r = (out: number | null, at: number) => ({
      p: 'b',
      f: 'read',
      out,
      call: at,
      ret: at + 1,
    });
    assert.equal(verdict(reg, [w, r(null, 100)]), 'linearizable'); // never took effect
    assert.equal(verdict(reg, [w, r(null, 100), r(1, 200)]), 'linearizable'); // took effect late
    assert.equal(verdict(reg, [w, r(1, 100), r(null, 200)]), 'not-linearizable');
  });

  it('an info write cannot take effect before its call', () => {
    const v = verdict(reg, [
      { p: 'b', f: 'read', out: 1, call: 0, ret: 1 },
      { p: 'a', f: 'write', in: 1, call: 5, status: 'info' },
    ]);
    assert.equal(v, 'not-linearizable');
  });

  it('an info CAS whose expected value never held does not make the history illegal', () => {
    const v = verdict(cas, [
      { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
      { p: 'b', f: 'cas', in: [7, 8], call: 2, status: 'info' },
      { p: 'a', f: 'read', out: 1, call: 3, ret: 4 },
    ]);
    assert.equal(v, 'linearizable');
  });

  it('an info CAS that took effect explains a later read', () => {
    const list = [
      { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
      { p: 'b', f: 'cas', in: [1, 2], call: 2, status: 'info' as const },
      { p: 'a', f: 'read', out: 2, call: 3, ret: 4 },
    ];
    assert.equal(verdict(cas, list), 'linearizable');
    const noCas = list.filter((o) => o.f !== 'cas');
    assert.equal(verdict(cas, noCas), 'not-linearizable');
  });

  it('an operation still open at the end of a history is treated as info', () => {
    const history: HistoryEvent[] = [
      { index: 0, type: 'invoke', process: 'a', f: 'write', value: 1, time: 0 },
      { index: 1, type: 'invoke', process: 'b', f: 'read', value: null, time: 1 },
      { index: 2, type: 'ok', process: 'b', f: 'read', value: 1, time: 2, invokeIndex: 1 },
    ];
    const r = checkHistory(reg, history);
    assert.equal(r.verdict, 'linearizable');
    assert.equal(r.ops.find((o) => o.f === 'write')?.status, 'info');
  });
});

describe('linearizability: failed CAS (Jepsen: completed, state unchanged)', () => {
  it('a failed CAS did not take effect', () => {
    const v = verdict(cas, [
      { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
      { p: 'b', f: 'cas', in: [1, 2], call: 2, ret: 3, status: 'fail' },
      { p: 'a', f: 'read', out: 2, call: 4, ret: 5 },
    ]);
    assert.equal(v, 'not-linearizable');
  });

  it('a failed CAS leaves the state as it was', () => {
    const v = verdict(cas, [
      { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
      { p: 'b', f: 'cas', in: [1, 2], call: 2, ret: 3, status: 'fail' },
      { p: 'a', f: 'read', out: 1, call: 4, ret: 5 },
    ]);
    assert.equal(v, 'linearizable');
  });

  it('a successful CAS needs its expected value', () => {
    const list = (from: number) => [
      { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
      { p: 'b', f: 'cas', in: [from, 2], call: 2, ret: 3 },
      { p: 'a', f: 'read', out: 2, call: 4, ret: 5 },
    ];
    assert.equal(verdict(cas, list(1)), 'linearizable');
    assert.equal(verdict(cas, list(3)), 'not-linearizable');
  });
});

describe('linearizability: zero-duration operations (closed intervals)', () => {
  it('operations at the same instant are concurrent, in either order', () => {
    const w = { p: 'a', f: 'write', in: 1, call: 5, ret: 5 };
    assert.equal(verdict(reg, [w, { p: 'b', f: 'read', out: 1, call: 5, ret: 5 }]), 'linearizable');
    assert.equal(
      verdict(reg, [w, { p: 'b', f: 'read', out: null, call: 5, ret: 5 }]),
      'linearizable',
    );
  });

  it('a later instant is ordered after', () => {
    const w = { p: 'a', f: 'write', in: 1, call: 5, ret: 5 };
    const r = { p: 'b', f: 'read', out: null, call: 6, ret: 6 };
    assert.equal(verdict(reg, [w, r]), 'not-linearizable');
  });
});

describe('linearizability: other models', () => {
  it('kv: partitions by key, and names the partition that fails', () => {
    const list = [
      { p: 'a', f: 'put', in: ['x', 1], call: 0, ret: 1 },
      { p: 'b', f: 'put', in: ['y', 2], call: 0, ret: 1 },
      { p: 'a', f: 'get', in: ['x', null], out: ['x', 1], call: 2, ret: 3 },
      { p: 'b', f: 'get', in: ['y', null], out: ['y', 3], call: 2, ret: 3 },
    ];
    assert.equal(verdict(kvModel(), list), 'not-linearizable');
    const r = checkOperations(kvModel(), ops(list));
    const bad = r.partitions.find((p) => p.verdict === 'not-linearizable');
    assert.equal(bad?.key, '"y"');
    assert.equal(bad?.blocked, 3);
  });

  it('kv: append, delete and cas', () => {
    const m = kvModel();
    const list = [
      { p: 'a', f: 'append', in: ['k', 'a'], call: 0, ret: 1 },
      { p: 'a', f: 'append', in: ['k', 'b'], call: 2, ret: 3 },
      { p: 'b', f: 'get', in: ['k', null], out: ['k', 'ab'], call: 4, ret: 5 },
      { p: 'b', f: 'cas', in: ['k', ['ab', 'z']], call: 6, ret: 7 },
      { p: 'b', f: 'get', in: ['k', null], out: ['k', 'z'], call: 8, ret: 9 },
      { p: 'a', f: 'delete', in: ['k', null], call: 10, ret: 11 },
      { p: 'b', f: 'get', in: ['k', null], out: ['k', null], call: 12, ret: 13 },
    ];
    assert.equal(verdict(m, list), 'linearizable');
    const wrong = list.map((o, i) => (i === 2 ? { ...o, out: ['k', 'ba'] } : o));
    assert.equal(verdict(m, wrong), 'not-linearizable');
  });

  it('kv: a configurable value for missing keys (Porcupine uses "")', () => {
    const get = [{ p: 'a', f: 'get', in: ['k', null], out: ['k', ''], call: 0, ret: 1 }];
    assert.equal(verdict(kvModel(), get), 'not-linearizable');
    assert.equal(verdict(kvModel({ absent: '' }), get), 'linearizable');
  });

  it('set: reads see every add that completed before them', () => {
    const list = (read: number[]) => [
      { p: 'a', f: 'add', in: 1, call: 0, ret: 1 },
      { p: 'b', f: 'add', in: 2, call: 0, ret: 10 },
      { p: 'c', f: 'read', out: read, call: 2, ret: 3 },
    ];
    assert.equal(verdict(setModel(), list([1])), 'linearizable');
    assert.equal(verdict(setModel(), list([2, 1])), 'linearizable');
    assert.equal(verdict(setModel(), list([2])), 'not-linearizable');
  });

  it('queue: FIFO order', () => {
    const list = (first: number) => [
      { p: 'a', f: 'enqueue', in: 1, call: 0, ret: 1 },
      { p: 'a', f: 'enqueue', in: 2, call: 2, ret: 3 },
      { p: 'b', f: 'dequeue', out: first, call: 4, ret: 5 },
    ];
    assert.equal(verdict(queueModel(), list(1)), 'linearizable');
    assert.equal(verdict(queueModel(), list(2)), 'not-linearizable');
  });
});

describe('linearizability: explanation and budgets', () => {
  const stale = ops([
    { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
    { p: 'a', f: 'write', in: 2, call: 2, ret: 3 },
    { p: 'b', f: 'read', out: 1, call: 4, ret: 5 },
  ]);

  it('reports the longest partial linearisation and the operation that broke it', () => {
    const r = checkOperations(reg, stale);
    const p = r.partitions[0];
    assert.deepEqual(p?.longest, [0, 1]);
    assert.equal(p?.blocked, 2);
    assert.equal(p?.stateAfterLongest, '2');
    const text = explainLinearizability(reg, r);
    assert.match(text, /longest partial linearisation: 2 operations/);
    assert.match(text, /could not linearise: op 2 b read\(null\) -> 1/);
  });

  it('returns the linearisation it found', () => {
    const all = ops([
      { p: 'a', f: 'write', in: 1, call: 0, ret: 10 },
      { p: 'b', f: 'read', out: null, call: 1, ret: 2 },
      { p: 'b', f: 'read', out: 1, call: 3, ret: 4 },
    ]);
    const r = checkOperations(reg, all);
    assert.deepEqual(r.partitions[0]?.linearization, [1, 0, 2]);
    assert.equal(witnessProblem(reg, all, [0, 1, 2], [1, 0, 2]), undefined);
  });

  it('answers unknown when the step budget or the stop callback says so', () => {
    const all = ops(
      Array.from({ length: 12 }, (_, i) => ({ p: `c${i}`, f: 'write', in: i, call: 0, ret: 10 })),
    ).concat(
      ops([{ p: 'z', f: 'read', out: 99, call: 11, ret: 12 }]).map((o) => ({ ...o, id: 12 })),
    );
    assert.equal(checkOperations(reg, all, { stepsMax: 5 }).verdict, 'unknown');
    assert.equal(checkOperations(reg, all, { stepsMax: 5 }).partitions[0]?.spent, 'steps');
    const memo = checkOperations(reg, all, { memoMax: 3 });
    assert.deepEqual([memo.verdict, memo.partitions[0]?.spent], ['unknown', 'memo']);
    let polls = 0;
    const stop = () => ++polls >= 1;
    assert.equal(checkOperations(reg, all, { shouldStop: stop }).verdict, 'unknown');
    assert.equal(polls, 1);
    assert.equal(checkOperations(reg, all).verdict, 'not-linearizable');
  });

  it('a malformed history is an error naming the event', () => {
    const dup: HistoryEvent[] = [
      { index: 0, type: 'invoke', process: 'a', f: 'read', value: null, time: 0 },
      { index: 1, type: 'invoke', process: 'a', f: 'read', value: null, time: 1 },
    ];
    assert.throws(
      () => checkHistory(reg, dup),
      (e: unknown) => {
        return e instanceof HistoryError && /#1 .*duplicate invoke.*#0/.test(e.message);
      },
    );
    const orphan: HistoryEvent[] = [
      { index: 0, type: 'ok', process: 'a', f: 'read', value: null, time: 0 },
    ];
    assert.throws(() => checkHistory(reg, orphan), /#0 .*unmatched completion/);
  });

  it('an operation the model does not know is an error naming the model', () => {
    const all = ops([{ p: 'a', f: 'frobnicate', call: 0, ret: 1 }]);
    assert.throws(() => checkOperations(cas, all), /cas-register model: frobnicate/);
  });
});

describe('linearizability: hand-built operation lists are validated', () => {
  it('rejects ids that are not positions and intervals that run backwards', () => {
    const [a] = ops([{ p: 'a', f: 'write', in: 1, call: 0, ret: 1 }]);
    assert.throws(
      () => checkOperations(reg, [{ ...(a as Operation), id: 3 }]),
      /position 0 has id 3/,
    );
    assert.throws(
      () => checkOperations(reg, [{ ...(a as Operation), ret: -1 }]),
      /returns \(-1\) before its call \(0\)/,
    );
  });
});
