/**
 * Goal: the seed's example guarantee — "a voting member that cast a vote for a candidate in an
 * election cannot have voted for any other candidate in that election" — is a few lines of
 * invariant, and LDFI finds the fault that breaks it. Method: two candidates ask one voter at tick
 * 1; a candidate that hears nothing by tick 3 asks again; the voter's *retry path* forgets to
 * check its earlier vote (the bug). Failure-free, every reply arrives and nobody retries, so only
 * a lost message makes someone retry and exposes the bug: c1's lost request (v votes c2 first, then
grants c1's retry), c2's lost request, or c2's lost rejection (c2 retries and is granted). LDFI
must find all three single-omission counterexamples.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Context,
  defineSpec,
  describeFault,
  fact,
  type Invariant,
  type Process,
} from '../../src/index.js';
import { verify } from '../../src/ldfi/verify.js';

type Msg = { readonly type: 'request' | 'retry' | 'granted' | 'rejected'; readonly term: number };

/** The guarantee, as the guide shows it. */
const oneVotePerTerm: Invariant = {
  name: 'one-vote-per-term',
  check(world) {
    const seen = new Map<string, unknown>();
    for (const v of world.facts('voted')) {
      const key = `${v.args[0]}/${v.args[1]}`;
      if (seen.has(key) && seen.get(key) !== v.args[2]) return `${key} voted twice`;
      seen.set(key, v.args[2]);
    }
    return undefined;
  },
};

class Election implements Process<Msg> {
  init(ctx: Context<Msg>): void {
    if (ctx.id === 'v') return;
    ctx.send('v', { type: 'request', term: 1 });
    ctx.setTimer('check', 2);
  }
  receive(ctx: Context<Msg>, from: string, msg: Msg): void {
    if (ctx.id === 'v') {
      const votedFor = ctx.memory.get<string>('votedFor');
      // The bug: a retry is granted without looking at votedFor.
      const grant = msg.type === 'retry' || votedFor === undefined || votedFor === from;
      if (grant) {
        ctx.memory.set('votedFor', from);
        ctx.emit(fact('voted', 'v', msg.term, from));
      }
      ctx.send(from, { type: grant ? 'granted' : 'rejected', term: msg.term });
      return;
    }
    ctx.memory.set('answer', msg.type);
    ctx.emit(fact(msg.type, ctx.id, msg.term));
  }
  timer(ctx: Context<Msg>): void {
    if (!ctx.memory.has('answer')) ctx.send('v', { type: 'retry', term: 1 });
  }
}

const spec = defineSpec<Msg>({
  name: 'vote-once',
  nodes: ['v', 'c1', 'c2'],
  process: () => new Election(),
  time: { model: 'sync', eot: 6 },
  guarantees: { invariants: [oneVotePerTerm] },
});

test('LDFI finds each single lost message that makes the voter vote twice', () => {
  const r = verify(spec, { eot: 6, eff: 4, crashes: 0, findAll: true });
  assert.equal(r.verdict, 'counterexample');
  assert.equal(r.counterexamples[0]?.faults.length, 1, 'the first counterexample is one fault');
  const singles = r.counterexamples.filter((ce) => ce.faults.length === 1);
  const found = singles.map((ce) => ce.faults.map(describeFault).join(' ')).sort();
  assert.deepEqual(found, ['O(c1,v,1)', 'O(c2,v,1)', 'O(v,c2,2)']);
  for (const ce of r.counterexamples) {
    assert.equal(ce.guarantee, 'one-vote-per-term');
    assert.match(ce.result.violations[0]?.message ?? '', /v\/1 voted twice/);
  }
});

test('without omissions (EFF 0) the protocol is verified', () => {
  assert.equal(verify(spec, { eot: 6, eff: 0, crashes: 0 }).verdict, 'verified');
});
