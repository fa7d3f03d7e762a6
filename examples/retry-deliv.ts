/**
 * retry-deliv (Molly's `delivery/rdlog.ded`, paper Fig. 4b): the broadcaster logs the payload and
 * re-sends it to every peer on every tick; receivers log what they get; nobody relays.
 *
 * Correct without crashes (re-sends repair omissions). With one crash it breaks: `O(a,b,1)` plus
 * `C(a,2)` — a reaches c, then dies before b ever hears (paper §3.1.2).
 */
import { type Context, defineSpec, fact, type Process } from '../src/index.js';
import { deliveryGuarantee } from './delivery-guarantee.js';

/** `bcast` is the injected input; `log` carries the payload between nodes. */
export type DeliveryMsg =
  | { readonly type: 'bcast'; readonly payload: string }
  | { readonly type: 'log'; readonly payload: string };

class RetryDeliv implements Process<DeliveryMsg> {
  init(_ctx: Context<DeliveryMsg>): void {}

  receive(ctx: Context<DeliveryMsg>, _from: string, msg: DeliveryMsg): void {
    if (msg.type === 'bcast') {
      ctx.emit(fact('bcast', ctx.id, msg.payload));
      ctx.memory.set(`bcast/${msg.payload}`, true);
      this.#broadcast(ctx, msg.payload);
      ctx.setTimer(`resend/${msg.payload}`, 1);
    }
    ctx.emit(fact('log', ctx.id, msg.payload));
  }

  timer(ctx: Context<DeliveryMsg>, name: string): void {
    const payload = name.slice('resend/'.length);
    if (ctx.memory.get(`bcast/${payload}`) === true) {
      this.#broadcast(ctx, payload);
      ctx.setTimer(name, 1);
    }
  }

  #broadcast(ctx: Context<DeliveryMsg>, payload: string): void {
    for (const peer of ctx.peers) ctx.send(peer, { type: 'log', payload });
  }
}

export default defineSpec<DeliveryMsg>({
  name: 'retry-deliv',
  description: 'Broadcast with retries and no relays (Molly rdlog).',
  nodes: ['a', 'b', 'c'],
  process: () => new RetryDeliv(),
  time: { model: 'sync', eot: 4 },
  inputs: [{ at: 1, to: 'a', msg: { type: 'bcast', payload: 'hello' } }],
  guarantees: { prePost: [deliveryGuarantee] },
  // `cadre verify` plays the game at the paper's Fig. 12 row unless flags say otherwise.
  ldfi: { eot: 4, eff: 2, crashes: 1, symmetry: [['b', 'c']] },
  faults: { swarm: { kinds: ['omission', 'crash'], crashesMax: 1, faultsMax: 3 } },
});
