/**
 * raft-election: Raft's election (src/stores/raft) among three nodes in the synchronous model, for
 * LDFI: election safety and vote uniqueness, verified within EOT 12, EFF 7, one crash.
 *
 *   npx cadre verify examples/raft-election.ts
 */
import { electionLdfiSpec } from './raft-ldfi-core.js';

export default electionLdfiSpec();
