// Shrinking: delta debugging reduces a known failing plan to its known minimal plan. The protocol
// below fails iff two specific faults both happen (a→b lost at tick 1 AND c→d lost at tick 2); the
// failing plan hides those two among eight harmless faults, and shrinkPlan must return exactly the
// two, 1-minimal, and say how many runs it used.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fact } from '../../src/core/fact.js';
import type { Fault } from '../../src/core/fault.js';
import type { Process } from '../../src/core/process.js';
import { defineSpec } from '../../src/core/spec.js';
import { failureSignature, shrinkPlan } from '../../src/sim/shrink.js';
import { runSimulation } from '../../src/sim/simulator.js';

type Msg = string;

/** a sends x to b at tick 1; c sends y to d at tick 2; receivers emit got(node, msg). */
const proc = (id: string): Process<Msg> => ({
  init(ctx) {
    if (id === 'a') ctx.send('b', 'x');
    if (id === 'c') ctx.setTimer('later', 1);
  },
  timer(ctx) {
    ctx.send('d', 'y');
  },
  receive(ctx, _from, msg) {
    ctx.emit(fact('got', ctx.id, msg));
  },
});

const spec = defineSpec<Msg>({
  name: 'two-faults',
  nodes: ['a', 'b', 'c', 'd'],
  process: proc,
  time: { model: 'sync', eot: 4 },
  guarantees: {
    final: [
      {
        name: 'some delivery',
        check: (w) =>
          w.has('got', 'b', 'x') || w.has('got', 'd', 'y') ? undefined : 'neither x nor y arrived',
      },
    ],
  },
});

const culpritA: Fault = { kind: 'omission', from: 'a', to: 'b', at: 1 };
const culpritC: Fault = { kind: 'omission', from: 'c', to: 'd', at: 2 };
const failing: Fault[] = [
  { kind: 'omission', from: 'b', to: 'a', at: 1 },
  { kind: 'omission', from: 'a', to: 'c', at: 1 },
  culpritA,
  { kind: 'omission', from: 'a', to: 'b', at: 2 },
  { kind: 'crash', node: 'd', at: 1 },
  { kind: 'omission', from: 'c', to: 'd', at: 1 },
  { kind: 'omission', from: 'd', to: 'a', at: 3 },
  culpritC,
  { kind: 'crash', node: 'b', at: 3 },
  { kind: 'omission', from: 'c', to: 'd', at: 3 },
];

