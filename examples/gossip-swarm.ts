/**
 * The swarm faults the gossip examples share (examples/cache.ts, presence.ts, discovery-ap.ts,
 * registry-available.ts): partitions, one-way partitions, loss, duplication, clogging and
 * crash-restarts, at most six per run.
 */
import type { SwarmOptions } from '../src/index.js';

export const GOSSIP_SWARM: SwarmOptions = {
  kinds: ['crash', 'partition', 'one-way-partition', 'loss', 'duplicate', 'clog'],
  crashMode: 'restart',
  faultsMax: 6,
};
