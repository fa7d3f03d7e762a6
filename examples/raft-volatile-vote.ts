/**
 * raft-volatile-vote: examples/raft.ts with a deliberate bug — the vote is kept in memory only,
 * not persisted with the term. A node that votes, crashes and restarts in the same term can vote
 * again; the swarm campaign finds it (first at seed 126) as a vote-uniqueness violation.
 *
 *   npx cadre simulate examples/raft-volatile-vote.ts --seeds 1..200
 */
import { defineSpec } from '../src/index.js';
import { raftRegisterSpec } from './raft-core.js';

export default defineSpec(
  raftRegisterSpec({
    name: 'raft-volatile-vote',
    description: 'Raft with votes kept in memory only (buggy: double votes after a restart).',
    raft: { knobs: { volatileVote: true } },
  }),
);
