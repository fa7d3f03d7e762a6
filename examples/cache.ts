/**
 * cache: three nodes of the eventually consistent cache (src/stores/cache) under a workload of
 * two clients (SET, DEL, INCRBY, GET, MGET against random nodes), in the asynchronous model.
 * Nodes persist their state, so crash-restarts must not lose acknowledged writes.
 *
 * Swarm mode draws, per seed, partitions (symmetric and one-way), message loss, duplication,
 * clogging and crash-restarts during the first 1.5 s; the clients stop writing at 1.2 s; at the
 * heal every node restarts if down, and the replicas must then converge (liveness), hold only
 * values clients wrote, keep every acknowledged SET that was never deleted and every
 * acknowledged increment. test/stores/cache/campaign.test.ts runs 2,000 seeds and reports
 * staleness (write → visible on every node, virtual ms).
 *
 *   npx cadre simulate examples/cache.ts --seeds 1..200
 */
import { defineSpec } from '../src/index.js';
import {
  acknowledgedSetsSurvive,
  noLostIncrements,
  replicasConverge,
  replicasEqual,
} from '../src/stores/cache/checks.js';
import type { CacheMsg } from '../src/stores/cache/messages.js';
import { cacheProcess } from '../src/stores/cache/process.js';
import { cacheClient } from '../src/stores/cache/sim-client.js';
import { GOSSIP_SWARM } from './gossip-swarm.js';

const nodes = ['n1', 'n2', 'n3'];

export default defineSpec<CacheMsg>({
  name: 'cache',
  description:
    'Delta-CRDT cache: gossip, digest anti-entropy, persistence; converges after faults.',
  nodes,
  process: cacheProcess({
    gossipIntervalMs: 50,
    fanout: 2,
    antiEntropyIntervalMs: 300,
    downAfterMs: 1000,
    persist: true,
    mirror: true,
    trackVisibility: true,
    buckets: 16,
    dedupeRequests: true,
  }),
  clients: { ids: ['c1', 'c2'], process: cacheClient({ servers: nodes, stopAtMs: 1200 }) },
  time: { model: 'async', horizonMs: 1500 },
  guarantees: {
    liveness: [replicasConverge],
    final: [replicasEqual, acknowledgedSetsSurvive, noLostIncrements],
  },
  faults: {
    swarm: GOSSIP_SWARM,
    livenessBoundMs: 5000,
  },
});
