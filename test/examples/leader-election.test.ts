import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import leaderElection from '../../examples/leader-election.js';
import { defineSpec, runCampaign } from '../../src/index.js';

describe('examples/leader-election (correct)', () => {
  it('passes a swarm campaign of seeds 1..2000 (the buggy version fails on some of these)', () => {
    let leaders = 0;
    const campaign = runCampaign(leaderElection, {
      from: 1,
      to: 2000,
      onRun: (r) => {
        leaders += r.facts.filter((f) => f.name === 'leader').length;
      },
    });
    assert.equal(campaign.runs, 2000);
    assert.deepEqual(
      campaign.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
      'no seed fails',
    );
    // Elections happen in every run (at least the first, and more after crashes).
    assert.ok(leaders > 2000, `leaders elected: ${leaders}`);
  });

  it('passes 300 seeds of a harsher swarm: five nodes, every network fault and clock skew', () => {
    const harsh = defineSpec({
      ...leaderElection,
      name: 'leader-election-harsh',
      nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
      time: { model: 'async', horizonMs: 2_000 },
      faults: {
        swarm: {
          kinds: ['crash', 'partition', 'one-way-partition', 'clog', 'loss', 'duplicate', 'clock'],
          crashMode: 'restart',
          crashesMax: 5,
          faultsMax: 12,
        },
        livenessBoundMs: 5_000,
      },
    });
    const campaign = runCampaign(harsh, { from: 1, to: 300 });
    assert.deepEqual(
      campaign.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
    );
  });
});
