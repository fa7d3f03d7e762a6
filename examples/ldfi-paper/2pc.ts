/**
 * 2pc (Molly's `commit/2pc.ded` + `2pc_assert.ded`; paper Fig. 8; reference §4 "Commit family").
 *
 * Two-phase commit with a coordinator `C` and agents `a`, `b`, `d`:
 * - while `running` (from `begin` until it decides), C sends `prepare` to every agent every tick;
 * - an agent that `can` commit records `prepared` and votes Y (N otherwise) on every `prepare`;
 * - C aborts the tick after any N vote, and commits the tick after it holds Y votes from all agents;
 * - `commit`/`abort` persist, and every holder re-sends them to all its `agent` links every tick
 *   (the agents gossip among themselves too).
 *
 * How the Dedalus maps (DESIGN.md §3.1): persistent relations are `ctx.memory` keys; an `@async`
 * rule is a send; an `@next` rule is a message to self (it arrives next tick, cannot be lost, and
 * a crashed node keeps computing, as Molly's `clock(n,n,t,t+1)`); each rule that fires on every
 * tick is its own 1-tick timer, re-armed from `init` so that it depends only on the state it reads.
 *
 * Expected (reference §3, §4): counterexample at 5/0/1 (Molly: 2 runs; ours 3): C crashes after the
 * votes are in, decides alone (crashed nodes still compute) and nobody else ever decides, which
 * breaks termination. Also counterexamples at 6/0/1, 6/0/2 and 6/3/1; verified at 7/3/0 (the
 * re-sent prepares repair every omission).
 */
import { type Context, defineSpec, fact, type NodeId, type Process } from '../../src/index.js';
import {
  agentLinks,
  agreement,
  beginInput,
  COMMIT_NODES,
  COORDINATOR,
  canCommit,
  type Decision,
  termination,
} from './commit-common.js';

export type TwoPcMsg =
  | { readonly type: 'begin'; readonly xact: string }
  | { readonly type: 'prepare'; readonly xact: string }
  | { readonly type: 'vote'; readonly xact: string; readonly vote: 'Y' | 'N' }
  | { readonly type: 'commit'; readonly xact: string }
  | { readonly type: 'abort'; readonly xact: string }
  /** To self: `running` does not carry over to the next tick (C decided). */
  | { readonly type: 'halt'; readonly xact: string }
  /** Cooperative termination (2pc-ctp): an uncertain agent asks what was decided. */
  | { readonly type: 'decision_req'; readonly xact: string };

/** The recurring (every-tick) rules of the base protocol, one timer each. */
const PREPARE_JOB = 'job/prepare';
const DECIDE_JOB = 'job/decide';
const GOSSIP_JOBS = { commit: 'job/gossip-commit', abort: 'job/gossip-abort' } as const;

/**
 * The 2pc process; 2pc-timeout and 2pc-ctp extend it through the `protected` hooks. Memory keys:
 * `running/X` (C), `vote/X/A` (C: A's vote), `prepared/X` (agent: its coordinator), `commit/X`,
 * `abort/X` (everyone).
 */
export class TwoPhaseCommit implements Process<TwoPcMsg> {
  constructor(readonly id: NodeId) {}

  get isCoordinator(): boolean {
    return this.id === COORDINATOR;
  }

  init(ctx: Context<TwoPcMsg>): void {
    const jobs: string[] = [GOSSIP_JOBS.commit, GOSSIP_JOBS.abort];
    if (this.isCoordinator) jobs.unshift(PREPARE_JOB, DECIDE_JOB);
    for (const job of jobs) ctx.setTimer(job, 1);
  }

  receive(ctx: Context<TwoPcMsg>, from: NodeId, msg: TwoPcMsg): void {
    switch (msg.type) {
      case 'begin':
        this.begin(ctx, msg.xact);
        return;
      case 'prepare':
        this.prepare(ctx, from, msg.xact);
        return;
      case 'vote':
        // `vote(C,A,X,V)@next :- vote(C,A,X,V)`: every receipt is another derivation.
        ctx.memory.set(`vote/${msg.xact}/${from}`, msg.vote);
        return;
      case 'commit':
      case 'abort':
        this.decided(ctx, msg.type, msg.xact);
        return;
      case 'halt':
        ctx.memory.delete(`running/${msg.xact}`);
        return;
      case 'decision_req':
        this.decisionRequest(ctx, from, msg.xact);
        return;
    }
  }

