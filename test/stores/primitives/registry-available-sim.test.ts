// The available registry under the simulator's swarm: a campaign of examples/registry-available.ts
// (partitions, one-way partitions, loss, duplication, clogging, crash-restart) must converge to
// one owner per name on every live node with every loser told exactly once; it is not vacuous
// (duplicates happened and were settled). The duplicate window is measured: spans during which
// live nodes resolved a name to different owners, and how long each losing registration
// coexisted with its winner. The part of a window after the faults touching it ended is bounded
// by a few gossip periods. A resolver that reads local order is caught.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import spec, {
  availableRegistrySpec,
  GOSSIP_INTERVAL_MS,
  HORIZON_MS,
  NODE_TIMEOUT_MS,
  REGISTRY_NODES,
} from '../../../examples/registry-available.js';
import broken from '../../../examples/registry-available-local-order.js';
import { runCampaign } from '../../../src/sim/campaign.js';
import { runSimulation } from '../../../src/sim/simulator.js';
import { lowestRegistrationWinsKeep } from '../../../src/stores/primitives/registry-available.js';
import {
  duplicateWindows,
  quantile,
} from '../../../src/stores/primitives/registry-available-guarantees.js';

const SEEDS = 300;
/** The bound asserted on the part of a window after its faults ended: one gossip period for the
 * next gossip, latency, and slack for a lost or duplicated last message. */
const AFTER_FAULT_BOUND_MS = 3 * GOSSIP_INTERVAL_MS;

const fmt = (v: readonly number[]) =>
  `p50 ${quantile(v, 0.5).toFixed(0)}, p99 ${quantile(v, 0.99).toFixed(0)}, max ${Math.max(...v).toFixed(0)} (n=${v.length})`;

describe('available registry campaign', () => {
  test(`${SEEDS} seeds converge, losers told once; the duplicate window is measured`, (t) => {
    const disagreements: number[] = [];
    const afterFault: number[] = [];
    const coexistence: number[] = [];
    let conflicts = 0;
    let kills = 0;
    let registered = 0;
    const started = process.hrtime.bigint();
    const campaign = runCampaign(spec, {
      from: 1,
      to: SEEDS,
      onRun: (r) => {
        const m = duplicateWindows(r.facts, r.plan, REGISTRY_NODES, r.endTime, HORIZON_MS);
        disagreements.push(...m.disagreementsMs);
        afterFault.push(...m.afterFaultMs);
        coexistence.push(...m.coexistenceMs);
        for (const f of r.facts) {
          if (f.name === 'registered') registered++;
          if (f.name === 'registry-conflict') {
            conflicts++;
            if (f.args[6] === 'kill') kills++;
          }
        }
      },
    });
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    assert.equal(campaign.runs, SEEDS);
    assert.deepEqual(
      campaign.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
    );
    const report =
      `${SEEDS} seeds in ${wallS.toFixed(1)} s wall; ${registered} registrations, ${conflicts} conflicts settled; ` +
      `gossip ${GOSSIP_INTERVAL_MS} ms, node timeout ${NODE_TIMEOUT_MS} ms (virtual ms): ` +
      `disagreement ${fmt(disagreements)}; after the faults ended ${fmt(afterFault)}; ` +
      `loser coexisting with winner ${fmt(coexistence)}`;
    t.diagnostic(report);
    console.log(`registry-available campaign: ${report}`);
    assert.ok(conflicts > SEEDS / 2, `duplicates happened and were settled (${conflicts})`);
    assert.equal(kills, conflicts, 'the default resolver kills every loser');
    assert.ok(disagreements.length > SEEDS / 2, 'disagreement windows were measured');
    assert.ok(coexistence.length > conflicts / 2, 'most conflicts were matched to registrations');
    const worst = Math.max(...afterFault);
    assert.ok(
      worst <= AFTER_FAULT_BOUND_MS,
      `a window outlived its faults by ${worst} ms > ${AFTER_FAULT_BOUND_MS}`,
    );
  });

  test('with keep, losers only lose the name: the same guarantee over 60 seeds', () => {
    const keep = availableRegistrySpec({
      name: 'registry-available-keep',
      resolver: lowestRegistrationWinsKeep,
    });
    const actions = new Set<string>();
    const result = runCampaign(keep, {
      from: 1,
      to: 60,
      onRun: (r) => {
        for (const f of r.facts) if (f.name === 'registry-conflict') actions.add(String(f.args[6]));
      },
    });
    assert.deepEqual(
      result.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
    );
    assert.deepEqual([...actions], ['keep'], 'conflicts happened, every one with keep');
  });

  test('a resolver reading local order makes nodes disagree forever: caught', () => {
    const result = runCampaign(broken, { from: 1, to: 30, stopAtFirstFailure: true });
    const failure = result.failures[0];
    assert.ok(failure !== undefined, 'some seed in 1..30 leaves a duplicate unsettled');
    assert.match(failure.summary, /registry-converges violated/);
  });

  test('a seed replays to the same facts (determinism)', () => {
    const a = runSimulation(spec, { seed: 11 });
    const b = runSimulation(spec, { seed: 11 });
    assert.equal(a.status, 'pass');
    assert.deepEqual(
      a.facts.map((f) => [f.node, f.time, f.name, ...f.args]),
      b.facts.map((f) => [f.node, f.time, f.name, ...f.args]),
    );
  });
});
