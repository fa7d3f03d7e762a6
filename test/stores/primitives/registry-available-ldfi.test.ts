/**
 * LDFI on the small available-registry spec (examples/registry-available-ldfi.ts: n1 and n2 each
 * register `x` at tick 1, a duplicate). With the default resolver, no set of message omissions
 * before EFF keeps the loser's node from being told or the nodes from agreeing — verified within
 * (EOT 12, EFF 6, no crashes). Allowing one crash finds the expected limit: a winner that crashes
 * (Molly's send-omission crash) before its first gossip never lets the loser know. A resolver that
 * reads local order fails with no fault at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availableRegistryLdfiSpec } from '../../../examples/registry-available-ldfi.js';
import { firstArrivedWins } from '../../../examples/registry-available-local-order.js';
import { verify } from '../../../src/ldfi/verify.js';

test('default resolver: verified within EOT 12, EFF 6, no crashes', () => {
  const r = verify(availableRegistryLdfiSpec(), { eot: 12, eff: 6, crashes: 0 });
  assert.equal(r.verdict, 'verified', r.counterexamples.map((c) => c.guarantee).join(', '));
  assert.ok(r.runs > 10, `LDFI explored fault sets beyond the failure-free run (${r.runs})`);
  const told = r.failureFree.facts.filter((f) => f.name === 'registry-conflict');
  assert.deepEqual(
    told.map((f) => `${f.node}: ${f.args.join(' ')}`),
    ['n2: x p1 n1 p2 1 0 kill'],
  );
});

test('one crash: the winner dying before it gossips leaves the loser untold', () => {
  const r = verify(availableRegistryLdfiSpec(), { eot: 12, eff: 6, crashes: 1 });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(r.counterexamples[0]?.guarantee, 'loser-is-told');
  assert.deepEqual(
    r.counterexamples[0]?.faults.map((f) => (f.kind === 'crash' ? f.node : f.kind)),
    ['n1'],
  );
});

test('a resolver reading local order: counterexample with no fault', () => {
  const r = verify(availableRegistryLdfiSpec({ resolver: firstArrivedWins }), {
    eot: 12,
    eff: 6,
    crashes: 0,
  });
  assert.equal(r.verdict, 'counterexample');
  assert.deepEqual(r.counterexamples[0]?.faults, []);
});
