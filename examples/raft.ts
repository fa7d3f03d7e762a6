/**
 * raft: a register replicated by Raft (src/stores/raft) on three nodes, with two workload clients.
 * Guarantees: Raft's five safety invariants after every event (election safety, vote uniqueness,
 * log matching, leader completeness, state-machine safety), the client history linearisable
 * against a CAS register, and after the heal a leader followed by a majority with every client
 * operation completed. Swarm mode draws partitions, crash-restarts, loss, duplication, clogging,
 * clock skew and full disks per seed.
 *
 *   npx cadre simulate examples/raft.ts --seeds 1..200
 */
import { defineSpec } from '../src/index.js';
import { raftRegisterSpec } from './raft-core.js';

export default defineSpec(
  raftRegisterSpec({
    name: 'raft',
    description:
      'A register replicated by Raft: safety invariants, linearisable history, liveness after heal.',
  }),
);