describe('shrinkPlan', () => {
  test('the fixture: the failing plan fails, each culprit alone and the noise alone pass', () => {
    assert.equal(runSimulation(spec, { seed: 1, plan: { faults: failing } }).status, 'fail');
    assert.equal(runSimulation(spec, { seed: 1 }).status, 'pass');
    assert.equal(runSimulation(spec, { seed: 1, plan: { faults: [culpritA] } }).status, 'pass');
    assert.equal(runSimulation(spec, { seed: 1, plan: { faults: [culpritC] } }).status, 'pass');
    const noise = failing.filter((f) => f !== culpritA && f !== culpritC);
    assert.equal(runSimulation(spec, { seed: 1, plan: { faults: noise } }).status, 'pass');
  });

  test('reduces the ten-fault plan to exactly the two culprits', () => {
    const shrunk = shrinkPlan(spec, 1, { faults: failing });
    assert.deepEqual(shrunk.plan, { faults: [culpritA, culpritC] });
    assert.equal(shrunk.exhausted, false);
    assert.ok(shrunk.runs > 1 && shrunk.runs < 60, `runs used: ${shrunk.runs}`);
    assert.equal(shrunk.result.status, 'fail');
    assert.deepEqual(shrunk.result.plan, shrunk.plan);
    assert.equal(shrunk.result.violations[0]?.guarantee, 'some delivery');
  });

  test('the result is 1-minimal: removing any one fault makes the run pass', () => {
    const { plan } = shrinkPlan(spec, 1, { faults: failing });
    plan.faults.forEach((_, i) => {
      const fewer = plan.faults.filter((_, j) => j !== i);
      assert.equal(runSimulation(spec, { seed: 1, plan: { faults: fewer } }).status, 'pass');
    });
  });

  test('the result does not depend on where the culprits sit in the plan', () => {
    const reversed = [...failing].reverse();
    assert.deepEqual(shrinkPlan(spec, 1, { faults: reversed }).plan, {
      faults: [culpritC, culpritA],
    });
    const rotated = [...failing.slice(3), ...failing.slice(0, 3)];
    assert.deepEqual(shrinkPlan(spec, 1, { faults: rotated }).plan, {
      faults: [culpritC, culpritA],
    });
  });

  test('another pair of causes is found just as well; a failure with no faults shrinks to nothing', () => {
    // a crashed at tick 1 (so it sends nothing) plus c→d lost at 2 is another minimal plan.
    const crashA: Fault = { kind: 'crash', node: 'a', at: 1 };
    const noise = failing.filter((f) => f !== culpritA && f !== culpritC);
    const other = shrinkPlan(spec, 1, {
      faults: [...noise.slice(0, 4), crashA, ...noise.slice(4), culpritC],
    });
    assert.deepEqual(other.plan, { faults: [crashA, culpritC] });
    const alwaysFails = defineSpec<Msg>({
      ...spec,
      guarantees: { final: [{ name: 'never', check: () => 'always broken' }] },
    });
    const empty = shrinkPlan(alwaysFails, 1, { faults: failing });
    assert.deepEqual(empty.plan, { faults: [] });
  });

  test('a plan that passes cannot be shrunk', () => {
    assert.throws(
      () => shrinkPlan(spec, 1, { faults: [culpritA] }),
      /the plan does not fail with seed 1/,
    );
  });

  test('the run budget is respected and reported', () => {
    const shrunk = shrinkPlan(spec, 1, { faults: failing }, { runsMax: 3 });
    assert.equal(shrunk.runs, 3);
    assert.equal(shrunk.exhausted, true);
    assert.equal(shrunk.result.status, 'fail', 'whatever it returns still fails');
    assert.equal(runSimulation(spec, { seed: 1, plan: shrunk.plan }).status, 'fail');
  });

  test('a custom stillFails decides what counts as the same failure', () => {
    // Count any run where b did not get x as "still failing": the minimum is the one omission.
    const shrunk = shrinkPlan(
      spec,
      1,
      { faults: failing },
      { stillFails: (r) => !r.world.has('got', 'b', 'x') },
    );
    assert.deepEqual(shrunk.plan, { faults: [culpritA] });
  });

  test('property: for any monotone failure condition the result still fails and is 1-minimal', () => {
    // The "protocol" always fails; stillFails decides from the plan itself, so each run is tiny and
    // ddmin is exercised against arbitrary conditions: fail iff the plan contains one of `causes`.
    const always = defineSpec<Msg>({
      name: 'always',
      nodes: ['a', 'b'],
      process: () => ({ init() {}, receive() {}, timer() {} }),
      time: { model: 'sync', eot: 1 },
      guarantees: { final: [{ name: 'never', check: () => 'broken' }] },
    });
    const faultAt = (i: number): Fault => ({ kind: 'omission', from: 'a', to: 'b', at: i + 1 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 3 }), {
              minLength: 1,
              maxLength: 3,
            }),
          ),
        ),
        ([n, causes]) => {
          const has = (faults: readonly Fault[]) => {
            const ticks = new Set(faults.map((f) => (f.kind === 'omission' ? f.at - 1 : -1)));
            return causes.some((c) => c.every((i) => ticks.has(i)));
          };
          const all = Array.from({ length: n }, (_, i) => faultAt(i));
          const shrunk = shrinkPlan(
            always,
            1,
            { faults: all },
            { stillFails: (r) => has(r.plan.faults) },
          );
          assert.equal(shrunk.exhausted, false);
          assert.ok(has(shrunk.plan.faults), 'the result still fails');
          shrunk.plan.faults.forEach((_, i) => {
            assert.ok(
              !has(shrunk.plan.faults.filter((_, j) => j !== i)),
              'removing any one fault passes',
            );
          });
          // With a single cause the minimum is unique: exactly that cause.
          if (causes.length === 1) {
            assert.deepEqual(
              shrunk.plan.faults,
              [...(causes[0] as number[])].sort((x, y) => x - y).map(faultAt),
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('failureSignature', () => {
    const fail = runSimulation(spec, { seed: 1, plan: { faults: failing } });
    assert.equal(failureSignature(fail), 'fail:some delivery');
    assert.equal(failureSignature(runSimulation(spec, { seed: 1 })), 'pass');
  });
});
