/**
 * The available registry's duplicate window (issue 10, item 2), swept over gossip interval and
 * node timeout.
 *
 *   npx tsx bench/registry-duplicate-window.ts [--seeds N]
 *
 * For each configuration, runs the campaign of examples/registry-available.ts (three nodes, two
 * clients, swarm faults: partitions, one-way partitions, loss, duplication, clogging,
 * crash-restart) over seeds 1..N (default 200) and measures, in virtual ms
 * (src/stores/primitives/registry-available-guarantees.ts, `duplicateWindows`):
 *
 * - **disagreement**: each maximal span during which two live nodes resolved a name to different
 *   owners, split by whether a network fault or crash touched it;
 * - **after faults**: how long each span lasted after the faults touching it ended;
 * - **window / fault**: per span touched by a fault, its length over that fault's length;
 * - **coexistence**: per settled conflict, how long the losing registration coexisted with the
 *   winner before its node was told.
 *
 * A second table isolates partition length: one partition n1 | n2 n3 from 200 ms lasting L ms,
 * no other fault, gossip 50 ms, node timeout 300 ms. *Fresh*: `x` is registered on n1 at 250 ms
 * and on n2 at 260 ms (neither side knew of the other's). *Known*: `x` is registered on n1 at
 * 100 ms (gossiped to all before the partition) and on n2 at 200 + 310 ms (after n1 went down for
 * n2). It prints the disagreement window and the loser's coexistence with the winner.
 *
 * Figures are virtual time, so they do not depend on the machine's load; the wall time printed
 * does. Every campaign must pass (convergence, losers told once): the script exits non-zero if not.
 */
import {
  availableRegistrySpec,
  HORIZON_MS,
  REGISTRY_NODES,
} from '../examples/registry-available.js';
import { defineSpec } from '../src/index.js';
import { runCampaign } from '../src/sim/campaign.js';
import { runSimulation } from '../src/sim/simulator.js';
import {
  duplicateWindows,
  quantile,
} from '../src/stores/primitives/registry-available-guarantees.js';
import {
  availableRegistryProcess,
  type RegistryMsg,
} from '../src/stores/primitives/registry-available-process.js';

const seedsArg = process.argv.indexOf('--seeds');
const SEEDS = seedsArg >= 0 ? Number(process.argv[seedsArg + 1]) : 200;
if (!Number.isInteger(SEEDS) || SEEDS < 1)
  throw new RangeError(`--seeds must be a whole number >= 1`);

const configs: readonly { gossipIntervalMs: number; nodeTimeoutMs: number }[] = [
  { gossipIntervalMs: 25, nodeTimeoutMs: 300 },
  { gossipIntervalMs: 50, nodeTimeoutMs: 300 },
  { gossipIntervalMs: 100, nodeTimeoutMs: 300 },
  { gossipIntervalMs: 50, nodeTimeoutMs: 150 },
  { gossipIntervalMs: 50, nodeTimeoutMs: 600 },
];

const q = (v: readonly number[]) =>
  v.length === 0
    ? '– / – / –'
    : `${quantile(v, 0.5).toFixed(0)} / ${quantile(v, 0.99).toFixed(0)} / ${Math.max(...v).toFixed(0)}`;

