// LDFI on the Raft core at small bounds: the correct election and replication are verified within
// them, and the double-vote bug is found. Bounds and run counts are measured (see the asserts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { electionLdfiSpec, replicationLdfiSpec } from '../../../examples/raft-ldfi-core.js';
import { describeFault } from '../../../src/index.js';
import { verify } from '../../../src/ldfi/verify.js';

describe('raft under LDFI', () => {
  it('election: verified within EOT 12, EFF 7, one crash (election safety, vote uniqueness)', (t) => {
    const r = verify(electionLdfiSpec(), { eot: 12, eff: 7, crashes: 1 });
    t.diagnostic(
      `${r.verdict} in ${r.runs} runs of ${r.combinations.toExponential(2)} combinations`,
    );
    assert.equal(r.verdict, 'verified');
    assert.ok(
      r.failureFree.facts.some((f) => f.name === 'leader'),
      'a leader is elected failure-free',
    );
    assert.ok(r.runs > 10, `LDFI explored fault sets (${r.runs} runs)`);
  });

  it('election with votes granted regardless of votedFor: LDFI finds a double vote', (t) => {
    const r = verify(electionLdfiSpec({ grantVoteIgnoringVotedFor: true }), {
      eot: 12,
      eff: 7,
      crashes: 1,
    });
    assert.equal(r.verdict, 'counterexample');
    const ce = r.counterexamples[0];
    assert.ok(ce !== undefined);
    t.diagnostic(
      `${ce.faults.map(describeFault).join(' ')} after ${r.runs} runs: ${ce.result.violations[0]?.message}`,
    );
    assert.equal(ce.guarantee, 'raft-vote-uniqueness');
    assert.match(ce.result.violations[0]?.message ?? '', /voted for \w+ and for \w+ in term \d+/);
    assert.ok(ce.faults.length <= 2, 'a minimal fault set of at most two faults');
  });

  it('replication: verified within EOT 8, EFF 2, one crash', (t) => {
    const r = verify(replicationLdfiSpec(), { eot: 8, eff: 2, crashes: 1 });
    t.diagnostic(
      `${r.verdict} in ${r.runs} runs of ${r.combinations.toExponential(2)} combinations`,
    );
    assert.equal(r.verdict, 'verified');
    assert.ok(
      r.runLog.some((run) => run.faults.some((f) => f.kind === 'crash')),
      'crashes were tried',
    );
  });

  it('replication: verified within EOT 8, EFF 4 (all five safety invariants)', (t) => {
    const r = verify(replicationLdfiSpec(), { eot: 8, eff: 4, crashes: 0 });
    t.diagnostic(
      `${r.verdict} in ${r.runs} runs of ${r.combinations.toExponential(2)} combinations`,
    );
    assert.equal(r.verdict, 'verified');
    const applied = r.failureFree.facts.filter((f) => f.name === 'applied' && f.args[1] === 2);
    assert.equal(
      applied.length,
      3,
      'failure-free, the write (index 2) is applied on all three nodes',
    );
  });
});
