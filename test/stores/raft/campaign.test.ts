// The swarm campaign of examples/raft.ts, sized for CI: 2,000 seeds, each with a fault plan drawn
// from the seed (partitions, crash-restarts, loss, duplication, clogging, clock skew, disk faults).
// Every run checks Raft's five safety invariants after every event, the client history against a
// CAS register (linearisable), and, after the heal, a leader and every operation completed within
// the liveness bound. The deliberately broken variants fail the same campaign.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import raft from '../../../examples/raft.js';
import { raftRegisterSpec } from '../../../examples/raft-core.js';
import volatileVote from '../../../examples/raft-volatile-vote.js';
import { defineSpec, runCampaign } from '../../../src/index.js';

describe('raft swarm campaign', () => {
  it('passes seeds 1..2000', (t) => {
    let ops = 0;
    let crashes = 0;
    let planned = 0;
    const started = performance.now();
    const campaign = runCampaign(raft, {
      from: 1,
      to: 2000,
      onRun: (r) => {
        ops += r.history.filter((e) => e.type === 'ok' || e.type === 'fail').length;
        crashes += r.stats.crashes;
        planned += r.plan.faults.length;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(
      `2000 seeds in ${seconds.toFixed(1)} s: ${campaign.events} events, ${ops} client operations, ${planned} faults, ${crashes} crashes`,
    );
    assert.deepEqual(
      campaign.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
    );
    // The campaign does work: every client completes its 6 operations in every run, under faults.
    assert.equal(ops, 2000 * 2 * 6);
    assert.ok(crashes > 500, `crashes: ${crashes}`);
  });

  it('finds the vote that is not persisted (a restarted node votes twice in a term)', (t) => {
    // Measured: the first failing seed is 126.
    const campaign = runCampaign(volatileVote, { from: 1, to: 1000, stopAtFirstFailure: true });
    const failure = campaign.failures[0];
    assert.ok(failure !== undefined, 'a seed in 1..1000 fails');
    t.diagnostic(`seed ${failure.seed}: ${failure.summary}`);
    assert.match(failure.summary, /raft-vote-uniqueness .* voted for \w+ and for \w+ in term/);
    assert.ok(failure.result.crashed.length > 0, 'it took a crash');
  });

  it('finds votes granted regardless of votedFor', () => {
    const buggy = defineSpec(
      raftRegisterSpec({
        name: 'raft-double-vote',
        description: 'double vote',
        raft: { knobs: { grantVoteIgnoringVotedFor: true } },
      }),
    );
    const campaign = runCampaign(buggy, { from: 1, to: 200, stopAtFirstFailure: true });
    assert.match(
      campaign.failures[0]?.summary ?? 'no failure',
      /raft-(vote-uniqueness|election-safety)/,
    );
  });
});
