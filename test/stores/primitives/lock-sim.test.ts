/**
 * The lock under the simulator (examples/lock.ts): a three-node Raft KV with partitions,
 * one-way partitions, loss, duplication, clogging, clock skew and crash-restarts of KV nodes; three clients doing
 * acquire → read → (sometimes stall past the lease TTL) → write → release on a resource.
 *
 * Without fencing, a stalled holder corrupts the resource: a campaign finds a seed where
 * `fenced-exclusive` fails, and the seed replays to the same failure. With fencing, the same
 * campaign (500 seeds) passes, and is not vacuous: holders did stall and get fenced, and every
 * round completed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lockSpec } from '../../../examples/lock.js';
import type { HistoryEvent } from '../../../src/core/history.js';
import { runCampaign } from '../../../src/sim/campaign.js';
import { runSimulation } from '../../../src/sim/simulator.js';

/** Fenced seeds run in CI (about 35 ms each on an idle machine). */
const FENCED_SEEDS = 500;

describe('lock on the Raft KV, simulated', () => {
  test('without fencing a stalled holder loses an update: the campaign finds a seed', () => {
    const spec = lockSpec({ fenced: false });
    const result = runCampaign(spec, { from: 1, to: 50, stopAtFirstFailure: true });
    const failure = result.failures[0];
    assert.ok(failure !== undefined, 'some seed in 1..50 breaks the unfenced lock');
    assert.match(failure.summary, /fenced-exclusive violated/);
    assert.match(failure.summary, /lost update at res|older than one it had already served/);
    // The violation comes from a holder that had lost the lock: two tokens were handed out and
    // the older one's write landed after the newer one's.
    const replay = runSimulation(spec, { seed: failure.seed });
    assert.equal(replay.status, 'fail');
    assert.equal(replay.violations[0]?.message, failure.result.violations[0]?.message);
    const tokens = new Set(
      replay.history.filter((e) => e.f === 'acquire' && e.type === 'ok').map((e) => e.value),
    );
    assert.ok(tokens.size >= 2, 'at least two acquisitions happened before the corruption');
  });

  test(`with fencing the invariant holds over ${FENCED_SEEDS} seeds, and stale holders were rejected`, () => {
    const counts = new Map<string, number>();
    const count = (e: HistoryEvent) => {
      if (e.type === 'invoke') return;
      const key = `${e.f}:${e.type}${e.type === 'fail' && e.f === 'increment' ? `:${String(e.value)}` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    const result = runCampaign(lockSpec(), {
      from: 1,
      to: FENCED_SEEDS,
      onRun: (run) => {
        for (const e of run.history) count(e);
      },
    });
    assert.deepEqual(
      result.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
      'no seed breaks the fenced lock',
    );
    assert.equal(result.runs, FENCED_SEEDS);
    const fenced = counts.get('increment:fail:fenced') ?? 0;
    const acquired = counts.get('acquire:ok') ?? 0;
    const incremented = counts.get('increment:ok') ?? 0;
    const acquireFailed = counts.get('acquire:fail') ?? 0;
    assert.ok(fenced > 0, 'some stalled holder was fenced off');
    assert.ok(incremented > fenced, 'most increments went through');
    // Every round of every client ended (3 clients × 2 rounds per seed).
    assert.equal(acquired + acquireFailed, FENCED_SEEDS * 6);
    assert.equal(incremented + fenced, acquired);
  });
});
