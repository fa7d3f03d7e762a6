/**
 * Goal: the paxos-synod port gives Molly's verdicts (reference §3 Fig. 13, §4 "paxos_synod"):
 * agreement on accepted values holds at 7/6/1 and 8/3/1.
 * Method: the failure-free run and a competing-proposer run, then `verify` at both rows, and a
 * cross-check against exhaustive search where the space is small (7/2/1).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/paxos-synod.js';
import { type Fault, NO_FAULTS, runSimulation } from '../../../src/index.js';
import { exhaustiveSearch } from '../../../src/ldfi/strategies.js';
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

/** The Fig. 13 row, verified once (about 4 s) and read by the two tests below. */
let fig13: ReturnType<typeof verify> | undefined;
const fig13Result = () => {
  fig13 ??= verify(spec, { eot: 7, eff: 6, crashes: 1 });
  return fig13;
};

test('paxos-synod: verified at 7/6/1 (Fig. 13)', () => {
  const r = fig13Result();
  assert.equal(r.verdict, 'verified');
  assert.equal(Number(r.combinations.toPrecision(3)), 4.81e11);
});

test("paxos-synod: 7/6/1 within Molly's 173 runs", () => {
  const r = fig13Result();
  assert.ok(r.runs <= 173, `runs ${r.runs}`); // measured: 96 (Molly: 173)
});

test('paxos-synod: every-tick jobs are armed by the clock, not by their previous firing', () => {
  // A job re-arming itself would make each firing depend on the last one's reads (the timer's
  // setter is a premise); the clock that arms them reads nothing (docs/design/ldfi.md).
  const r = runSimulation(spec, { seed: 1, plan: NO_FAULTS, trace: true });
  const trace = r.trace;
  assert.ok(trace !== undefined);
  let jobs = 0;
  for (let i = 0; i < trace.eventCount; i++) {
    const e = trace.event(i);
    if (e.kind !== 'timer' || !String(e.trigger).startsWith('job/') || e.cause === null) continue;
    const setter = trace.event(e.cause);
    assert.ok(
      setter.kind === 'init' || (setter.kind === 'timer' && setter.trigger === 'clock'),
      `${String(e.trigger)} at ${e.time} armed by ${setter.kind} ${String(setter.trigger)}`,
    );
    assert.deepEqual(setter.reads, [], 'the clock reads nothing');
    jobs++;
  }
  assert.ok(jobs >= 3 * 6, `jobs ${jobs}`);
});

test('paxos-synod: at 7/2/1 LDFI (negative support off) agrees with exhaustive search', () => {
  // The spec runs LDFI without negative support; exhaustive search over every omission set and
  // crash time (1,408 runs) is the cross-check where the space is small enough.
  const params = { eot: 7, eff: 2, crashes: 1 };
  const ldfi = verify(spec, params);
  const exhaustive = exhaustiveSearch(spec, params);
  assert.equal(exhaustive.complete, true);
  assert.equal(ldfi.verdict === 'counterexample', exhaustive.counterexample !== undefined);
  assert.equal(ldfi.verdict, 'verified');
});

test("paxos-synod: verified at 8/3/1 (the table code's row)", () => {
  assert.equal(verify(spec, { eot: 8, eff: 3, crashes: 1 }).verdict, 'verified'); // 31 runs
});
