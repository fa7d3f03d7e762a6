/**
 * raft-buggy: the election of examples/raft-election.ts with a deliberate bug — a node grants its
 * vote to any candidate with an up-to-date log, even after voting for another in the same term.
 * LDFI finds a one-fault counterexample (two votes by one node in one term).
 *
 *   npx cadre verify examples/raft-buggy.ts
 */
import { electionLdfiSpec } from './raft-ldfi-core.js';

export default electionLdfiSpec({ grantVoteIgnoringVotedFor: true });
