/**
 * Service discovery under the simulator (examples/discovery.ts): a three-node Raft KV with
 * partitions, loss, duplication, clogging, clock skew and a KV crash-restart; three instances
 * that register, go silent until their lease expires, and register again; a lister and a watcher.
 * Every list at revision R equals the replay of the watcher's diffs up to R over the campaign, and
 * the campaign is not vacuous (instances left and rejoined, lists were compared). A watcher that
 * drops leave diffs is caught.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discoverySpec } from '../../../examples/discovery.js';
import { runCampaign } from '../../../src/sim/campaign.js';

/** Seeds run in CI (about 50 ms each on an idle machine). */
const SEEDS = 150;

describe('discovery on the Raft KV, simulated', () => {
  test(`a list at revision R equals the replay of the diffs up to R, over ${SEEDS} seeds`, () => {
    let leaves = 0;
    let lists = 0;
    let watchFailures = 0;
    const result = runCampaign(discoverySpec(), {
      from: 1,
      to: SEEDS,
      onRun: (run) => {
        for (const e of run.history) {
          if (e.f === 'list' && e.type === 'ok') lists++;
          if (e.f === 'watch' && e.type === 'fail') watchFailures++;
          if (e.f === 'watch' && e.type === 'ok')
            for (const d of (e.value as { diffs: (readonly unknown[])[] }).diffs)
              if (d[1] === 'leave') leaves++;
        }
      },
    });
    assert.deepEqual(
      result.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
      'no seed breaks discovery',
    );
    assert.equal(result.runs, SEEDS);
    assert.ok(leaves >= SEEDS * 3, `every silent instance was seen leaving (${leaves})`);
    assert.ok(lists > SEEDS * 15, `lists were compared (${lists})`);
    assert.equal(watchFailures, 0, 'the watcher never lost its history to compaction');
  });

  test('a watcher that drops leave diffs is caught', () => {
    const result = runCampaign(discoverySpec({ dropLeaves: true }), {
      from: 1,
      to: 10,
      stopAtFirstFailure: true,
    });
    assert.match(result.failures[0]?.summary ?? '', /discovery-list-equals-replay/);
  });
});
