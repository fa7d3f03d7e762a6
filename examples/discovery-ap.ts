/**
 * discovery-ap: AP service discovery (src/stores/primitives/discovery-ap-process.ts — presence
 * with service = topic, instance id = key, metadata = address + labels) on three nodes gossiping
 * every 50 ms; two clients register, re-register and deregister instances of two services on
 * random nodes until 1.2 s. A node silent for 200 ms is down (its instances leave the other lists),
 * for 300 ms permanently down (its instances are collected; when it returns they are re-added) —
 * short enough that the swarm's partitions reach it.
 *
 * Swarm mode draws, per seed, partitions (symmetric and one-way), loss, duplication, clogging and
 * crash-restarts in the first 1.5 s; at the heal every node restarts if down. Then every live node
 * must list exactly the instances registered on live nodes (liveness + final check), and every
 * node's watch diffs must replay to its list. test/stores/primitives/discovery-ap-sim.test.ts runs
 * the campaign and measures how long a crashed node's instances stay listed elsewhere.
 *
 *   npx cadre simulate examples/discovery-ap.ts --seeds 1..200
 */
import { defineSpec } from '../src/index.js';
import type { DiscoveryApMsg } from '../src/stores/primitives/discovery-ap.js';
import {
  apDiscoveryConverges,
  apDiscoveryListsExpected,
  watchDiffsReplay,
} from '../src/stores/primitives/discovery-ap-guarantees.js';
import { discoveryApProcess } from '../src/stores/primitives/discovery-ap-process.js';
import { discoveryApClient } from '../src/stores/primitives/discovery-ap-sim-client.js';
import { GOSSIP_SWARM } from './gossip-swarm.js';

const nodes = ['n1', 'n2', 'n3'];

/** Gossip period, ms. */
export const GOSSIP_INTERVAL_MS = 50;
/** Silence after which a node's instances leave the other lists, ms. */
export const NODE_TIMEOUT_MS = 200;
/** Silence after which a node's instances are collected, ms. */
export const PERM_DOWN_AFTER_MS = 300;

export default defineSpec<DiscoveryApMsg>({
  name: 'discovery-ap',
  description: 'AP service discovery on presence: register/deregister/list/watch, silent nodes.',
  nodes,
  process: discoveryApProcess({
    gossipIntervalMs: GOSSIP_INTERVAL_MS,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
    permDownAfterMs: PERM_DOWN_AFTER_MS,
  }),
  clients: { ids: ['c1', 'c2'], process: discoveryApClient({ servers: nodes, stopAtMs: 1200 }) },
  time: { model: 'async', horizonMs: 1500 },
  guarantees: {
    liveness: [apDiscoveryConverges],
    final: [apDiscoveryListsExpected, watchDiffsReplay],
  },
  faults: {
    swarm: GOSSIP_SWARM,
    livenessBoundMs: 5000,
  },
});
