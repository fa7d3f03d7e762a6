import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/classic-deliv.js';
import { NO_FAULTS, runSimulation } from '../../../src/index.js';
import { verify } from '../../../src/ldfi/verify.js';
import { mollyNames } from './molly-names.js';

test('classic-deliv: failure-free, every node logs at t+1 of its first copy', () => {
  const r = runSimulation(spec, { seed: 1, plan: NO_FAULTS });
  assert.equal(r.status, 'pass');
  const first = (n: string) => r.facts.find((f) => f.name === 'log' && f.node === n)?.time;
  assert.deepEqual([first('a'), first('b'), first('c')], [2, 3, 3]);
});

test("classic-deliv: counterexample at 5/3/0 (Fig. 12): O(a,b,1), O(c,a,2), O(c,b,2) or its twin, within Molly's 5 runs", () => {
  const r = verify(spec, { eot: 5, eff: 3, crashes: 0 });
  assert.equal(r.verdict, 'counterexample');
  assert.ok(r.runs <= 5, `runs ${r.runs}`); // measured: 4 (Molly: 5)
  assert.equal(Number(r.combinations.toPrecision(3)), 2.62e5);
  const ce = mollyNames(r.counterexamples[0]?.faults ?? []).join(' ');
  assert.ok(['O(a,b,1) O(c,a,2) O(c,b,2)', 'O(a,c,1) O(b,a,2) O(b,c,2)'].includes(ce), ce);
  assert.deepEqual(r.counterexamples[0]?.vanished, [['c', 'hello']]);
});

test('classic-deliv: correct in the fail-stop model (6/0/2)', () => {
  const r = verify(spec, { eot: 6, eff: 0, crashes: 2 });
  assert.equal(r.verdict, 'verified');
  assert.equal(r.runs, 2); // measured: 2
});
