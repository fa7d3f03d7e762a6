/**
 * paxos-synod (Molly's `paxos_synod.ded`; reference §3 Fig. 13, §4 "paxos_synod"): single-decree
 * Paxos on nodes `a`, `b`, `c`, every node an acceptor. `a` proposes "peter" and `b` "foobar" at
 * tick 1; ballots start at a=4, b=5, c=6 and grow by the node count (3) on every retry.
 * - Phase 1: a proposer sends `prepare(B)` for its current ballot B to every node (itself
 *   included), every tick. On the prepares of a tick, an acceptor logs them and answers the highest
 *   with `promise(B, V, VB)` — its highest accepted (value, ballot), or ("anything", 1) — unless it
 *   has logged a higher prepare.
 * - Phase 2: while it holds promises for its current ballot from a majority (count > 3/2), the
 *   proposer sends `accept(B, V)` to every node, every tick, where V is the highest-ballot value
 *   promised, or its own value if every answer was "anything". Acceptors accept unconditionally
 *   (this model has no promise check in phase 2).
 * - A 3-tick timer (`timer_svc(P,X,3)`: it fires two ticks later) makes a proposer that has not
 *   accepted its own value retry with its next ballot, current from the next tick (`@next`).
 * Messages follow Dedalus persistence: what a proposer's state implies is re-sent every tick, so
 * the last tick before EOT repairs earlier losses. (Sending each message once instead is not safe
 * at 7/6/1: a value accepted by one node only, then the other value accepted by the other two with
 * the message to the first lost, leaves two values standing at EOT.)
 *
 * Guarantee: agreement on the accepted values of non-crashed nodes, where a node's accepted value is
 * its highest-ballot acceptance (the value a promise would report): `pre(M)` if a non-crashed node
 * holds M, `post(M)` if moreover no non-crashed node holds another value.
 *
 * How the Dedalus maps (DESIGN.md §3.1): persistent relations are `ctx.memory` keys, `@async` is a
 * send, `@next` a message to self, each every-tick rule a 1-tick timer armed by a clock that reads
 * nothing (a rule's firing does not depend on its firing the tick before). "No higher prepare
 * logged" and "highest accepted" probe ballot keys from the top down: absent keys cost no lineage,
 * so a promise depends on the prepare it answers and the acceptance it reports, not on every prepare
 * or acceptance ever logged.
 *
 * Expected (reference §3 Fig. 13): verified at 7/6/1 (Molly: 173 runs; ours 96) and at 8/3/1.
 */
import {
  type Context,
  defineSpec,
  fact,
  type NodeId,
  type PrePost,
  type Process,
  type Tuple,
  type WorldView,
} from '../../src/index.js';

export type PaxosMsg =
  | { readonly type: 'propose'; readonly value: string }
  | { readonly type: 'prepare'; readonly ballot: number }
  | {
      readonly type: 'promise';
      readonly ballot: number;
      readonly value: string;
      readonly valueBallot: number;
    }
  | { readonly type: 'accept'; readonly ballot: number; readonly value: string }
  /** To self: the next ballot, current from the next tick on (`ballot(P,B+3)@next`). */
  | { readonly type: 'ballot'; readonly ballot: number };

export const PAXOS_NODES: readonly NodeId[] = ['a', 'b', 'c'];
const BALLOT_SEED: Readonly<Record<NodeId, number>> = { a: 4, b: 5, c: 6 };
const ANYTHING = 'anything';
/** `timer_svc(P,X,3)`: the timeout fires 3 − 1 ticks after the request. */
const RETRY_TICKS = 2;
const PREPARE_JOB = 'job/prepare';
const PROMISE_JOB = 'job/promise';
const ACCEPT_JOB = 'job/accept';
const RETRY = 'retry';
const CLOCK = 'clock';

/**
 * Memory keys. Proposer: `proposal` (its value), `ballot` (current), `promise/B/A` ([value,
 * ballot] promised by A for B). Acceptor: `prepare/B` (logged prepare: [proposer, tick received]),
 * `accepted/B` (value accepted),
 * `accepted-value/V` (V was accepted at some ballot).
 */
