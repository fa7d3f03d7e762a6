/**
 * 2pc-timeout (Molly's `commit/2pc_timeout.ded`; reference §4 "Commit family"): 2pc plus a
 * coordinator timer. `timer_svc(C,X,4) :- begin(C,X)` fires `timeout(C,X)` three ticks after the
 * begin (tick 4), and `abort(C,X) :- timeout(C,X), missing_vote(C,X)`: a coordinator still missing
 * a vote aborts, and the abort spreads like any decision.
 *
 * Expected (reference §4): with the optimist's spec (`2pc_assert_optimist.ded`: termination also
 * holds when C crashes) no counterexample in fail-stop at 6/0/1 and 6/0/2 — a crashed agent's vote
 * is missing, C aborts, and everyone hears it. With the plain spec, a crash of C after the votes are
 * in still leaves C deciding alone: counterexample.
 */
import { type Context, defineSpec, type Spec } from '../../src/index.js';
import { type TwoPcMsg, TwoPhaseCommit } from './2pc.js';
import {
  agentLinks,
  agreement,
  beginInput,
  COMMIT_NODES,
  optimistTermination,
  termination,
} from './commit-common.js';

const TIMEOUT = 'timeout/';
/** `timer_svc(C,X,4)`: the timeout fires 4 − 1 ticks after the request. */
const COORDINATOR_TIMEOUT_TICKS = 3;

export class TwoPhaseCommitTimeout extends TwoPhaseCommit {
  protected override begin(ctx: Context<TwoPcMsg>, xact: string): void {
    super.begin(ctx, xact);
    ctx.setTimer(`${TIMEOUT}${xact}`, COORDINATOR_TIMEOUT_TICKS);
  }

  protected override otherTimer(ctx: Context<TwoPcMsg>, name: string): void {
    if (!name.startsWith(TIMEOUT)) return;
    const xact = name.slice(TIMEOUT.length);
    // `missing_vote(C,X)`: some agent's Y vote has not arrived (stop reading at the first gap).
    const missing = agentLinks(this.id).some((a) => ctx.memory.get(`vote/${xact}/${a}`) !== 'Y');
    if (missing) this.decided(ctx, 'abort', xact);
  }
}

const base = {
  nodes: COMMIT_NODES,
  process: (id: string) => new TwoPhaseCommitTimeout(id),
  time: { model: 'sync', eot: 6 },
  inputs: [beginInput],
  // The agents run the same code on the same inputs: interchangeable.
  ldfi: { eot: 6, eff: 0, crashes: 1, symmetry: [['a', 'b', 'd']] },
} as const satisfies Partial<Spec<TwoPcMsg>>;

/** With the plain spec (`2pc_assert.ded`). */
export const twoPcTimeoutPlain = defineSpec<TwoPcMsg>({
  ...base,
  name: '2pc-timeout-plain',
  description: '2pc with a coordinator timeout, plain termination spec (counterexample).',
  guarantees: { prePost: [termination, agreement] },
});

export default defineSpec<TwoPcMsg>({
  ...base,
  name: '2pc-timeout',
  description: '2pc with a coordinator timeout, optimist spec (Molly commit/2pc_timeout).',
  guarantees: { prePost: [optimistTermination, agreement] },
});
