/**
 * LDFI on the small strict-registry spec (examples/registry-ldfi.ts: one KV node, c1 registering
 * `a` and stalling past its lease, c2 refused then registering `a` once it is free, a watcher).
 * With the put's `ifAbsent` dropped, the failure-free run already breaks `registry-exclusive`.
 * As written, no set of message omissions before EFF makes a registrant miss its rounds or breaks
 * the check (retries outlast omissions) — verified within (EOT 40, EFF 6, no crashes). A crash of
 * the KV node would stop the registrants (a liveness loss, not a safety one), so crashes stay 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registryLdfiSpec } from '../../../examples/registry-ldfi.js';
import { verify } from '../../../src/ldfi/verify.js';

test('unconditional put: LDFI reports the duplicate with no fault', () => {
  const r = verify(registryLdfiSpec({ unconditional: true }), { eot: 40, eff: 6, crashes: 0 });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(r.counterexamples[0]?.guarantee, 'registry-exclusive');
  assert.deepEqual(r.counterexamples[0]?.faults, []);
});

test('the registry recipe: verified within EOT 40, EFF 6, no crashes', () => {
  const r = verify(registryLdfiSpec(), { eot: 40, eff: 6, crashes: 0 });
  assert.equal(r.verdict, 'verified', r.counterexamples.map((c) => c.guarantee).join(', '));
  assert.ok(r.runs > 50, `LDFI explored fault sets beyond the failure-free run (${r.runs} runs)`);
  const ops = r.failureFree.history
    .filter((e) => e.type !== 'invoke' && e.f === 'register')
    .map((e) => `${e.process} ${e.type} ${JSON.stringify(e.value)}`);
  assert.deepEqual(ops, [
    'c1 ok {"name":"a","epoch":2}',
    'c2 fail "taken by c1"',
    'c2 ok {"name":"a","epoch":4}',
  ]);
});
