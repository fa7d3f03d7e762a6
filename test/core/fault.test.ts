// validateFaultPlan: every fault kind is accepted in its valid form, and every malformed field is
// rejected with a FaultPlanError whose message names the fault and the field (`faults[i].field`).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeFault,
  type Fault,
  FaultPlanError,
  NO_FAULTS,
  validateFaultPlan,
} from '../../src/core/fault.js';

const nodes = ['a', 'b', 'c'];

/** One valid fault of every kind (async model unless noted). */
const validAsync: Fault[] = [
  { kind: 'omission', from: 'a', to: 'b', at: 1 },
  { kind: 'drop', from: 'a', to: 'b', index: 0 },
  { kind: 'crash', node: 'a', at: 5 },
  { kind: 'crash', node: 'a', at: 5, mode: 'stop' },
  { kind: 'crash', node: 'b', at: 5, mode: 'restart', restartAt: 9 },
  { kind: 'crash', node: 'b', at: 5, restartAt: 9 },
  { kind: 'crash', node: 'c', at: 0, mode: 'send-omission' },
  { kind: 'partition', groups: [['a'], ['b', 'c']], at: 0, until: 10 },
  { kind: 'partition', groups: [['a'], ['b']], at: 3 },
  { kind: 'one-way-partition', from: ['a'], to: ['b', 'c'], at: 1.5, until: 2.5 },
  { kind: 'clog', from: 'a', to: 'c', at: 1, until: 4 },
  { kind: 'loss', probability: 0.5, at: 0 },
  { kind: 'loss', probability: 1, at: 0, until: 3, from: 'a', to: 'b' },
  { kind: 'duplicate', probability: 0, at: 2, until: 2 },
  { kind: 'clock', node: 'a', at: 0, offsetMs: -50, driftPpm: 1000 },
  { kind: 'clock', node: 'b', at: 0, offsetMs: 10 },
  { kind: 'disk', node: 'a', fault: 'unsynced', at: 0, until: 5 },
  { kind: 'disk', node: 'a', fault: 'full', at: 0 },
  { kind: 'corrupt', node: 'c', at: 7, index: 3 },
];

