/**
 * 2pc-ctp (Molly's `commit/2pc_ctp.ded`; reference §3 Fig. 12, §4 "Commit family"): 2pc plus the
 * cooperative termination protocol. Every `prepare` an agent receives starts a 4-tick timer
 * (`timer_svc(A,X,4) :- prepare(A,C,X)`, so a timeout three ticks later). On a timeout, an agent
 * that knows no outcome sends `decision_req` to its peers and to C. A node that committed or aborted
 * replies in kind; an agent that has not prepared aborts unilaterally (and replies, and gossips the
 * abort); an uncertain agent stays silent.
 *
 * Expected (reference §3, §4): counterexample at 8/0/1 in 3 runs (Molly 3), and at 6/0/1 and
 * 6/0/2. Once every agent has prepared, a crash of C leaves them all uncertain: they ask each
 * other, nobody knows, and only the crashed C decides, which breaks termination.
 */
import { type Context, defineSpec, type NodeId } from '../../src/index.js';
import { type TwoPcMsg, TwoPhaseCommit } from './2pc.js';
import {
  agentLinks,
  agreement,
  beginInput,
  COMMIT_NODES,
  COORDINATOR,
  termination,
} from './commit-common.js';

const TIMEOUT = 'ctp-timeout/';
/** `timer_svc(A,X,4)`: the timeout fires 4 − 1 ticks after the request. */
const AGENT_TIMEOUT_TICKS = 3;

export class TwoPhaseCommitCtp extends TwoPhaseCommit {
  protected override prepare(ctx: Context<TwoPcMsg>, coordinator: NodeId, xact: string): void {
    super.prepare(ctx, coordinator, xact);
    // Each `prepare` requests its own timer (Dedalus timers do not replace each other).
    ctx.setTimer(`${TIMEOUT}${xact}/${ctx.now()}`, AGENT_TIMEOUT_TICKS);
  }

  protected override otherTimer(ctx: Context<TwoPcMsg>, name: string): void {
    if (!name.startsWith(TIMEOUT)) return;
    const xact = name.slice(TIMEOUT.length, name.lastIndexOf('/'));
    // `decision_req(N,A,X)@async :- timeout(A,X), notin commit(A,X), notin abort(A,X), ...`.
    if (ctx.memory.has(`commit/${xact}`) || ctx.memory.has(`abort/${xact}`)) return;
    for (const to of [...agentLinks(this.id), COORDINATOR])
      ctx.send(to, { type: 'decision_req', xact });
  }

  protected override decisionRequest(ctx: Context<TwoPcMsg>, from: NodeId, xact: string): void {
    if (ctx.memory.has(`commit/${xact}`)) {
      ctx.send(from, { type: 'commit', xact });
    } else if (ctx.memory.has(`abort/${xact}`)) {
      ctx.send(from, { type: 'abort', xact });
    } else if (!this.isCoordinator && !ctx.memory.has(`prepared/${xact}`)) {
      // Not prepared: abort unilaterally, and reply with it.
      this.decided(ctx, 'abort', xact);
      ctx.send(from, { type: 'abort', xact });
    }
  }
}

export default defineSpec<TwoPcMsg>({
  name: '2pc-ctp',
  description: '2pc with cooperative termination (Molly commit/2pc_ctp).',
  nodes: COMMIT_NODES,
  process: (id) => new TwoPhaseCommitCtp(id),
  time: { model: 'sync', eot: 8 },
  inputs: [beginInput],
  guarantees: { prePost: [termination, agreement] },
  // The paper's Fig. 12 row. The agents run the same code on the same inputs: interchangeable.
  ldfi: { eot: 8, eff: 0, crashes: 1, symmetry: [['a', 'b', 'd']] },
});
