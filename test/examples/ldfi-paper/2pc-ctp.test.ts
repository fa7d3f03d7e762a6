/**
 * Goal: 2pc with cooperative termination gives Molly's verdicts (reference §3 Fig. 12, §4): once
 * every agent has prepared, a crash of C leaves them all uncertain; they ask each other and nobody
 * answers, so termination fails at 8/0/1 (Fig. 12), 6/0/1 and 6/0/2.
 * Method: a direct run of the scenario, then `verify` at each reference row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/2pc-ctp.js';
import { type Fault, NO_FAULTS, runSimulation } from '../../../src/index.js';
import { verify } from '../../../src/ldfi/verify.js';

test('2pc-ctp: failure-free, everyone commits and nobody asks', () => {
  const r = runSimulation(spec, { seed: 1, plan: NO_FAULTS });
  assert.equal(r.status, 'pass');
  assert.deepEqual(
    [...new Set(r.facts.filter((f) => f.name === 'commit').map((f) => f.node))].sort(),
    ['C', 'a', 'b', 'd'],
  );
});

test('2pc-ctp: C crashes after the votes: the agents time out, ask, and stay uncertain', () => {
  const crash: Fault = { kind: 'crash', node: 'C', at: 2, mode: 'send-omission' };
  const r = runSimulation(spec, { seed: 1, plan: { faults: [crash] }, trace: true });
  assert.equal(r.status, 'fail');
  assert.equal(r.violations[0]?.guarantee, 'termination');
  const trace = r.trace;
  assert.ok(trace !== undefined);
  let requests = 0;
  for (let m = 0; m < trace.messageCount; m++) {
    const msg = trace.message(m);
    if ((msg.payload as { type?: string }).type === 'decision_req') requests++;
  }
  assert.ok(requests > 0, 'the uncertain agents asked');
});

test("2pc-ctp: counterexample at 8/0/1 (Fig. 12) within Molly's 3 runs", () => {
  const r = verify(spec, { eot: 8, eff: 0, crashes: 1 });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(r.combinations, 36);
  assert.ok(r.runs <= 3, `runs ${r.runs}`); // measured: 3 (Molly: 3)
  const ce = r.counterexamples[0];
  assert.equal(ce?.guarantee, 'termination');
  assert.deepEqual(
    ce?.faults.map((f) => f.kind === 'crash' && f.node),
    ['C'],
  );
});

test('2pc-ctp: counterexamples at 6/0/1 and 6/0/2', () => {
  for (const p of [
    { eot: 6, eff: 0, crashes: 1 }, // measured: 3 runs
    { eot: 6, eff: 0, crashes: 2 }, // measured: 3 runs
  ]) {
    assert.equal(verify(spec, p).verdict, 'counterexample', JSON.stringify(p));
  }
});