console.log(`seeds 1..${SEEDS} per configuration; virtual ms; p50 / p99 / max`);
console.log(
  '| gossip | timeout | conflicts | fault-free spans (n; p50 / p99 / max) | spans touched by faults (n; p50 / p99 / max) | after faults p50 / p99 / max | window ÷ fault p50 / p99 | coexistence p50 / p99 / max | wall s |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
let failed = 0;
for (const c of configs) {
  const spec = availableRegistrySpec({
    name: `registry-available-g${c.gossipIntervalMs}-t${c.nodeTimeoutMs}`,
    ...c,
  });
  const free: number[] = [];
  const touched: number[] = [];
  const after: number[] = [];
  const ratio: number[] = [];
  const coexist: number[] = [];
  let conflicts = 0;
  const t0 = process.hrtime.bigint();
  const result = runCampaign(spec, {
    from: 1,
    to: SEEDS,
    onRun: (r) => {
      const m = duplicateWindows(r.facts, r.plan, REGISTRY_NODES, r.endTime, HORIZON_MS);
      m.disagreementsMs.forEach((d, i) => {
        const f = m.faultMs[i] ?? 0;
        if (f === 0) free.push(d);
        else {
          touched.push(d);
          ratio.push(d / f);
        }
        after.push(m.afterFaultMs[i] ?? 0);
      });
      coexist.push(...m.coexistenceMs);
      conflicts += r.facts.filter((f) => f.name === 'registry-conflict').length;
    },
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  failed += result.failures.length;
  const r2 = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(2));
  console.log(
    `| ${c.gossipIntervalMs} | ${c.nodeTimeoutMs} | ${conflicts} | ${free.length}; ${q(free)} | ${touched.length}; ${q(touched)} | ${q(after)} | ${r2(quantile(ratio, 0.5))} / ${r2(quantile(ratio, 0.99))} | ${q(coexist)} | ${wallS.toFixed(1)} |`,
  );
  for (const f of result.failures.slice(0, 3)) console.error(`seed ${f.seed}: ${f.summary}`);
}
console.log('');
console.log('one partition n1 | n2 n3 from 200 ms, gossip 50 ms, node timeout 300 ms; virtual ms');
console.log(
  '| partition L | fresh: window | fresh: coexistence | known: window | known: coexistence |',
);
console.log('|---|---|---|---|---|');
for (const lengthMs of [100, 200, 400, 800, 1600]) {
  const cells: string[] = [];
  for (const scenario of ['fresh', 'known'] as const) {
    const inputs =
      scenario === 'fresh'
        ? [
            { at: 250, to: 'n1', msg: { type: 'register', id: 1, name: 'x', owner: 'p1' } },
            { at: 260, to: 'n2', msg: { type: 'register', id: 2, name: 'x', owner: 'p2' } },
          ]
        : [
            { at: 100, to: 'n1', msg: { type: 'register', id: 1, name: 'x', owner: 'p1' } },
            { at: 510, to: 'n2', msg: { type: 'register', id: 2, name: 'x', owner: 'p2' } },
          ];
    const horizonMs = 200 + lengthMs + 1000;
    const spec = defineSpec<RegistryMsg>({
      name: `registry-partition-${scenario}-${lengthMs}`,
      nodes: REGISTRY_NODES,
      process: availableRegistryProcess({ gossipIntervalMs: 50, nodeTimeoutMs: 300 }),
      inputs: inputs as { at: number; to: string; msg: RegistryMsg }[],
      time: { model: 'async', horizonMs },
    });
    const plan = {
      faults: [
        {
          kind: 'partition' as const,
          groups: [['n1'], ['n2', 'n3']],
          at: 200,
          until: 200 + lengthMs,
        },
      ],
    };
    const run = runSimulation(spec, { seed: 1, plan });
    if (run.status !== 'pass') {
      failed++;
      console.error(`${spec.name}: ${run.status} ${run.violations[0]?.message ?? run.error ?? ''}`);
    }
    const m = duplicateWindows(run.facts, { faults: [] }, REGISTRY_NODES, run.endTime, horizonMs);
    const registered = run.facts.filter((f) => f.name === 'registered').length;
    cells.push(
      registered < 2
        ? 'no duplicate (taken)'
        : m.disagreementsMs.length === 0
          ? '0'
          : Math.max(...m.disagreementsMs).toFixed(0),
      m.coexistenceMs.length === 0 ? '–' : Math.max(...m.coexistenceMs).toFixed(0),
    );
  }
  console.log(`| ${lengthMs} | ${cells.join(' | ')} |`);
}
if (failed > 0) {
  console.error(`${failed} failing seeds`);
  process.exit(1);
}
