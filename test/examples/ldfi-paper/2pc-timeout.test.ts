/**
 * Goal: 2pc with a coordinator timeout gives Molly's verdicts (reference §4 "Commit family"): with
 * the optimist's spec (termination also holds when C crashes) no counterexample in fail-stop at
 * 6/0/1 and 6/0/2; with the plain spec, a crash of C still breaks termination.
 * Method: direct runs of the abort path, then `verify` at each reference row for both specs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec, { twoPcTimeoutPlain } from '../../../examples/ldfi-paper/2pc-timeout.js';
import { type Fault, runSimulation } from '../../../src/index.js';
import { verify } from '../../../src/ldfi/verify.js';

test('2pc-timeout: a crashed agent never votes; C times out at tick 4 and everyone aborts', () => {
  const crash: Fault = { kind: 'crash', node: 'a', at: 2, mode: 'send-omission' };
  const r = runSimulation(spec, { seed: 1, plan: { faults: [crash] } });
  assert.equal(r.status, 'pass');
  const aborts = r.facts.filter((f) => f.name === 'abort');
  assert.deepEqual(aborts[0] && [aborts[0].node, aborts[0].time], ['C', 4]);
  assert.deepEqual([...new Set(aborts.map((f) => f.node))].sort(), ['C', 'a', 'b', 'd']);
  assert.equal(r.facts.filter((f) => f.name === 'commit').length, 0);
});

test('2pc-timeout: verified with the optimist spec at 6/0/1 and 6/0/2', () => {
  for (const p of [
    { eot: 6, eff: 0, crashes: 1 }, // measured: 6 runs
    { eot: 6, eff: 0, crashes: 2 }, // measured: 10 runs
  ]) {
    assert.equal(verify(spec, p).verdict, 'verified', JSON.stringify(p));
  }
});

test('2pc-timeout: counterexample with the plain spec: C crashes and decides alone', () => {
  for (const p of [
    { eot: 6, eff: 0, crashes: 1 }, // measured: 3 runs
    { eot: 6, eff: 0, crashes: 2 }, // measured: 3 runs
  ]) {
    const r = verify(twoPcTimeoutPlain, p);
    assert.equal(r.verdict, 'counterexample', JSON.stringify(p));
    assert.equal(r.counterexamples[0]?.guarantee, 'termination');
    assert.deepEqual(
      r.counterexamples[0]?.faults.map((f) => f.kind === 'crash' && f.node),
      ['C'],
    );
  }
});
