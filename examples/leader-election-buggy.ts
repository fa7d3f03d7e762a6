/**
 * leader-election-buggy: the election of examples/leader-election.ts with one line of difference:
 * the vote lives only in volatile memory. The term is still persisted, so a node that votes in
 * term T, crashes and restarts comes back in term T with no vote on record, and grants a second
 * candidate of term T its vote: two leaders in one term.
 *
 * The bug needs a second candidate in a term whose votes were already cast. A typical run: n1 is
 * down through the first election (n2 wins term 1 with n3's vote), then the leader n2 crashes and
 * restarts, forgetting its own vote; n1, back but still in term 0, times out into term 1 and asks
 * n2, which votes for it. Swarm mode finds such a seed and shrinking cuts its plan down to those two
 * crash-restarts (see test/examples/leader-election-buggy.test.ts).
 */
import { defineSpec } from '../src/index.js';
import { electionSpec } from './leader-election-core.js';

export default defineSpec(
  electionSpec(
    'leader-election-buggy',
    'Raft-style leader election; votes are volatile (buggy: double votes after a restart).',
    { durableVote: false },
  ),
);
