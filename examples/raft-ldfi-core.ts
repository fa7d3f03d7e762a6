/**
 * Small Raft specs for LDFI (synchronous model, one tick per simulator tick), correct or with a
 * deliberate bug (RaftTestingKnobs). The Raft process keeps its core in a plain field, so the specs
 * declare `pcausal` lineage (each event depends on its node's previous one).
 */

import { defineSpec, type Input, type NodeId, type Spec } from '../src/index.js';
import { electionSafety, raftInvariants, voteUniqueness } from '../src/stores/raft/invariants.js';
import {
  type RaftProcessOptions,
  type RaftWireMessage,
  raftProcess,
} from '../src/stores/raft/process.js';
import type { RaftTestingKnobs } from '../src/stores/raft/raft-node.js';
import {
  type RegisterCommand,
  RegisterMachine,
  type RegisterQuery,
  type RegisterResult,
} from './raft-register.js';

type Wire = RaftWireMessage<unknown, unknown, unknown>;

/** The Raft process of a synchronous-model spec: the register state machine and one Raft tick per
 * simulator tick; `options` sets the rest (timeouts in ticks, knobs, ...). */
export function syncRegisterRaft(
  options: Omit<
    RaftProcessOptions<RegisterCommand, RegisterQuery, RegisterResult>,
    'stateMachine' | 'tickMs'
  >,
): Spec<Wire>['process'] {
  return raftProcess({
    ...options,
    tickMs: 1,
    stateMachine: (kv) => new RegisterMachine(kv),
  }) as Spec<Wire>['process'];
}

/** An input: at tick `at`, `to` is asked to replicate `write value` (session `s`, request 1). */
export function proposeWrite(at: number, to: NodeId, value: number): Input<Wire> {
  return {
    at,
    to,
    msg: { type: 'propose', session: 's', seq: 1, command: { op: 'write', value } },
  };
}

/** Election among three nodes: timeouts of 4–7 ticks, pre-vote on; the first leader (n3 with
 * LDFI's seed) is elected at tick 9. Guarantees: election safety and vote uniqueness. */
export function electionLdfiSpec(knobs: RaftTestingKnobs = {}): Spec<Wire> {
  return defineSpec<Wire>({
    name: knobs.grantVoteIgnoringVotedFor === true ? 'raft-election-double-vote' : 'raft-election',
    nodes: ['n1', 'n2', 'n3'],
    process: syncRegisterRaft({ electionTicks: 4, heartbeatTicks: 1, facts: 'election', knobs }),
    time: { model: 'sync', eot: 12 },
    guarantees: { invariants: [electionSafety, voteUniqueness] },
    ldfi: { eot: 12, eff: 7, crashes: 1, precision: 'pcausal' },
  });
}

/** Replication: n1 is told to campaign at tick 1 (no pre-vote; elected at tick 3, its no-op
 * committed at 5) and a write arrives at tick 4, committed at 7 and applied everywhere by 8.
 * Election timeouts of 20+ ticks keep anyone else from campaigning. Guarantees: all five
 * safety invariants. */
export function replicationLdfiSpec(knobs: RaftTestingKnobs = {}): Spec<Wire> {
  return defineSpec<Wire>({
    name: 'raft-replication',
    nodes: ['n1', 'n2', 'n3'],
    process: syncRegisterRaft({ electionTicks: 20, heartbeatTicks: 1, preVote: false, knobs }),
    inputs: [{ at: 1, to: 'n1', msg: { type: 'campaign' } }, proposeWrite(4, 'n1', 7)],
    time: { model: 'sync', eot: 8 },
    guarantees: { invariants: raftInvariants },
    ldfi: { eot: 8, eff: 4, crashes: 0, precision: 'pcausal' },
  });
}