export class PaxosSynod implements Process<PaxosMsg> {
  constructor(readonly id: NodeId) {}

  init(ctx: Context<PaxosMsg>): void {
    this.#tick(ctx);
  }

  /**
   * Arms the clock and next tick's jobs. A Dedalus rule fires at every tick over that tick's
   * relations, whatever it did the tick before; a job re-arming itself would make each firing a
   * consequence of the last one (the timer's setter is a premise) and so of everything the last
   * one read. The clock reads nothing, so a job's only premises are its own reads. Job timers are
   * named after their tick: re-arming a pending timer of the same name would replace it.
   */
  #tick(ctx: Context<PaxosMsg>): void {
    ctx.setTimer(CLOCK, 1);
    for (const job of [PREPARE_JOB, PROMISE_JOB, ACCEPT_JOB])
      ctx.setTimer(`${job}@${ctx.now() + 1}`, 1);
  }

  receive(ctx: Context<PaxosMsg>, from: NodeId, msg: PaxosMsg): void {
    switch (msg.type) {
      case 'propose': {
        ctx.emit(fact('propose', this.id, msg.value));
        ctx.memory.set('proposal', msg.value);
        const ballot = BALLOT_SEED[this.id] ?? 1;
        ctx.memory.set('ballot', ballot);
        this.#sendPrepares(ctx, ballot);
        ctx.setTimer(RETRY, RETRY_TICKS);
        return;
      }
      case 'prepare':
        ctx.memory.set(`prepare/${msg.ballot}`, [from, ctx.now()]);
        return;
      case 'promise':
        ctx.memory.set(`promise/${msg.ballot}/${from}`, [msg.value, msg.valueBallot]);
        return;
      case 'accept':
        // Unconditional: no check against the prepares this acceptor promised.
        ctx.memory.set(`accepted/${msg.ballot}`, msg.value);
        ctx.memory.set(`accepted-value/${msg.value}`, true);
        ctx.emit(fact('accepted', this.id, msg.value, msg.ballot));
        return;
      case 'ballot':
        ctx.memory.set('ballot', msg.ballot);
        return;
    }
  }

  timer(ctx: Context<PaxosMsg>, name: string): void {
    switch (name.split('@')[0]) {
      case CLOCK:
        this.#tick(ctx);
        return;
      case PREPARE_JOB: {
        // `prepare(A,P,B)@async :- ballot(P,B), member(P,A)`, every tick.
        const ballot = ctx.memory.get<number>('ballot');
        if (ballot !== undefined) this.#sendPrepares(ctx, ballot);
        return;
      }
      case PROMISE_JOB:
        this.#answerPrepares(ctx);
        return;
      case ACCEPT_JOB:
        this.#sendAccepts(ctx);
        return;
      case RETRY:
        this.#retry(ctx);
        return;
    }
  }

  #sendPrepares(ctx: Context<PaxosMsg>, ballot: number): void {
    for (const node of ctx.nodes) ctx.send(node, { type: 'prepare', ballot });
  }

  /** The largest ballot anyone can hold by now: seeds grow by 3 at most once a tick. */
  #ballotBound(ctx: Context<PaxosMsg>): number {
    return Math.max(...Object.values(BALLOT_SEED)) + ctx.nodes.length * ctx.now();
  }

  /**
   * `promise(P,A,B,V,VB)@async :- prepare(A,P,B), highest_accepted(A,V,VB), notin higher(A,B)`:
   * of this tick's prepares only the highest can lack a higher logged one, and it does when it is
   * the highest ever logged. Probing from the top reads just that prepare.
   */
  #answerPrepares(ctx: Context<PaxosMsg>): void {
    const bound = this.#ballotBound(ctx);
    for (let b = bound; b >= 1; b--) {
      const logged = ctx.memory.get<[NodeId, number]>(`prepare/${b}`);
      if (logged === undefined) continue;
      const [proposer, at] = logged;
      if (at !== ctx.now()) return;
      const [value, valueBallot] = this.#highestAccepted(ctx, bound);
      ctx.send(proposer, { type: 'promise', ballot: b, value, valueBallot });
      return;
    }
  }

  #highestAccepted(ctx: Context<PaxosMsg>, bound: number): [string, number] {
    for (let b = bound; b >= 1; b--) {
      const value = ctx.memory.get<string>(`accepted/${b}`);
      if (value !== undefined) return [value, b];
    }
    return [ANYTHING, 1];
  }

  /** With promises from a majority for the current ballot, accept the highest promised value. */
  #sendAccepts(ctx: Context<PaxosMsg>): void {
    const ballot = ctx.memory.get<number>('ballot');
    if (ballot === undefined) return;
    let count = 0;
    let best: [string, number] = [ANYTHING, 0];
    for (const node of ctx.nodes) {
      const promise = ctx.memory.get<[string, number]>(`promise/${ballot}/${node}`);
      if (promise === undefined) continue;
      count++;
      if (promise[0] !== ANYTHING && promise[1] > best[1]) best = promise;
    }
    if (count * 2 <= ctx.nodes.length) return;
    const value = best[0] === ANYTHING ? (ctx.memory.get<string>('proposal') as string) : best[0];
    for (const node of ctx.nodes) ctx.send(node, { type: 'accept', ballot, value });
  }

  /** Retry with the next ballot unless this node has accepted its own value. */
  #retry(ctx: Context<PaxosMsg>): void {
    const own = ctx.memory.get<string>('proposal');
    if (ctx.memory.has(`accepted-value/${own}`)) return;
    const ballot = (ctx.memory.get<number>('ballot') as number) + ctx.nodes.length;
    ctx.send(this.id, { type: 'ballot', ballot });
    ctx.setTimer(RETRY, RETRY_TICKS);
  }
}

