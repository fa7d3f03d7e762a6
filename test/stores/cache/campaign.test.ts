// The cache under the simulator's swarm: 2,000 seeds of examples/cache.ts (partitions and heals,
// one-way partitions, loss, duplication, clogging, crash-restart) must all converge and keep every
// acknowledged write; staleness (write → visible on every node, virtual ms) is measured and
// reported. A harsher configuration (four nodes, fan-out 1 so deltas are relayed, a tiny delta
// buffer and repair batches so anti-entropy does the work, no persistence so restarted nodes
// rejoin empty and bootstrap, clock skew) must converge too. The fixture without anti-entropy
// must fail on some seed — so the campaign can tell a broken cache from a working one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import cache from '../../../examples/cache.js';
import { defineSpec, runCampaign } from '../../../src/index.js';
import {
  quantile,
  replicasConverge,
  replicasEqual,
  staleness,
} from '../../../src/stores/cache/checks.js';
import { cacheProcess } from '../../../src/stores/cache/process.js';

describe('cache campaign', () => {
  test('2,000 seeds converge with no lost write; staleness is reported', (t) => {
    const delays: number[] = [];
    let unmeasured = 0;
    const started = process.hrtime.bigint();
    const campaign = runCampaign(cache, {
      from: 1,
      to: 2000,
      onRun: (r) => {
        const s = staleness(
          r.facts,
          r.world.nodes.filter((n) => r.world.up(n)),
        );
        delays.push(...s.delaysMs);
        unmeasured += s.unmeasured;
      },
    });
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    assert.equal(campaign.runs, 2000);
    assert.deepEqual(
      campaign.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
    );
    delays.sort((a, b) => a - b);
    const report =
      `2000 seeds in ${wallS.toFixed(1)} s wall, ${campaign.events} events; staleness over ` +
      `${delays.length} writes (virtual ms): p50 ${quantile(delays, 0.5).toFixed(1)}, ` +
      `p90 ${quantile(delays, 0.9).toFixed(1)}, p99 ${quantile(delays, 0.99).toFixed(1)}, ` +
      `max ${(delays.at(-1) ?? Number.NaN).toFixed(1)}; ${unmeasured} writes superseded before ` +
      'reaching every node';
    t.diagnostic(report);
    console.log(`cache campaign: ${report}`);
    // Without faults a write reaches every node within a gossip round or two (50 ms rounds).
    assert.ok(delays.length > 10_000, `${delays.length} writes measured`);
    assert.ok(quantile(delays, 0.5) < 100, `median staleness ${quantile(delays, 0.5)} ms`);
  });

  test('a harsher swarm (relays, tiny buffers, no persistence, clock skew) converges', () => {
    const harsh = defineSpec({
      ...cache,
      name: 'cache-harsh',
      nodes: ['n1', 'n2', 'n3', 'n4'],
      process: cacheProcess({
        gossipIntervalMs: 50,
        fanout: 1,
        antiEntropyIntervalMs: 300,
        downAfterMs: 1000,
        mirror: true,
        buckets: 4,
        deltaBufferMax: 4,
        syncKeysMax: 3,
        dedupeRequests: true,
      }),
      // Without persistence a crash may lose acknowledged writes by design: only convergence.
      guarantees: { liveness: [replicasConverge], final: [replicasEqual] },
      faults: {
        swarm: {
          kinds: ['crash', 'partition', 'one-way-partition', 'loss', 'duplicate', 'clog', 'clock'],
          crashMode: 'restart',
          faultsMax: 8,
          crashesMax: 3,
        },
        livenessBoundMs: 8000,
      },
    });
    const campaign = runCampaign(harsh, { from: 1, to: 300 });
    assert.deepEqual(
      campaign.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
    );
  });

  test('without anti-entropy the same campaign finds lost updates', () => {
    const broken = defineSpec({
      ...cache,
      name: 'cache-no-antientropy-swarm',
      process: cacheProcess({
        antiEntropy: false,
        persist: true,
        mirror: true,
        dedupeRequests: true,
      }),
    });
    const campaign = runCampaign(broken, { from: 1, to: 200, stopAtFirstFailure: true });
    assert.equal(campaign.failures.length, 1, 'some seed breaks it');
    assert.match(
      campaign.failures[0]?.summary ?? '',
      /replicas-converge|replicas-equal|lost|lacks/,
    );
  });
});
