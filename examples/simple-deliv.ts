/**
 * simple-deliv (Molly's `delivery/simplog.ded`, paper Fig. 4a): the broadcaster logs the payload
 * and sends it to every peer once; receivers log what they get. No retries, no relays:
 *
 *     log(Node, Pload) :- bcast(Node, Pload);
 *     log(Node, Pload)@next :- log(Node, Pload);
 *     log(Node2, Pload)@async :- bcast(Node1, Pload), node(Node1, Node2);
 *
 * It is only correct when nothing goes wrong: a single omission `O(a,b,1)` loses b's only copy
 * while c logs the payload, so the delivery guarantee fails (paper §3.1.1, found in one run).
 */
import { type Context, defineSpec, fact, type Process } from '../src/index.js';
import { deliveryGuarantee } from './delivery-guarantee.js';
import type { DeliveryMsg } from './retry-deliv.js';

class SimpleDeliv implements Process<DeliveryMsg> {
  init(_ctx: Context<DeliveryMsg>): void {}

  receive(ctx: Context<DeliveryMsg>, _from: string, msg: DeliveryMsg): void {
    if (msg.type === 'bcast') {
      ctx.emit(fact('bcast', ctx.id, msg.payload));
      // Sent once, at the tick of the broadcast: a lost copy is never repaired.
      for (const peer of ctx.peers) ctx.send(peer, { type: 'log', payload: msg.payload });
    }
    ctx.emit(fact('log', ctx.id, msg.payload));
  }

  timer(_ctx: Context<DeliveryMsg>, _name: string): void {}
}

export default defineSpec<DeliveryMsg>({
  name: 'simple-deliv',
  description: 'Broadcast sent once, no retries (Molly simplog).',
  nodes: ['a', 'b', 'c'],
  process: () => new SimpleDeliv(),
  time: { model: 'sync', eot: 4 },
  inputs: [{ at: 1, to: 'a', msg: { type: 'bcast', payload: 'hello' } }],
  guarantees: { prePost: [deliveryGuarantee] },
  faults: { swarm: { kinds: ['omission', 'crash'], crashesMax: 1, faultsMax: 3 } },
});
