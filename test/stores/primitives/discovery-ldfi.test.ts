/**
 * LDFI on the small CP discovery spec (examples/discovery-ldfi.ts: one KV node, instances i1 and
 * i2, lister l, watcher w). With resending clients, no set of message omissions before EFF keeps
 * an acknowledged registration from reaching the watcher or makes a list disagree with the
 * replay of the diffs: verified within (EOT 20, EFF 4, no crashes). A watcher that never resends
 * a lost poll is found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discoveryLdfiSpec } from '../../../examples/discovery-ldfi.js';
import { verify } from '../../../src/ldfi/verify.js';

test('verified within EOT 20, EFF 4, no crashes', () => {
  const r = verify(discoveryLdfiSpec(), { eot: 20, eff: 4, crashes: 0 });
  assert.equal(r.verdict, 'verified', r.counterexamples.map((c) => c.guarantee).join(', '));
  console.log(`discovery LDFI EOT 20 EFF 4 crashes 0: verified in ${r.runs} runs`);
  assert.ok(r.runs > 1, 'LDFI explored fault sets beyond the failure-free run');
  const watched = r.failureFree.world.facts('seen-join').map((f) => f.args[0]);
  assert.deepEqual([...watched].sort(), ['i1', 'i2'], 'the watcher saw both joins without faults');
  const lists = r.failureFree.history.filter((e) => e.f === 'list' && e.type === 'ok');
  assert.ok(lists.length >= 2, 'the lister listed in the failure-free run');
});

test('a watcher that never resends a lost poll: LDFI finds the omission', () => {
  const r = verify(discoveryLdfiSpec({ watcherRetryTicks: 1000 }), {
    eot: 20,
    eff: 4,
    crashes: 0,
  });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(r.counterexamples[0]?.guarantee, 'every-registration-watched');
  console.log(`discovery LDFI, watcher without resend: counterexample in ${r.runs} runs`);
});
