/**
 * redun-deliv — Molly's `delivery/replog.ded` with `delivery/deliv_assert.ded` (paper §3.1.3 and
 * Fig. 6; reference §4 "Delivery family"): redundant broadcast. Every node that holds P sends it
 * to all its peers on every tick:
 *
 *     log(Node, Pload) :- bcast(Node, Pload);
 *     log(Node, Pload)@next :- log(Node, Pload);
 *     log(Node2, Pload)@async :- log(Node1, Pload), node(Node1, Node2);
 *
 * Port (DESIGN §3.1): `log` is the tracked key `log/<P>`, re-written on every copy received (each
 * copy is another derivation of the tuple) and emitted as the outcome fact each time. The per-tick
 * relay runs in a timer after the tick's deliveries. It is armed by a self-re-arming `clock` timer
 * that reads nothing, so the relay at tick t depends only on the `log` it reads at t — as the
 * Dedalus rule does — and not on what earlier relays read. At tick 1 the broadcaster relays from
 * its input handler (no timer can fire after the input within tick 1).
 *
 * Expected: no counterexample (Fig. 13: verified at 11/10/1 with 11 executions, Combinations
 * 8.07e18; CounterexampleSuite: 6/3/0 and 6/3/1). The failure-free lineage already shows why: to
 * keep P from b while c logs it, every copy a and c send to b must go, and with one crash only a
 * crash of a at some tick k plus omissions of all its earlier copies does it — which also keeps P
 * from c, so `pre` is false (paper Fig. 6).
 */
import { type Context, defineSpec, fact, type Process } from '../../src/index.js';
import { deliveryGuarantee } from '../delivery-guarantee.js';

/** `bcast` is the injected input; `log` carries the payload between nodes. */
export type RedunMsg =
  | { readonly type: 'bcast'; readonly payload: string }
  | { readonly type: 'log'; readonly payload: string };

class RedunDeliv implements Process<RedunMsg> {
  init(ctx: Context<RedunMsg>): void {
    this.#tick(ctx);
  }

  receive(ctx: Context<RedunMsg>, _from: string, msg: RedunMsg): void {
    ctx.memory.set(`log/${msg.payload}`, true);
    ctx.emit(fact('log', ctx.id, msg.payload));
    if (msg.type === 'bcast') {
      ctx.emit(fact('bcast', ctx.id, msg.payload));
      this.#relay(ctx);
    }
  }

  timer(ctx: Context<RedunMsg>, name: string): void {
    if (name === 'clock') this.#tick(ctx);
    else this.#relay(ctx);
  }

  /** Arms next tick's clock and relay. The relay timer is named after its tick: re-arming a
   * pending timer of the same name would replace it. */
  #tick(ctx: Context<RedunMsg>): void {
    ctx.setTimer('clock', 1);
    ctx.setTimer(`relay@${ctx.now() + 1}`, 1);
  }

  /** `log(Node2, Pload)@async :- log(Node1, Pload), node(Node1, Node2)`, for this tick. */
  #relay(ctx: Context<RedunMsg>): void {
    for (const key of ctx.memory.keys('log/')) {
      const payload = key.slice('log/'.length);
      for (const peer of ctx.peers) ctx.send(peer, { type: 'log', payload });
    }
  }
}

export default defineSpec<RedunMsg>({
  name: 'redun-deliv',
  description: 'Redundant broadcast: every holder relays to all peers every tick (Molly replog).',
  nodes: ['a', 'b', 'c'],
  process: () => new RedunDeliv(),
  time: { model: 'sync', eot: 11 },
  inputs: [{ at: 1, to: 'a', msg: { type: 'bcast', payload: 'hello' } }],
  guarantees: { prePost: [deliveryGuarantee] },
  ldfi: { eot: 11, eff: 10, crashes: 1, symmetry: [['b', 'c']] },
});
