import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/retry-deliv.js';
import { verify } from '../../../src/ldfi/verify.js';
import { mollyNames } from './molly-names.js';

test("retry-deliv: counterexample at 4/2/1 (Fig. 12): O(a,b,1) + C(a,2) or its twin, within Molly's 3 runs", () => {
  const r = verify(spec, { eot: 4, eff: 2, crashes: 1 });
  assert.equal(r.verdict, 'counterexample');
  assert.ok(r.runs <= 3, `runs ${r.runs}`); // measured: 3 (Molly: 3)
  assert.equal(Number(r.combinations.toPrecision(3)), 4.07e4);
  const ce = mollyNames(r.counterexamples[0]?.faults ?? []).join(' ');
  assert.ok(['C(a,2) O(a,b,1)', 'C(a,2) O(a,c,1)'].includes(ce), ce);
});

test('retry-deliv: no counterexample without crashes (6/3/0 and 25/23/0)', () => {
  for (const [eot, eff] of [
    [6, 3],
    [25, 23],
  ] as const) {
    const r = verify(spec, { eot, eff, crashes: 0 });
    assert.equal(r.verdict, 'verified', `${eot}/${eff}/0`);
    assert.equal(r.runs, 1); // measured: 1 — the failure-free lineage already shows no omission set kills a log
  }
});
