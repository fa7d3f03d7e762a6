/**
 * raft-replication: one write replicated by Raft (src/stores/raft) in the synchronous model, for
 * LDFI: all five safety invariants, verified within EOT 8, EFF 4.
 *
 *   npx cadre verify examples/raft-replication.ts
 */
import { replicationLdfiSpec } from './raft-ldfi-core.js';

export default replicationLdfiSpec();
