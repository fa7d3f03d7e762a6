import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/simple-deliv.js';
import { verify } from '../../../src/ldfi/verify.js';
import { mollyNames } from './molly-names.js';

test("simple-deliv: counterexample at 4/2/0 (Fig. 12), O(a,b,1) or its twin, within Molly's 2 runs", () => {
  const r = verify(spec, { eot: 4, eff: 2, crashes: 0 });
  assert.equal(r.verdict, 'counterexample');
  assert.ok(r.runs <= 2, `runs ${r.runs}`); // measured: 2 (Molly: 2)
  assert.equal(Number(r.combinations.toPrecision(3)), 4.1e3);
  const ce = mollyNames(r.counterexamples[0]?.faults ?? []);
  assert.ok(
    [['O(a,b,1)'], ['O(a,c,1)']].some((want) => want.join() === ce.join()),
    ce.join(),
  );
});
