/**
 * presence: three presence nodes (src/stores/primitives/presence-process.ts) gossiping their
 * state every 50 ms; two clients track, update and untrack keys in two topics on random nodes
 * until 1.2 s. A node silent for 300 ms is down (its entries leave the other lists), for 3 s
 * permanently down (its entries are collected).
 *
 * Swarm mode draws, per seed, partitions (symmetric and one-way), loss, duplication, clogging and
 * crash-restarts in the first 1.5 s; at the heal every node restarts if down. Then every live node
 * must list exactly what the live nodes track (liveness + final check), and every node's diffs
 * must replay to its list. test/stores/primitives/presence-sim.test.ts runs the campaign and
 * measures how long a crashed node's entries stay listed elsewhere.
 *
 *   npx cadre simulate examples/presence.ts --seeds 1..200
 */
import { defineSpec } from '../src/index.js';
import {
  diffsReplay,
  presenceConverges,
  presenceListsExpected,
} from '../src/stores/primitives/presence-guarantees.js';
import { type PresenceMsg, presenceProcess } from '../src/stores/primitives/presence-process.js';
import { presenceClient } from '../src/stores/primitives/presence-sim-client.js';
import { GOSSIP_SWARM } from './gossip-swarm.js';

const nodes = ['n1', 'n2', 'n3'];

/** Gossip period, ms. */
export const GOSSIP_INTERVAL_MS = 50;
/** Silence after which a node's entries leave the other lists, ms. */
export const NODE_TIMEOUT_MS = 300;

export default defineSpec<PresenceMsg>({
  name: 'presence',
  description: 'Presence over an add-wins dot kernel: join/leave diffs, silent-node timeout.',
  nodes,
  process: presenceProcess({
    gossipIntervalMs: GOSSIP_INTERVAL_MS,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
    permDownAfterMs: 3000,
  }),
  clients: { ids: ['c1', 'c2'], process: presenceClient({ servers: nodes, stopAtMs: 1200 }) },
  time: { model: 'async', horizonMs: 1500 },
  guarantees: {
    liveness: [presenceConverges],
    final: [presenceListsExpected, diffsReplay],
  },
  faults: {
    swarm: GOSSIP_SWARM,
    livenessBoundMs: 5000,
  },
});
