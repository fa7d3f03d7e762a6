// The example of docs/guide/discovery.md "AP variant": two discovery nodes; an instance
// registered on n1, re-registered with a new address, n1 crashes (its instance leaves n2's list
// after the node timeout), restarts with nothing registered (entries are volatile) and the
// instance registers again. n2's watcher prints the diffs it is handed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineSpec } from '../../../src/core/spec.js';
import { runSimulation } from '../../../src/sim/simulator.js';
import {
  type ApServiceDiff,
  type DiscoveryApMsg,
  registerRequest,
} from '../../../src/stores/primitives/discovery-ap.js';
import { discoveryApProcess } from '../../../src/stores/primitives/discovery-ap-process.js';

test('guide: register, re-register, a crash removes the instance, it registers again', () => {
  const told: string[] = [];
  const show = (node: string, diffs: readonly ApServiceDiff[]) => {
    for (const d of diffs) {
      const ids = (is: ApServiceDiff['joins']) => is.map((i) => `${i.id}@${i.address}`).join(',');
      told.push(`${node} ${d.service} +[${ids(d.joins)}] -[${ids(d.leaves)}]`);
    }
  };
  const spec = defineSpec<DiscoveryApMsg>({
    name: 'discovery-ap-guide',
    nodes: ['n1', 'n2'],
    process: discoveryApProcess({
      gossipIntervalMs: 50,
      nodeTimeoutMs: 200,
      permDownAfterMs: 2000,
      onChange: (node, diffs) => {
        if (node === 'n2') show(node, diffs);
      },
    }),
    inputs: [
      {
        at: 10,
        to: 'n1',
        msg: registerRequest(1, 'web', 'web-1', '10.0.0.1:8080', { zone: 'eu' }),
      },
      { at: 300, to: 'n1', msg: registerRequest(2, 'web', 'web-1', '10.0.0.9:8080') },
      { at: 1200, to: 'n1', msg: registerRequest(3, 'web', 'web-1', '10.0.0.9:8080') },
    ],
    time: { model: 'async', horizonMs: 1500, network: { latency: { kind: 'fixed', ms: 1 } } },
    faults: {
      plan: { faults: [{ kind: 'crash', node: 'n1', at: 500, mode: 'restart', restartAt: 1000 }] },
    },
  });
  const r = runSimulation(spec, { seed: 1 });
  assert.equal(r.status, 'pass');
  assert.deepEqual(told, [
    'n2 web +[web-1@10.0.0.1:8080] -[]', // gossip from n1
    'n2 web +[web-1@10.0.0.9:8080] -[web-1@10.0.0.1:8080]', // new address: a leave and a join
    'n2 web +[] -[web-1@10.0.0.9:8080]', // n1 silent for nodeTimeoutMs
    'n2 web +[web-1@10.0.0.9:8080] -[]', // registered again after n1's restart
  ]);
  // The leave came within the node timeout plus a gossip period of the crash.
  const leave = r.facts.find(
    (f) => f.node === 'n2' && f.name === 'discovery-diff' && f.args[1] === '[]',
  );
  assert.ok(
    leave !== undefined && leave.time > 500 && leave.time <= 500 + 200 + 50,
    `${leave?.time}`,
  );
});
