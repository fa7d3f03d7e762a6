/**
 * Goal: the 3pc port gives Molly's verdicts (reference §3 Fig. 12, §4 "Commit family"): correct in
 * fail-stop (8/0/1, 8/0/2); with omissions, agreement breaks at 9/7/1 (Fig. 9), found within the
 * random baseline's mean of 40 runs (Molly needed 55).
 * Method: a direct run of the paper's scenario (d crashes before its ack, C aborts, C's aborts to a
 * and b are lost, a and b time out precommitted and commit), then `verify` at each reference row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/3pc.js';
import { type Fault, NO_FAULTS, runSimulation } from '../../../src/index.js';
import { verify } from '../../../src/ldfi/verify.js';
import { mollyNames } from './molly-names.js';

const decisions = (r: ReturnType<typeof runSimulation>) =>
  r.facts
    .filter((f) => f.name === 'commit' || f.name === 'abort')
    .map((f) => `${f.node}:${f.name}@${f.time}`);

test('3pc: failure-free, C commits at tick 5 and the agents at 6', () => {
  const r = runSimulation(spec, { seed: 1, plan: NO_FAULTS });
  assert.equal(r.status, 'pass');
  assert.deepEqual(decisions(r), ['C:commit@5', 'a:commit@6', 'b:commit@6', 'd:commit@6']);
});

test('3pc: the Fig. 9 scenario breaks agreement: C aborts, a and b commit', () => {
  const faults: Fault[] = [
    { kind: 'crash', node: 'd', at: 3, mode: 'send-omission' },
    { kind: 'omission', from: 'C', to: 'a', at: 5 },
    { kind: 'omission', from: 'C', to: 'b', at: 5 },
  ];
  const r = runSimulation(spec, { seed: 1, plan: { faults } });
  assert.equal(r.status, 'fail');
  assert.equal(r.violations[0]?.guarantee, 'agreement');
  // d (crashed) hears the abort; a and b time out precommitted at tick 7.
  assert.deepEqual(decisions(r), ['C:abort@5', 'd:abort@6', 'a:commit@7', 'b:commit@7']);
});

test('3pc: verified in fail-stop at 8/0/1 and 8/0/2', () => {
  for (const p of [
    { eot: 8, eff: 0, crashes: 1 }, // measured: 9 runs
    { eot: 8, eff: 0, crashes: 2 }, // measured: 22 runs
  ]) {
    assert.equal(verify(spec, p).verdict, 'verified', JSON.stringify(p));
  }
});

test("3pc: counterexample at 9/7/1 (Fig. 12) within the random baseline's 40 runs", () => {
  const r = verify(spec, { eot: 9, eff: 7, crashes: 1 });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(Number(r.combinations.toPrecision(3)), 2.43e26);
  assert.ok(r.runs <= 40, `runs ${r.runs}`); // measured: 16 (Molly: 55, random: 40.6)
  const ce = r.counterexamples[0];
  assert.equal(ce?.guarantee, 'agreement');
  // The first one found: C's precommit to a is lost and C crashes before its decision leaves;
  // a times out unprepared and aborts while b and d, precommitted, time out and commit.
  assert.deepEqual(mollyNames(ce?.faults ?? []), ['C(C,5)', 'O(C,a,3)']);
  const replay = runSimulation(spec, { seed: 1, plan: { faults: ce?.faults ?? [] } });
  assert.equal(replay.status, 'fail');
});
