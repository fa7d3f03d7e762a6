// AP discovery under the simulator's swarm: a campaign of examples/discovery-ap.ts (partitions,
// one-way partitions, loss, duplication, clogging, crash-restart; nodes down after 200 ms of
// silence and permanently down after 300 ms, so collection and rejoin happen) must converge to
// exactly the instances registered on live nodes, with every node's watch diffs replaying to its
// list. It is not vacuous (instances listed at the ends, permanent-down reached, crashes whose
// instances were removed elsewhere), and how long a crashed node's instances stay listed on the
// others is measured and bounded by the node timeout plus a gossip bound.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import discoveryAp, {
  GOSSIP_INTERVAL_MS,
  NODE_TIMEOUT_MS,
} from '../../../examples/discovery-ap.js';
import { runSimulation } from '../../../src/sim/simulator.js';
import { crashRemovalCampaign } from './crash-removal-campaign.js';

const SEEDS = 200;
/** Timeout, plus a gossip period for the observer to notice, plus slack for a clogged or lost
 * last message before the crash (the same bound as presence's campaign). */
const GOSSIP_BOUND_MS = 4 * GOSSIP_INTERVAL_MS;

describe('AP discovery campaign', () => {
  test(`${SEEDS} seeds converge, watch diffs replay, crashed instances leave within the bound`, (t) => {
    let listedAtEnd = 0;
    let diffFacts = 0;
    let permDownReturns = 0;
    const {
      delays,
      p50Ms,
      maxMs: max,
      wallS,
    } = crashRemovalCampaign(discoveryAp, SEEDS, (r) => {
      listedAtEnd += r.world.memory('n1').keys('disc/').length;
      diffFacts += r.facts.filter((f) => f.name === 'discovery-diff').length;
      permDownReturns += r.facts.filter((f) => f.name === 'presence-reincarnate').length;
    });
    const report =
      `${SEEDS} seeds in ${wallS.toFixed(1)} s wall; ${diffFacts} watch diffs; ${listedAtEnd} ` +
      `instances listed on n1 at the ends; ${permDownReturns} returns from permanent-down; crash ` +
      `removal over ${delays.length} (crash, observer) pairs (virtual ms): p50 ` +
      `${p50Ms.toFixed(0)}, max ${max.toFixed(0)}`;
    t.diagnostic(report);
    console.log(`discovery-ap campaign: ${report}`);
    assert.ok(listedAtEnd > SEEDS, 'instances survive to the end of most runs');
    assert.ok(permDownReturns > 20, 'permanent-down and the rejoin were exercised');
    assert.ok(delays.length > 20, `${delays.length} crash removals measured`);
    assert.ok(
      max <= NODE_TIMEOUT_MS + GOSSIP_BOUND_MS,
      `crashed instances listed up to ${max} ms > ${NODE_TIMEOUT_MS} + ${GOSSIP_BOUND_MS}`,
    );
  });

  test('a seed replays to the same facts (determinism)', () => {
    const a = runSimulation(discoveryAp, { seed: 11 });
    const b = runSimulation(discoveryAp, { seed: 11 });
    assert.equal(a.status, 'pass');
    assert.deepEqual(
      a.facts.map((f) => [f.node, f.time, f.name, ...f.args]),
      b.facts.map((f) => [f.node, f.time, f.name, ...f.args]),
    );
  });
});
