import assert from 'node:assert/strict';
import { test } from 'node:test';
import spec from '../../../examples/ldfi-paper/kafka.js';
import { type Fault, NO_FAULTS, runSimulation } from '../../../src/index.js';
import { verify } from '../../../src/ldfi/verify.js';
import { mollyNames } from './molly-names.js';

test('kafka: failure-free, the write is on a, b and c and acked by EOT 6', () => {
  const r = runSimulation(spec, { seed: 1, plan: NO_FAULTS });
  assert.equal(r.status, 'pass');
  assert.deepEqual([...(r.postTuples.get('durability') ?? [])], [['data']]);
  for (const n of ['a', 'b', 'c'])
    assert.ok(
      r.facts.some((f) => f.name === 'write' && f.node === n),
      `write at ${n}`,
    );
  assert.equal(r.facts.find((f) => f.name === 'ack')?.time, 6);
});

test('kafka: the ISR shrinks to {a}, a acks alone and crashes: the write is lost', () => {
  const faults: Fault[] = [
    { kind: 'omission', from: 'b', to: 'Z', at: 1 },
    { kind: 'omission', from: 'c', to: 'Z', at: 1 },
    { kind: 'crash', node: 'a', at: 4, mode: 'send-omission' },
  ];
  const r = runSimulation(spec, { seed: 1, plan: { faults } });
  assert.equal(r.status, 'fail');
  assert.equal(r.violations[0]?.guarantee, 'durability');
  assert.deepEqual(
    r.facts.filter((f) => f.name === 'write').map((f) => f.node),
    ['a', 'a', 'a'],
  );
});

test('kafka: counterexample at 6/4/1 (Fig. 12): O(b,Z,1), O(c,Z,1) and a crash of a', () => {
  const r = verify(spec, { eot: 6, eff: 4, crashes: 1 });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(Number(r.combinations.toPrecision(3)), 1.85e25);
  assert.deepEqual(mollyNames(r.counterexamples[0]?.faults ?? []), [
    'C(a,6)',
    'O(b,Z,1)',
    'O(c,Z,1)',
  ]);
});

test("kafka: 6/4/1 within Molly's 38 runs", () => {
  const r = verify(spec, { eot: 6, eff: 4, crashes: 1 });
  assert.ok(r.runs <= 38, `runs ${r.runs}`); // measured: 30 (Molly: 38)
});

test('kafka: counterexample at 7/4/1, none at 7/4/0', () => {
  const one = verify(spec, { eot: 7, eff: 4, crashes: 1 });
  assert.equal(one.verdict, 'counterexample'); // measured: 37 runs
  assert.deepEqual(mollyNames(one.counterexamples[0]?.faults ?? []), [
    'C(a,7)',
    'O(b,Z,1)',
    'O(c,Z,1)',
  ]);
  const none = verify(spec, { eot: 7, eff: 4, crashes: 0 });
  assert.equal(none.verdict, 'verified'); // measured: 8 runs
});
