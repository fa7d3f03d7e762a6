/**
 * ack-deliv — Molly's `delivery/ack_rb.ded` with `delivery/deliv_assert.ded` (paper Fig. 5,
 * §3.1.4; reference §4 "Delivery family"): broadcast with acknowledgements. A node that holds P
 * sends `rbcast` to each peer on every tick until that peer's ack has arrived; a receiver logs P and
 * acks every copy; the broadcaster injects the first `rbcast` to itself:
 *
 *     rbcast(A, A, P) :- bcast(A, P);
 *     log(N, P) :- rbcast(N, _, P);
 *     log(N, P)@next :- log(N, P);
 *     rbcast(M, N, P)@async :- log(N, P), node(N, M), notin ack(N, M, P);
 *     ack(From, Host, P)@async :- rbcast(Host, From, P);
 *     ack(N, M, P)@next :- ack(N, M, P);
 *
 * An ack lands two ticks after the copy it answers, so each link carries at least two copies.
 *
 * Port (DESIGN §3.1): `log` and `ack` are tracked keys (`log/<P>`, `ack/<peer>/<P>`), `log` is
 * re-written and re-emitted on every copy received (each is another derivation). The per-tick send
 * to peer M runs in its own timer after the tick's deliveries and reads only `log` and M's ack, so a
 * copy to M depends on exactly what the Dedalus rule's body holds at that tick. These timers are
 * armed by a self-re-arming `clock` timer that reads nothing (so a send never depends on what an
 * earlier tick's send read). At tick 1 the broadcaster sends from its input handler. The local
 * `rbcast(a, a, P)` and the ack a would send itself are folded into the input handler: neither
 * can be lost, and no rule reads `ack(a, a, P)`.
 *
 * Expected: no counterexample (Fig. 13: verified at 8/7/1 with 673 executions, Combinations
 * 3.08e13; CounterexampleSuite: 6/3/1). New supports (copies relayed by b and c) only appear in
 * faulty runs, which is why LDFI needs many more runs here than for redun-deliv.
 */
import { type Context, defineSpec, fact, type Process } from '../../src/index.js';
import { deliveryGuarantee } from '../delivery-guarantee.js';

export type AckMsg =
  /** The injected `bcast(a, P)@1`. */
  | { readonly type: 'bcast'; readonly payload: string }
  /** `rbcast(to, from, P)`: a copy of P. */
  | { readonly type: 'rbcast'; readonly payload: string }
  /** `ack(to, from, P)`: the sender got the copy. */
  | { readonly type: 'ack'; readonly payload: string };

class AckDeliv implements Process<AckMsg> {
  init(ctx: Context<AckMsg>): void {
    this.#tick(ctx);
  }

  receive(ctx: Context<AckMsg>, from: string, msg: AckMsg): void {
    switch (msg.type) {
      case 'bcast':
        ctx.emit(fact('bcast', ctx.id, msg.payload));
        this.#log(ctx, msg.payload);
        for (const peer of ctx.peers) this.#send(ctx, peer);
        return;
      case 'rbcast':
        this.#log(ctx, msg.payload);
        ctx.send(from, { type: 'ack', payload: msg.payload });
        return;
      case 'ack':
        ctx.memory.set(`ack/${from}/${msg.payload}`, true);
        return;
    }
  }

  timer(ctx: Context<AckMsg>, name: string): void {
    if (name === 'clock') this.#tick(ctx);
    else this.#send(ctx, name.slice('send/'.length, name.indexOf('@')));
  }

  /** Arms next tick's clock and the per-peer sends (named after their tick: re-arming a pending
   * timer of the same name would replace it). */
  #tick(ctx: Context<AckMsg>): void {
    ctx.setTimer('clock', 1);
    for (const peer of ctx.peers) ctx.setTimer(`send/${peer}@${ctx.now() + 1}`, 1);
  }

  #log(ctx: Context<AckMsg>, payload: string): void {
    ctx.memory.set(`log/${payload}`, true);
    ctx.emit(fact('log', ctx.id, payload));
  }

  /** `rbcast(M, N, P)@async :- log(N, P), node(N, M), notin ack(N, M, P)`, for this tick. */
  #send(ctx: Context<AckMsg>, peer: string): void {
    for (const key of ctx.memory.keys('log/')) {
      const payload = key.slice('log/'.length);
      if (!ctx.memory.has(`ack/${peer}/${payload}`)) ctx.send(peer, { type: 'rbcast', payload });
    }
  }
}

export default defineSpec<AckMsg>({
  name: 'ack-deliv',
  description:
    'Broadcast re-sent to each peer until it acks; receivers ack every copy (Molly ack_rb).',
  nodes: ['a', 'b', 'c'],
  process: () => new AckDeliv(),
  time: { model: 'sync', eot: 8 },
  inputs: [{ at: 1, to: 'a', msg: { type: 'bcast', payload: 'hello' } }],
  guarantees: { prePost: [deliveryGuarantee] },
  ldfi: { eot: 8, eff: 7, crashes: 1, symmetry: [['b', 'c']] },
});
