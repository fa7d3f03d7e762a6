import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import simpleDeliv from '../../examples/simple-deliv.js';
import { NO_FAULTS, runCampaign, runSimulation } from '../../src/index.js';

describe('examples/simple-deliv', () => {
  it('passes failure-free: every node logs the payload', () => {
    const result = runSimulation(simpleDeliv, { seed: 1, plan: NO_FAULTS });
    assert.equal(result.status, 'pass', result.violations[0]?.message);
    for (const node of ['a', 'b', 'c']) assert.ok(result.world.has('log', node, 'hello'));
  });

  it('fails the delivery guarantee with just O(a,b,1): the only copy to b is lost', () => {
    const result = runSimulation(simpleDeliv, {
      seed: 1,
      plan: { faults: [{ kind: 'omission', from: 'a', to: 'b', at: 1 }] },
    });
    assert.equal(result.status, 'fail');
    assert.equal(result.violations[0]?.guarantee, 'delivery');
    assert.deepEqual(result.violations[0]?.missing, [['c', 'hello']]);
  });

  it('an omission after the send tick changes nothing (it is sent once, at tick 1)', () => {
    const result = runSimulation(simpleDeliv, {
      seed: 1,
      plan: { faults: [{ kind: 'omission', from: 'a', to: 'b', at: 2 }] },
    });
    assert.equal(result.status, 'pass', result.violations[0]?.message);
  });

  // Measured: seed 1 already fails (its plan drops O(a,c,1)); 78 of seeds 1..1000 fail.
  it('swarm mode finds the omission bug within seeds 1..100', () => {
    const campaign = runCampaign(simpleDeliv, { from: 1, to: 100, stopAtFirstFailure: true });
    assert.equal(campaign.failures.length, 1, 'some seed of 1..100 fails');
    assert.match(campaign.failures[0]?.summary ?? '', /delivery/);
  });
});
