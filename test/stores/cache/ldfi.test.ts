// LDFI on the cache's delta propagation (synchronous model, EOT 6, EFF 3, no crashes): without
// anti-entropy one omission loses a write for good and LDFI finds it in two runs; with
// anti-entropy (acknowledged retransmission plus digest exchange) no fault set within the bounds
// keeps a write from any node.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import withAntiEntropy from '../../../examples/cache-delta.js';
import noAntiEntropy from '../../../examples/cache-no-antientropy.js';
import { describeFault } from '../../../src/core/fault.js';
import { verify } from '../../../src/ldfi/verify.js';

describe('LDFI on cache delta propagation', () => {
  test('finds the lost update of the variant without anti-entropy', () => {
    const r = verify(noAntiEntropy, { eot: 6, eff: 3, crashes: 0 });
    assert.equal(r.verdict, 'counterexample');
    const cx = r.counterexamples[0];
    assert.ok(cx !== undefined);
    assert.equal(cx.faults.length, 1, 'one omission suffices');
    assert.match(describeFault(cx.faults[0] as never), /^O\(a,[bc],1\)$/);
    assert.equal(cx.vanished.length, 1);
    assert.ok(r.runs <= 5, `${r.runs} runs`);
  });

  test('verifies the variant with anti-entropy within the same bounds', () => {
    const r = verify(withAntiEntropy, { eot: 6, eff: 3, crashes: 0 });
    assert.equal(r.verdict, 'verified', r.reason);
    assert.ok(r.runs > 10, `explored ${r.runs} fault sets`);
  });
});