/** Each non-crashed node's accepted value: the value of its highest-ballot acceptance. */
function acceptedValues(world: WorldView): Map<NodeId, string> {
  const best = new Map<NodeId, [string, number]>();
  for (const f of world.facts('accepted')) {
    const node = f.args[0] as NodeId;
    if (world.crashed(node)) continue;
    const ballot = f.args[2] as number;
    const held = best.get(node);
    if (held === undefined || ballot > held[1]) best.set(node, [f.args[1] as string, ballot]);
  }
  return new Map([...best].map(([n, [v]]) => [n, v]));
}

/** Agreement on accepted values at non-crashed nodes. */
export const paxosAgreement: PrePost = {
  name: 'agreement',
  pre(world) {
    return [...new Set(acceptedValues(world).values())].sort().map((v): Tuple => [v]);
  },
  post(world) {
    const values = new Set(acceptedValues(world).values());
    return values.size === 1 ? [...values].map((v): Tuple => [v]) : [];
  },
};

export default defineSpec<PaxosMsg>({
  name: 'paxos-synod',
  description: 'Single-decree Paxos, proposers a and b, acceptors a, b, c (Molly paxos_synod).',
  nodes: PAXOS_NODES,
  process: (id) => new PaxosSynod(id),
  time: { model: 'sync', eot: 7 },
  inputs: [
    { at: 1, to: 'a', msg: { type: 'propose', value: 'peter' } },
    { at: 1, to: 'b', msg: { type: 'propose', value: 'foobar' } },
  ],
  guarantees: { prePost: [paxosAgreement] },
  // The paper's Fig. 13 row. No symmetry: a and b propose different values with different ballots.
  // Negative support is off: with it on (any fact agreement read may fall) the search passes 2,700
  // runs with 1,400 queued at 7/6/1. Off, LDFI explores the fault sets that make good agreement
  // tuples vanish, but not faults that only let a competing value appear (agreement has a
  // negation), so this "verified" is weaker than Molly's. Evidence that nothing is missed: at 7/2/1
  // exhaustive search agrees (test/examples/ldfi-paper/paxos-synod.test.ts; at 7/3/1 too, 90,112
  // runs), and random search (100,000 runs) finds no counterexample at 7/6/1.
  ldfi: { eot: 7, eff: 6, crashes: 1, negativeSupport: false },
});