function rejects(plan: unknown, pattern: RegExp, model: 'sync' | 'async' = 'async'): void {
  assert.throws(
    () => validateFaultPlan(plan, nodes, model),
    (e: unknown) => {
      assert.ok(e instanceof FaultPlanError, `expected FaultPlanError, got ${String(e)}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

const one = (f: unknown) => ({ faults: [f] });
const second = (f: unknown) => ({ faults: [{ kind: 'crash', node: 'a', at: 1 }, f] });

describe('validateFaultPlan', () => {
  test('accepts each kind of fault and returns the plan itself', () => {
    const plan = { faults: validAsync };
    assert.equal(validateFaultPlan(plan, nodes, 'async'), plan);
    assert.equal(validateFaultPlan(NO_FAULTS, nodes, 'sync'), NO_FAULTS);
    const kinds = new Set(validAsync.map((f) => f.kind));
    assert.equal(kinds.size, 11, 'the fixture covers all eleven kinds');
  });

  test('accepts each kind one by one', () => {
    for (const f of validAsync) validateFaultPlan(one(f), nodes, 'async');
  });

  test('accepts the synchronous-model faults with whole ticks', () => {
    validateFaultPlan(
      {
        faults: [
          { kind: 'omission', from: 'a', to: 'b', at: 2 },
          { kind: 'crash', node: 'c', at: 1 },
          { kind: 'crash', node: 'b', at: 2, mode: 'restart', restartAt: 3 },
        ],
      },
      nodes,
      'sync',
    );
  });

  test('rejects a plan that is not {faults: [...]}', () => {
    rejects(null, /fault plan must be an object/);
    rejects([], /fault plan must be an object/);
    rejects({ faults: 'x' }, /fault plan must be an object/);
    rejects({}, /fault plan must be an object/);
  });

  test('rejects a non-object fault and an unknown kind, naming the index', () => {
    rejects(second(7), /^faults\[1\]: not an object/);
    rejects(second(null), /^faults\[1\]: not an object/);
    rejects(second({ kind: 'meteor', at: 1 }), /^faults\[1\]\.kind: unknown fault kind "meteor"/);
    rejects(one({ at: 1 }), /^faults\[0\]\.kind: unknown fault kind/);
  });

  test('rejects unknown nodes, naming the field', () => {
    rejects(
      one({ kind: 'omission', from: 'z', to: 'b', at: 1 }),
      /^faults\[0\]\.from: unknown node "z"/,
    );
    rejects(one({ kind: 'omission', from: 'a', to: 9, at: 1 }), /^faults\[0\]\.to: unknown node 9/);
    rejects(second({ kind: 'crash', node: 'q', at: 1 }), /^faults\[1\]\.node: unknown node "q"/);
    rejects(
      one({ kind: 'partition', groups: [['a'], ['b', 'x']], at: 1 }),
      /^faults\[0\]\.groups\[1\]\[1\]: unknown node "x"/,
    );
    rejects(
      one({ kind: 'one-way-partition', from: ['a'], to: ['b', 'nope'], at: 1 }),
      /^faults\[0\]\.to\[1\]: unknown node "nope"/,
    );
    rejects(
      one({ kind: 'one-way-partition', from: 'a', to: ['b'], at: 1 }),
      /^faults\[0\]\.from: must be an array of node ids/,
    );
    rejects(
      one({ kind: 'loss', probability: 0.1, at: 1, from: 'zz' }),
      /^faults\[0\]\.from: unknown node/,
    );
    rejects(
      one({ kind: 'clock', node: 'x', at: 1, offsetMs: 1 }),
      /^faults\[0\]\.node: unknown node/,
    );
    rejects(
      one({ kind: 'disk', node: 'x', fault: 'full', at: 1 }),
      /^faults\[0\]\.node: unknown node/,
    );
    rejects(
      one({ kind: 'corrupt', node: 'x', at: 1, index: 0 }),
      /^faults\[0\]\.node: unknown node/,
    );
  });

  test('rejects bad times, naming the field', () => {
    rejects(
      second({ kind: 'crash', node: 'a', at: -1 }),
      /^faults\[1\]\.at: must be a finite time >= 0, got -1/,
    );
    rejects(
      one({ kind: 'crash', node: 'a', at: Number.NaN }),
      /^faults\[0\]\.at: must be a finite time/,
    );
    rejects(one({ kind: 'crash', node: 'a', at: '3' }), /^faults\[0\]\.at: must be a finite time/);
    rejects(one({ kind: 'crash', node: 'a' }), /^faults\[0\]\.at: must be a finite time/);
    rejects(
      one({ kind: 'crash', node: 'a', at: 1.5 }),
      /^faults\[0\]\.at: the synchronous model needs a whole tick/,
      'sync',
    );
    rejects(
      one({ kind: 'partition', groups: [['a'], ['b']], at: 5, until: 4 }),
      /^faults\[0\]\.until: 4 is before at 5/,
    );
    rejects(
      one({ kind: 'partition', groups: [['a'], ['b']], at: 1, until: Number.POSITIVE_INFINITY }),
      /^faults\[0\]\.until: must be a finite time/,
    );
    rejects(
      one({ kind: 'clog', from: 'a', to: 'b', at: 1 }),
      /^faults\[0\]\.until: must be a finite time/,
    );
    rejects(
      one({ kind: 'clog', from: 'a', to: 'b', at: 3, until: 2 }),
      /^faults\[0\]\.until: before at/,
    );
    rejects(
      one({ kind: 'disk', node: 'a', fault: 'full', at: 3, until: 1 }),
      /^faults\[0\]\.until/,
    );
  });

  test('omission: ticks start at 1 and self-sends cannot be lost', () => {
    rejects(
      one({ kind: 'omission', from: 'a', to: 'b', at: 0 }),
      /^faults\[0\]\.at: ticks start at 1/,
      'sync',
    );
    rejects(
      one({ kind: 'omission', from: 'a', to: 'a', at: 1 }),
      /^faults\[0\]: a node's messages to itself/,
    );
  });

  test('drop: index must be a whole number >= 0', () => {
    rejects(
      one({ kind: 'drop', from: 'a', to: 'b', index: -1 }),
      /^faults\[0\]\.index: must be a whole number >= 0/,
    );
    rejects(one({ kind: 'drop', from: 'a', to: 'b', index: 0.5 }), /^faults\[0\]\.index/);
    rejects(one({ kind: 'drop', from: 'a', to: 'b' }), /^faults\[0\]\.index/);
  });

  test('crash: mode and restartAt', () => {
    rejects(
      one({ kind: 'crash', node: 'a', at: 1, mode: 'explode' }),
      /^faults\[0\]\.mode: must be send-omission, stop or restart/,
    );
    rejects(
      one({ kind: 'crash', node: 'a', at: 1, mode: 'stop', restartAt: 5 }),
      /^faults\[0\]\.restartAt: only a crash with mode "restart" restarts/,
    );
    // In the synchronous model the default mode is send-omission, which never restarts.
    rejects(
      one({ kind: 'crash', node: 'a', at: 1, restartAt: 5 }),
      /^faults\[0\]\.restartAt: only/,
      'sync',
    );
    rejects(
      one({ kind: 'crash', node: 'a', at: 5, mode: 'restart', restartAt: 5 }),
      /^faults\[0\]\.restartAt: 5 is not after the crash at 5/,
    );
    rejects(
      one({ kind: 'crash', node: 'a', at: 1, mode: 'restart', restartAt: -2 }),
      /^faults\[0\]\.restartAt: must be a finite time/,
    );
  });

  test('partition groups', () => {
    rejects(
      one({ kind: 'partition', groups: [], at: 1 }),
      /^faults\[0\]\.groups: must be a non-empty array/,
    );
    rejects(one({ kind: 'partition', at: 1 }), /^faults\[0\]\.groups: must be a non-empty array/);
    rejects(
      one({ kind: 'partition', groups: ['a'], at: 1 }),
      /^faults\[0\]\.groups\[0\]: must be an array/,
    );
    rejects(
      one({ kind: 'partition', groups: [['a'], ['a', 'b']], at: 1 }),
      /^faults\[0\]\.groups: node a is in two groups/,
    );
  });

  test('probabilities must lie in [0, 1]', () => {
    rejects(
      one({ kind: 'loss', probability: 1.5, at: 0 }),
      /^faults\[0\]\.probability: must be in \[0, 1\], got 1\.5/,
    );
    rejects(one({ kind: 'loss', probability: -0.1, at: 0 }), /^faults\[0\]\.probability/);
    rejects(
      one({ kind: 'duplicate', probability: Number.NaN, at: 0 }),
      /^faults\[0\]\.probability/,
    );
    rejects(one({ kind: 'duplicate', at: 0 }), /^faults\[0\]\.probability/);
  });

  test('clock offset and drift', () => {
    rejects(
      one({ kind: 'clock', node: 'a', at: 0 }),
      /^faults\[0\]\.offsetMs: must be a finite number/,
    );
    rejects(
      one({ kind: 'clock', node: 'a', at: 0, offsetMs: Number.NaN }),
      /^faults\[0\]\.offsetMs/,
    );
    rejects(
      one({ kind: 'clock', node: 'a', at: 0, offsetMs: 0, driftPpm: 1e6 }),
      /^faults\[0\]\.driftPpm: must be a number in/,
    );
    rejects(
      one({ kind: 'clock', node: 'a', at: 0, offsetMs: 0, driftPpm: 'fast' }),
      /^faults\[0\]\.driftPpm/,
    );
  });

  test('disk fault kind and corrupt index', () => {
    rejects(
      one({ kind: 'disk', node: 'a', fault: 'slow', at: 0 }),
      /^faults\[0\]\.fault: must be "unsynced" or "full", got "slow"/,
    );
    rejects(
      one({ kind: 'corrupt', node: 'a', at: 0, index: -3 }),
      /^faults\[0\]\.index: must be a whole number >= 0/,
    );
  });

  test('describeFault gives a short line per kind', () => {
    assert.equal(describeFault({ kind: 'omission', from: 'a', to: 'b', at: 2 }), 'O(a,b,2)');
    assert.equal(describeFault({ kind: 'crash', node: 'a', at: 2 }), 'C(a,2)');
    assert.equal(
      describeFault({ kind: 'crash', node: 'a', at: 2, mode: 'restart', restartAt: 5 }),
      'C(a,2,restart@5)',
    );
    for (const f of validAsync) assert.ok(describeFault(f).length > 0);
  });
});
