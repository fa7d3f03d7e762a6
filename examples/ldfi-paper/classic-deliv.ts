/**
 * classic-deliv — Molly's `delivery/classic_rb.ded` with `delivery/deliv_assert.ded` (paper
 * Fig. 4c, §3.1.5; reference §4 "Delivery family"): the textbook reliable broadcast. A node that
 * receives `bcast(P)` at tick t relays it to every peer at t and logs P at t+1:
 *
 *     bcast(N, P)@async :- bcast(M, P), node(M, N);
 *     log(N, P)@next :- bcast(N, P);
 *     log(N, P)@next :- log(N, P);
 *
 * There is no dedup and `bcast` does not persist: every copy received is relayed once, so a
 * failure-free run floods the mesh until EOT. Port: each delivery of `bcast` relays to all peers
 * (one send per incoming copy, as each copy is a separate derivation of the relayed tuple) and arms
 * a one-tick timer (named per tick, so a later copy never replaces it) that emits `log` at t+1.
 *
 * Expected: counterexample at 5/3/0 after 5 executions (Fig. 12; Combinations 2.62e5), the fault
 * set `O(a,b,1), O(c,a,2), O(c,b,2)` — c hears from a, but both of its relays are lost and b never
 * logs (or the twin with b and c swapped). Correct in the fail-stop model at 6/0/2 (crashes alone
 * cannot separate b from c: only a crash of a at tick 1 stops a's copies, and then nobody logs).
 */
import { type Context, defineSpec, ENVIRONMENT, fact, type Process } from '../../src/index.js';
import { deliveryGuarantee } from '../delivery-guarantee.js';

/** `bcast(P)`: the injected input at a, and every relayed copy. */
export interface BcastMsg {
  readonly type: 'bcast';
  readonly payload: string;
}

class ClassicDeliv implements Process<BcastMsg> {
  init(_ctx: Context<BcastMsg>): void {}

  receive(ctx: Context<BcastMsg>, from: string, msg: BcastMsg): void {
    // `bcast(X,P)@1` is what deliv_assert's `pre` excludes: only the injected input is one.
    if (from === ENVIRONMENT) ctx.emit(fact('bcast', ctx.id, msg.payload));
    for (const peer of ctx.peers) ctx.send(peer, { type: 'bcast', payload: msg.payload });
    ctx.setTimer(`log/${msg.payload}/${ctx.now()}`, 1);
  }

  timer(ctx: Context<BcastMsg>, name: string): void {
    // `log/<payload>/<tick received>`: the payload never contains '/' in these programs.
    const payload = name.split('/')[1] as string;
    ctx.emit(fact('log', ctx.id, payload));
  }
}

export default defineSpec<BcastMsg>({
  name: 'classic-deliv',
  description:
    'Classic reliable broadcast: relay every copy once, log a tick later (Molly classic_rb).',
  nodes: ['a', 'b', 'c'],
  process: () => new ClassicDeliv(),
  time: { model: 'sync', eot: 5 },
  inputs: [{ at: 1, to: 'a', msg: { type: 'bcast', payload: 'hello' } }],
  guarantees: { prePost: [deliveryGuarantee] },
  ldfi: { eot: 5, eff: 3, crashes: 0, symmetry: [['b', 'c']] },
});
