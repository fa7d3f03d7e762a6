/**
 * LDFI on the small event-log spec (examples/event-log-ldfi.ts: one KV node, producers p1 and p2,
 * consumer k1). With resending clients, no set of message omissions before EFF keeps an
 * acknowledged append from reaching the consumer or breaks the log's checks — verified within
 * (EOT 24, EFF 4, no crashes; a crashed node in the synchronous model never sends again, a
 * liveness loss rather than a safety one). A consumer that never resends a lost read is found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventLogLdfiSpec } from '../../../examples/event-log-ldfi.js';
import { verify } from '../../../src/ldfi/verify.js';

test('verified within EOT 24, EFF 4, no crashes', () => {
  const r = verify(eventLogLdfiSpec(), { eot: 24, eff: 4, crashes: 0 });
  assert.equal(r.verdict, 'verified', r.counterexamples.map((c) => c.guarantee).join(', '));
  assert.ok(r.runs > 1, 'LDFI explored fault sets beyond the failure-free run');
  const reads = r.failureFree.history.filter((e) => e.f === 'read' && e.type === 'ok');
  assert.ok(reads.length >= 2, 'the consumer read in the failure-free run');
});

test('a consumer that never resends a lost read: LDFI finds the omission', () => {
  const r = verify(eventLogLdfiSpec({ consumerRetryTicks: 1000 }), { eot: 24, eff: 4, crashes: 0 });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(r.counterexamples[0]?.guarantee, 'every-append-consumed');
});
