import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/redun-deliv.js';
import { verify } from '../../../src/ldfi/verify.js';

test("redun-deliv: verified at 11/10/1 (Fig. 13) within Molly's 11 runs", () => {
  const r = verify(spec, { eot: 11, eff: 10, crashes: 1 });
  assert.equal(r.verdict, 'verified');
  assert.ok(r.runs <= 11, `runs ${r.runs}`); // measured: 11 (Molly: 11)
  assert.equal(Number(r.combinations.toPrecision(3)), 8.07e18);
  // The failure-free lineage's only falsifiers: crash a at some k and lose all its earlier copies
  // (paper Fig. 6); every such run keeps P from b and c alike, so `pre` is false.
  for (const run of r.runLog.slice(1)) {
    const crash = run.faults.find((f) => f.kind === 'crash');
    assert.ok(crash !== undefined && crash.kind === 'crash' && crash.node === 'a');
    assert.equal(run.faults.length, 1 + 2 * (crash.at - 1));
  }
});

test('redun-deliv: verified at 6/3/0 and 6/3/1 (CounterexampleSuite)', () => {
  const none = verify(spec, { eot: 6, eff: 3, crashes: 0 });
  assert.equal(none.verdict, 'verified');
  assert.equal(none.runs, 1); // measured: 1
  const one = verify(spec, { eot: 6, eff: 3, crashes: 1 });
  assert.equal(one.verdict, 'verified');
  assert.equal(one.runs, 4); // measured: 4
});
