/**
 * LDFI on the small lock spec (examples/lock-ldfi.ts: one KV node, a stalled holder c1, c2, the
 * resource). Unfenced, the failure-free run already breaks `fenced-exclusive`. Fenced, no set of
 * message omissions before EFF breaks the invariant or keeps a client from finishing (retries
 * outlast omissions) — verified within (EOT 40, EFF 4, no crashes). A crash of the KV node or the
 * resource would stop the clients (a liveness loss, not a safety one), so crashes stay at 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lockLdfiSpec } from '../../../examples/lock-ldfi.js';
import { verify } from '../../../src/ldfi/verify.js';

test('unfenced: LDFI reports the stalled holder breaking fenced-exclusive with no fault', () => {
  const r = verify(lockLdfiSpec({ fenced: false }), { eot: 40, eff: 4, crashes: 0 });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(r.counterexamples[0]?.guarantee, 'fenced-exclusive');
});

test('fenced: verified within EOT 40, EFF 4, no crashes', () => {
  const r = verify(lockLdfiSpec(), { eot: 40, eff: 4, crashes: 0 });
  assert.equal(r.verdict, 'verified', r.counterexamples.map((c) => c.guarantee).join(', '));
  assert.ok(r.runs > 1, 'LDFI explored fault sets beyond the failure-free run');
  const history = r.failureFree.history;
  assert.ok(
    history.some((e) => e.process === 'c1' && e.f === 'increment' && e.type === 'fail'),
    'the stalled holder was fenced in the failure-free run',
  );
});
