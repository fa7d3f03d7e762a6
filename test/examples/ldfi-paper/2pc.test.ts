/**
 * Goal: the 2pc port gives Molly's verdicts (reference §3 Fig. 12, §4 "Commit family"): a
 * coordinator crash after the votes breaks termination at 5/0/1 (Fig. 8), 6/0/1, 6/0/2 and 6/3/1;
 * without crashes the re-sent prepares repair every omission (verified at 7/3/0).
 * Method: direct runs of the named scenario, then `verify` at each reference row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/2pc.js';
import { type Fault, NO_FAULTS, runSimulation } from '../../../src/index.js';
import { verify } from '../../../src/ldfi/verify.js';
import { mollyNames } from './molly-names.js';

test('2pc: failure-free, C commits at tick 4 and every agent by EOT 5', () => {
  const r = runSimulation(spec, { seed: 1, plan: NO_FAULTS });
  assert.equal(r.status, 'pass');
  const commits = r.facts.filter((f) => f.name === 'commit');
  assert.deepEqual(
    commits.filter((f) => f.time <= 5).map((f) => [f.node, f.time]),
    [
      ['C', 4],
      ['C', 5],
      ['a', 5],
      ['b', 5],
      ['d', 5],
    ],
  );
});

test('2pc: C crashes after the votes are in: it decides alone (Fig. 8)', () => {
  const crash: Fault = { kind: 'crash', node: 'C', at: 3, mode: 'send-omission' };
  const r = runSimulation(spec, { seed: 1, plan: { faults: [crash] } });
  assert.equal(r.status, 'fail');
  assert.equal(r.violations[0]?.guarantee, 'termination');
  assert.deepEqual(
    [...new Set(r.facts.filter((f) => f.name === 'commit').map((f) => f.node))],
    ['C'],
  );
});

test('2pc: counterexample at 5/0/1 (Fig. 12): a lone crash of C', () => {
  const r = verify(spec, { eot: 5, eff: 0, crashes: 1 });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(r.combinations, 24);
  const ce = r.counterexamples[0];
  assert.equal(ce?.guarantee, 'termination');
  assert.deepEqual(ce?.vanished, [['hello']]);
  // C crashes once prepares are out and before its commit leaves (tick 2, 3 or 4).
  assert.match(mollyNames(ce?.faults ?? []).join(' '), /^C\(C,[234]\)$/);
});

test("2pc: 5/0/1 within Molly's 2 runs", () => {
  // C(C,1) would stop every prepare (a vacuous run): predicted vacuous, it is queued last.
  const r = verify(spec, { eot: 5, eff: 0, crashes: 1 });
  assert.ok(r.runs <= 2, `runs ${r.runs}`); // measured: 2 (Molly: 2)
});

test('2pc: counterexamples at 6/0/1, 6/0/2 and 6/3/1', () => {
  for (const p of [
    { eot: 6, eff: 0, crashes: 1 }, // measured: 3 runs
    { eot: 6, eff: 0, crashes: 2 }, // measured: 3 runs
    { eot: 6, eff: 3, crashes: 1 }, // measured: 3 runs
  ]) {
    const r = verify(spec, p);
    assert.equal(r.verdict, 'counterexample', JSON.stringify(p));
    assert.equal(r.counterexamples[0]?.guarantee, 'termination');
  }
});

test('2pc: verified at 7/3/0: re-sent prepares repair the omissions', () => {
  const r = verify(spec, { eot: 7, eff: 3, crashes: 0 });
  assert.equal(r.verdict, 'verified'); // measured: 12 runs
});
