/**
 * registry-available: the available registry (src/stores/primitives/registry-available*.ts) on
 * three nodes gossiping their state every 50 ms; two clients register, unregister and look up
 * three names on random nodes until 1.2 s. A node silent for 300 ms is down (its registrations
 * are hidden, so its names can be registered again elsewhere), for 3 s permanently down.
 *
 * Swarm mode draws, per seed, partitions (symmetric and one-way), loss, duplication, clogging and
 * crash-restarts in the first 1.5 s: registrations of one name on both sides of a partition are
 * the duplicates the resolver settles. After the heal every live node must resolve each name to
 * the same single owner (liveness + final check), and every losing registration must have been
 * reported exactly once on its node. test/stores/primitives/registry-available-sim.test.ts runs
 * the campaign and measures the duplicate window.
 *
 *   npx cadre simulate examples/registry-available.ts --seeds 1..200
 */
import { defineSpec, type Spec } from '../src/index.js';
import type { ConflictResolver } from '../src/stores/primitives/registry-available.js';
import {
  conflictsReportedOnce,
  registryAgrees,
  registryConverges,
} from '../src/stores/primitives/registry-available-guarantees.js';
import {
  availableRegistryProcess,
  type RegistryMsg,
} from '../src/stores/primitives/registry-available-process.js';
import { availableRegistryClient } from '../src/stores/primitives/registry-available-sim-client.js';
import { GOSSIP_SWARM } from './gossip-swarm.js';

/** The registry nodes. */
export const REGISTRY_NODES = ['n1', 'n2', 'n3'];
/** Gossip period, ms. */
export const GOSSIP_INTERVAL_MS = 50;
/** Silence after which a node's registrations are hidden elsewhere, ms. */
export const NODE_TIMEOUT_MS = 300;
/** End of the safety phase (faults heal), ms. */
export const HORIZON_MS = 1500;

/** Settings of the available registry spec. */
export interface AvailableRegistrySpecOptions {
  readonly name?: string;
  /** Default: the registry's default (lowest registration wins, loser killed). */
  readonly resolver?: ConflictResolver;
  readonly gossipIntervalMs?: number;
  readonly nodeTimeoutMs?: number;
}

/** The available registry on three nodes with two clients under swarm faults. */
export function availableRegistrySpec(
  options: AvailableRegistrySpecOptions = {},
): Spec<RegistryMsg> {
  return defineSpec<RegistryMsg>({
    name: options.name ?? 'registry-available',
    description:
      'The available registry: duplicates across partitions, settled by a deterministic resolver.',
    nodes: REGISTRY_NODES,
    process: availableRegistryProcess({
      gossipIntervalMs: options.gossipIntervalMs ?? GOSSIP_INTERVAL_MS,
      nodeTimeoutMs: options.nodeTimeoutMs ?? NODE_TIMEOUT_MS,
      permDownAfterMs: 3000,
      ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    }),
    clients: {
      ids: ['c1', 'c2'],
      process: availableRegistryClient({ servers: REGISTRY_NODES, stopAtMs: 1200 }),
    },
    time: { model: 'async', horizonMs: HORIZON_MS },
    guarantees: {
      liveness: [registryConverges],
      final: [registryAgrees, conflictsReportedOnce],
    },
    faults: {
      swarm: GOSSIP_SWARM,
      livenessBoundMs: 5000,
    },
  });
}

export default availableRegistrySpec();
