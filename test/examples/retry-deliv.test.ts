import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import retryDeliv from '../../examples/retry-deliv.js';
import { type Fault, NO_FAULTS, runSimulation } from '../../src/index.js';

// Molly's paper (§3.1.2): retries repair omissions, but not a broadcaster that dies before its
// first copy to b got through.
const omissionAB1: Fault = { kind: 'omission', from: 'a', to: 'b', at: 1 };
const crashA2: Fault = { kind: 'crash', node: 'a', at: 2 };

describe('examples/retry-deliv', () => {
  it('passes failure-free: every node logs the payload', () => {
    const result = runSimulation(retryDeliv, { seed: 1, plan: NO_FAULTS });
    assert.equal(result.status, 'pass', result.violations[0]?.message);
    for (const node of ['a', 'b', 'c']) {
      assert.ok(result.world.has('log', node, 'hello'), `${node} logged hello`);
    }
  });

  it('repairs a lone omission O(a,b,1) by re-sending', () => {
    const result = runSimulation(retryDeliv, { seed: 1, plan: { faults: [omissionAB1] } });
    assert.equal(result.status, 'pass', result.violations[0]?.message);
    assert.ok(result.world.has('log', 'b', 'hello'));
  });

  it('fails the delivery guarantee under [O(a,b,1), C(a,2)]: c logs, b never does', () => {
    const result = runSimulation(retryDeliv, {
      seed: 1,
      plan: { faults: [omissionAB1, crashA2] },
    });
    assert.equal(result.status, 'fail');
    const violation = result.violations[0];
    assert.equal(violation?.guarantee, 'delivery');
    assert.equal(violation?.kind, 'pre-post');
    assert.deepEqual(violation?.missing, [['c', 'hello']]);
    assert.ok(result.world.has('log', 'c', 'hello'));
    assert.ok(!result.world.has('log', 'b', 'hello'));
  });

  it('needs both faults: the crash alone at tick 2 is too late to matter', () => {
    const result = runSimulation(retryDeliv, { seed: 1, plan: { faults: [crashA2] } });
    assert.equal(result.status, 'pass', result.violations[0]?.message);
  });
});
