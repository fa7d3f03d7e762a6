/**
 * Goal: the paxos-synod port gives Molly's verdicts (reference §3 Fig. 13, §4 "paxos_synod"):
 * agreement on accepted values holds at 7/6/1 and 8/3/1.
 * Method: the failure-free run and a competing-proposer run, then `verify` at both rows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/paxos-synod.js';
import { type Fault, NO_FAULTS, runSimulation } from '../../../src/index.js';
import { verify } from '../../../src/ldfi/verify.js';

test('paxos-synod: failure-free, b\'s higher ballot wins and everyone accepts "foobar"', () => {
  const r = runSimulation(spec, { seed: 1, plan: NO_FAULTS });
  assert.equal(r.status, 'pass');
  assert.deepEqual([...(r.postTuples.get('agreement') ?? [])], [['foobar']]);
  const first = r.facts.filter((f) => f.name === 'accepted' && f.time === 4);
  assert.deepEqual(
    first.map((f) => f.args),
    [
      ['a', 'foobar', 5],
      ['b', 'foobar', 5],
      ['c', 'foobar', 5],
    ],
  );
});

test('paxos-synod: a wins phase 1 when b\'s prepares are lost, and b then adopts "peter"', () => {
  const faults: Fault[] = [
    { kind: 'omission', from: 'b', to: 'a', at: 1 },
    { kind: 'omission', from: 'b', to: 'c', at: 1 },
  ];
  const r = runSimulation(spec, { seed: 1, plan: { faults } });
  assert.equal(r.status, 'pass');
  assert.deepEqual([...(r.postTuples.get('agreement') ?? [])], [['peter']]);
});

/** The Fig. 13 row, verified once (about 16 s) and read by the two tests below. */
let fig13: ReturnType<typeof verify> | undefined;
const fig13Result = () => {
  fig13 ??= verify(spec, { eot: 7, eff: 6, crashes: 1 });
  return fig13;
};

test('paxos-synod: verified at 7/6/1 (Fig. 13)', () => {
  const r = fig13Result();
  assert.equal(r.verdict, 'verified'); // measured: 1051 runs (Molly: 173)
  assert.equal(Number(r.combinations.toPrecision(3)), 4.81e11);
});

test("paxos-synod: 7/6/1 within Molly's 173 runs", {
  todo:
    'measured 1051 runs (670 distinct executions): every retry and re-send is another support to ' +
    'kill; see the report',
}, () => {
  const r = fig13Result();
  assert.ok(r.runs <= 173, `runs ${r.runs}`); // measured: 1051 (Molly: 173)
});

test("paxos-synod: verified at 8/3/1 (the table code's row)", () => {
  assert.equal(verify(spec, { eot: 8, eff: 3, crashes: 1 }).verdict, 'verified'); // 31 runs
});
