/**
 * The event log under the simulator (examples/event-log.ts): a three-node Raft KV with
 * partitions, loss, duplication, clogging, clock skew and a crash-restart of a KV node; two
 * producers, a trim of topic `a`, consumers k1 (topic a) and k2 (topic b) that crash and resume
 * from their durable checkpoint. The campaign passes and is not vacuous (every append was
 * acknowledged, the trim happened, k1 was told `compacted`, consumers caught up); a consumer that
 * hides the compaction instead of reporting it is caught by `log-consumers-see-every-entry`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventLogSpec } from '../../../examples/event-log.js';
import { runCampaign } from '../../../src/sim/campaign.js';

/** Seeds run in CI (about 25 ms each on an idle machine). */
const SEEDS = 300;

describe('event log on the Raft KV, simulated', () => {
  test(`the guarantees hold over ${SEEDS} seeds, with compactions reported and consumers caught up`, () => {
    let acked = 0;
    let trims = 0;
    let compacted = 0;
    let caughtUp = 0;
    const result = runCampaign(eventLogSpec(), {
      from: 1,
      to: SEEDS,
      onRun: (run) => {
        const positions = { a: 0, b: 0 } as Record<string, number>;
        const invokes = new Map<number, string>();
        for (const e of run.history) {
          if (e.f === 'append' && e.type === 'invoke')
            invokes.set(e.index, String((e.value as { topic: string }).topic));
          if (e.f === 'append' && e.type === 'ok' && e.invokeIndex !== undefined) {
            acked++;
            const topic = invokes.get(e.invokeIndex) as string;
            positions[topic] = Math.max(positions[topic] ?? 0, e.value as number);
          }
          if (e.f === 'trim' && e.type === 'ok') trims++;
          if (e.f === 'read' && e.type === 'fail') compacted++;
        }
        // Caught up: each consumer's last read reached its topic's last acknowledged append.
        const through = (process: string) =>
          Math.max(
            0,
            ...run.history
              .filter((e) => e.process === process && e.f === 'read' && e.type === 'ok')
              .map((e) => (e.value as { through: number }).through),
          );
        if (through('k1') >= (positions.a ?? 0) && through('k2') >= (positions.b ?? 0)) caughtUp++;
      },
    });
    assert.deepEqual(
      result.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
      'no seed breaks the event log',
    );
    assert.equal(result.runs, SEEDS);
    assert.ok(acked > SEEDS * 14, `most of the 16 appends per seed were acknowledged (${acked})`);
    assert.ok(trims > SEEDS / 2, `p1 trimmed topic a in most seeds (${trims})`);
    assert.ok(compacted > SEEDS / 2, `k1 was told compacted in most seeds (${compacted})`);
    assert.ok(caughtUp > SEEDS * 0.9, `consumers caught up in most seeds (${caughtUp})`);
  });

  test('a consumer hiding a compaction is caught', () => {
    const spec = eventLogSpec({ consumer: { hideCompaction: true } });
    const result = runCampaign(spec, { from: 1, to: 20, stopAtFirstFailure: true });
    const failure = result.failures[0];
    assert.ok(failure !== undefined, 'some seed in 1..20 exposes the hidden compaction');
    assert.match(failure.summary, /log-consumers-see-every-entry/);
    assert.match(failure.summary, /missed p[12]:\d+/);
  });
});
