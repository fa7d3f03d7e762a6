/**
 * leader-election: Raft-style election of a leader among three nodes (see
 * examples/leader-election-core.ts), in its correct form: a node persists its term and the
 * candidate it voted for before the vote leaves, and rebuilds both in `init` after a restart, so it
 * votes at most once per term even across crashes.
 *
 * Guarantees: at most one leader per term (an invariant checked after every event) and, once the
 * faults heal, a leader followed by a majority (liveness). Swarm mode draws crash-restarts of any
 * node, partitions (symmetric and one-way) and message loss per seed; no seed should break it
 * (test/examples/leader-election.test.ts also runs it under clogging, duplication and clock skew).
 */
import { defineSpec } from '../src/index.js';
import { electionSpec } from './leader-election-core.js';

export default defineSpec(
  electionSpec('leader-election', 'Raft-style leader election; votes are durable (correct).', {
    durableVote: true,
  }),
);
