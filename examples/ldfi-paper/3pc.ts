/**
 * 3pc (Molly's `commit/3pc.ded` + `2pc_assert.ded`; paper Fig. 9; reference §3 Fig. 12, §4).
 *
 * Three-phase commit with a coordinator `C` and agents `a`, `b`, `d`; every message is sent once:
 * - C sends `cancommit` at `begin`, and requests a 5-tick timer (its timeout fires at tick 5);
 * - an agent that `can` commit records `prepared`, votes Y and requests a 4-tick timer;
 * - with Y votes from all agents, C sends `precommit`; an agent records `precommitted`, acks, and
 *   restarts its timer;
 * - with acks from all agents, C commits and sends `commit`; a receiver commits (`abort` alike);
 * - on its timeout, an undecided agent commits if it is precommitted and aborts otherwise; C aborts
 *   on its timeout if an ack is missing, and sends `abort`.
 *
 * How the Dedalus maps (DESIGN.md §3.1): persistent relations are `ctx.memory` keys, `@async` is a
 * send, `timer_svc(N,I,k)` a timer of k − 1 ticks (a restart replaces the pending one).
 *
 * Expected (reference §3, §4): no counterexample in fail-stop (8/0/1, 8/0/2): a lost ack makes C
 * abort, and its abort reaches the agents before their precommit timeout. With omissions it breaks,
 * counterexample at 9/7/1 (Fig. 9; Molly 55 runs, random search 40.6): d crashes before its ack,
 * C aborts, C's aborts to a and b are lost, and a and b time out precommitted and commit — C and
 * the agents disagree.
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

export type ThreePcMsg =
  | { readonly type: 'begin'; readonly xact: string }
  | { readonly type: 'cancommit'; readonly xact: string }
  | { readonly type: 'vote'; readonly xact: string; readonly vote: 'Y' | 'N' }
  | { readonly type: 'precommit'; readonly xact: string }
  | { readonly type: 'ack'; readonly xact: string }
  | { readonly type: 'commit'; readonly xact: string }
  | { readonly type: 'abort'; readonly xact: string };

const TIMEOUT = 'timeout/';
/** `timer_svc(C,X,5)` at begin: C's timeout fires at tick 1 + 4. */
const COORDINATOR_TIMEOUT_TICKS = 4;
/** `timer_svc(A,X,4)` at the vote and again at the ack. */
const AGENT_TIMEOUT_TICKS = 3;

/**
 * Memory keys: C holds `vote/X/A`, `ack/X/A` and `precommit/X` (sent); an agent holds
 * `prepared/X` and `precommitted/X`; everyone holds `commit/X` or `abort/X` once decided.
 */
export class ThreePhaseCommit implements Process<ThreePcMsg> {
  constructor(readonly id: NodeId) {}

  init(_ctx: Context<ThreePcMsg>): void {}

  receive(ctx: Context<ThreePcMsg>, from: NodeId, msg: ThreePcMsg): void {
    const x = msg.xact;
    switch (msg.type) {
      case 'begin':
        ctx.emit(fact('begin', this.id, x));
        this.#broadcast(ctx, { type: 'cancommit', xact: x });
        ctx.setTimer(`${TIMEOUT}${x}`, COORDINATOR_TIMEOUT_TICKS);
        return;
      case 'cancommit':
        if (!canCommit(this.id, x)) {
          ctx.send(from, { type: 'vote', xact: x, vote: 'N' });
          return;
        }
        ctx.memory.set(`prepared/${x}`, from);
        ctx.emit(fact('prepared', this.id, from, x, 'Y'));
        ctx.send(from, { type: 'vote', xact: x, vote: 'Y' });
        ctx.setTimer(`${TIMEOUT}${x}`, AGENT_TIMEOUT_TICKS);
        return;
      case 'vote':
        ctx.memory.set(`vote/${x}/${from}`, msg.vote);
        // With Y votes from every agent, precommit (once).
        if (this.#allFrom(ctx, 'vote', x, 'Y') && !ctx.memory.has(`precommit/${x}`)) {
          ctx.memory.set(`precommit/${x}`, true);
          this.#broadcast(ctx, { type: 'precommit', xact: x });
        }
        return;
      case 'precommit':
        ctx.memory.set(`precommitted/${x}`, true);
        ctx.send(from, { type: 'ack', xact: x });
        ctx.setTimer(`${TIMEOUT}${x}`, AGENT_TIMEOUT_TICKS);
        return;
      case 'ack':
        ctx.memory.set(`ack/${x}/${from}`, true);
        if (this.#allFrom(ctx, 'ack', x, true) && !this.#hasDecided(ctx, x)) {
          this.#decide(ctx, 'commit', x);
          this.#broadcast(ctx, { type: 'commit', xact: x });
        }
        return;
      case 'commit':
      case 'abort':
        this.#decide(ctx, msg.type, x);
        return;
    }
  }

  timer(ctx: Context<ThreePcMsg>, name: string): void {
    const x = name.slice(TIMEOUT.length);
    if (this.#hasDecided(ctx, x)) return;
    if (this.id === COORDINATOR) {
      // `abort(C,X) :- timeout(C,X), missing_ack(C,X)`.
      if (!this.#allFrom(ctx, 'ack', x, true)) {
        this.#decide(ctx, 'abort', x);
        this.#broadcast(ctx, { type: 'abort', xact: x });
      }
      return;
    }
    this.#decide(ctx, ctx.memory.has(`precommitted/${x}`) ? 'commit' : 'abort', x);
  }

  #broadcast(ctx: Context<ThreePcMsg>, msg: ThreePcMsg): void {
    for (const agent of agentLinks(this.id)) ctx.send(agent, msg);
  }

  /** Whether every agent's `kind` (vote or ack) for `xact` holds `value`; stops at the first gap. */
  #allFrom(ctx: Context<ThreePcMsg>, kind: string, xact: string, value: unknown): boolean {
    return agentLinks(this.id).every((a) => ctx.memory.get(`${kind}/${xact}/${a}`) === value);
  }

  #hasDecided(ctx: Context<ThreePcMsg>, xact: string): boolean {
    return ctx.memory.has(`commit/${xact}`) || ctx.memory.has(`abort/${xact}`);
  }

  #decide(ctx: Context<ThreePcMsg>, decision: Decision, xact: string): void {
    ctx.memory.set(`${decision}/${xact}`, true);
    ctx.emit(fact(decision, this.id, xact));
  }
}

export default defineSpec<ThreePcMsg>({
  name: '3pc',
  description: 'Three-phase commit, coordinator C, agents a, b, d (Molly commit/3pc).',
  nodes: COMMIT_NODES,
  process: (id) => new ThreePhaseCommit(id),
  time: { model: 'sync', eot: 9 },
  inputs: [beginInput],
  guarantees: { prePost: [termination, agreement] },
  // The paper's Fig. 12 row. The agents run the same code on the same inputs: interchangeable.
  ldfi: { eot: 9, eff: 7, crashes: 1, symmetry: [['a', 'b', 'd']] },
});
