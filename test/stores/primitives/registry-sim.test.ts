/**
 * The strict registry under the simulator (examples/registry.ts): a three-node Raft KV with
 * partitions, one-way partitions, loss, duplication, clogging, clock skew and a KV crash-restart;
 * three registrants competing for two names (some stalling past their lease), a looker and a
 * watcher. `registry-exclusive` holds over the campaign, and the campaign is not vacuous: names
 * were refused as taken, leases expired under stalled owners and names were registered again,
 * and the check compared acknowledgements and lookups against the KV history. A registry whose put
 * forgot `ifAbsent` is caught, and its failing seed replays to the same violation.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { registrySpec } from '../../../examples/registry.js';
import { runCampaign } from '../../../src/sim/campaign.js';
import { runSimulation } from '../../../src/sim/simulator.js';

/** Seeds run in CI (about 40 ms each on an idle machine). */
const SEEDS = 200;

describe('strict registry on the Raft KV, simulated', () => {
  test(`no duplicate registration over ${SEEDS} seeds, and the campaign is not vacuous`, () => {
    const counts = new Map<string, number>();
    let checkedAcks = 0;
    let watchFailures = 0;
    const result = runCampaign(registrySpec(), {
      from: 1,
      to: SEEDS,
      onRun: (run) => {
        let through = 0;
        for (const e of run.history) {
          if (e.type === 'invoke') continue;
          const reason = e.type === 'fail' ? `:${String(e.value).split(' ')[0]}` : '';
          const key = `${e.f}:${e.type}${reason}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          if (e.f === 'watch' && e.type === 'fail') watchFailures++;
          if (e.f === 'watch' && e.type === 'ok')
            through = (e.value as { through: number }).through;
        }
        for (const e of run.history)
          if (
            e.f === 'register' &&
            e.type === 'ok' &&
            (e.value as { epoch: number }).epoch <= through
          )
            checkedAcks++;
      },
    });
    assert.deepEqual(
      result.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
      'no seed breaks the registry',
    );
    assert.equal(result.runs, SEEDS);
    const registered = counts.get('register:ok') ?? 0;
    assert.ok((counts.get('register:fail:taken') ?? 0) > SEEDS, 'names were often found taken');
    assert.ok((counts.get('hold:fail:lost') ?? 0) > SEEDS / 4, 'stalled owners lost their names');
    assert.ok(registered > SEEDS * 4, `names were registered (${registered})`);
    assert.ok(
      checkedAcks > registered * 0.9,
      `most acknowledgements were checked against the KV history (${checkedAcks} of ${registered})`,
    );
    assert.ok((counts.get('lookup:ok') ?? 0) > SEEDS * 10, 'lookups were compared');
    assert.equal(watchFailures, 0, 'the watcher never lost its history to compaction');
  });

  test('a registry whose put forgot ifAbsent is caught, and the seed replays', () => {
    const spec = registrySpec({ registrant: { unconditional: true } });
    const result = runCampaign(spec, { from: 1, to: 20, stopAtFirstFailure: true });
    const failure = result.failures[0];
    assert.ok(failure !== undefined, 'some seed in 1..20 shows the duplicate');
    assert.match(
      failure.summary,
      /registry-exclusive violated.*duplicate: \w+ was put at revision/,
    );
    const replay = runSimulation(spec, { seed: failure.seed });
    assert.equal(replay.violations[0]?.message, failure.result.violations[0]?.message);
  });
});