  timer(ctx: Context<TwoPcMsg>, name: string): void {
    switch (name) {
      case PREPARE_JOB:
        // `prepare(A,C,X)@async :- running(C,X), agent(C,A)`.
        for (const key of ctx.memory.keys('running/')) this.sendPrepares(ctx, key.slice(8));
        break;
      case DECIDE_JOB:
        for (const key of ctx.memory.keys('running/')) this.decide(ctx, key.slice(8));
        break;
      case GOSSIP_JOBS.commit:
      case GOSSIP_JOBS.abort: {
        // `commit(A,X)@async :- commit(N,X), agent(N,A)` (and the same for abort).
        const decision: Decision = name === GOSSIP_JOBS.commit ? 'commit' : 'abort';
        for (const key of ctx.memory.keys(`${decision}/`)) {
          for (const to of agentLinks(this.id))
            ctx.send(to, { type: decision, xact: key.slice(decision.length + 1) });
        }
        break;
      }
      default:
        this.otherTimer(ctx, name);
        return;
    }
    ctx.setTimer(name, 1);
  }

  /** `begin(C,X)@1`: C is `running`, and prepares go out this very tick. */
  protected begin(ctx: Context<TwoPcMsg>, xact: string): void {
    ctx.emit(fact('begin', this.id, xact));
    ctx.memory.set(`running/${xact}`, true);
    this.sendPrepares(ctx, xact);
  }

  protected sendPrepares(ctx: Context<TwoPcMsg>, xact: string): void {
    for (const agent of agentLinks(this.id)) ctx.send(agent, { type: 'prepare', xact });
  }

  /** An agent gets `prepare`: it records `prepared` and votes (every time: each is a derivation). */
  protected prepare(ctx: Context<TwoPcMsg>, coordinator: NodeId, xact: string): void {
    if (canCommit(this.id, xact)) {
      ctx.memory.set(`prepared/${xact}`, coordinator);
      ctx.emit(fact('prepared', this.id, coordinator, xact, 'Y'));
      ctx.send(coordinator, { type: 'vote', xact, vote: 'Y' });
    } else {
      ctx.send(coordinator, { type: 'vote', xact, vote: 'N' });
    }
  }

  /**
   * `abort(C,X)@next :- vote(C,_,X,"N")` and
   * `commit(C,X)@next :- running(C,X), notin missing_vote(C,X)`: C reads the votes it needs.
   */
  protected decide(ctx: Context<TwoPcMsg>, xact: string): void {
    let all = true;
    for (const agent of agentLinks(this.id)) {
      const vote = ctx.memory.get<'Y' | 'N'>(`vote/${xact}/${agent}`);
      if (vote === 'N') {
        ctx.send(this.id, { type: 'abort', xact });
        return;
      }
      if (vote === undefined) {
        all = false;
        break;
      }
    }
    if (all) ctx.send(this.id, { type: 'commit', xact });
  }

  /** A decision holds at this node now (received, or derived by C last tick). */
  protected decided(ctx: Context<TwoPcMsg>, decision: Decision, xact: string): void {
    ctx.memory.set(`${decision}/${xact}`, true);
    ctx.emit(fact(decision, this.id, xact));
    // `running(C,X)@next :- running(C,X), notin commit(C,X), notin abort(C,X)`.
    if (this.isCoordinator) ctx.send(this.id, { type: 'halt', xact });
  }

  /** Only 2pc-ctp sends decision requests. */
  protected decisionRequest(_ctx: Context<TwoPcMsg>, _from: NodeId, _xact: string): void {}

  /** Timers of the variants (2pc-timeout, 2pc-ctp). */
  protected otherTimer(_ctx: Context<TwoPcMsg>, _name: string): void {}
}

export default defineSpec<TwoPcMsg>({
  name: '2pc',
  description: 'Two-phase commit, coordinator C, agents a, b, d (Molly commit/2pc).',
  nodes: COMMIT_NODES,
  process: (id) => new TwoPhaseCommit(id),
  time: { model: 'sync', eot: 5 },
  inputs: [beginInput],
  guarantees: { prePost: [termination, agreement] },
  // The paper's Fig. 12 row. The agents run the same code on the same inputs: interchangeable.
  ldfi: { eot: 5, eff: 0, crashes: 1, symmetry: [['a', 'b', 'd']] },
});
