/**
 * simple-deliv — Molly's `delivery/simplog.ded` with `delivery/deliv_assert.ded` (paper Fig. 4a,
 * §3.1.1; reference §4 "Delivery family"). At tick 1 the broadcaster `a` logs the payload and sends
 * it once to b and c; receivers log what they get; no retries, no relays:
 *
 *     log(Node, Pload) :- bcast(Node, Pload);
 *     log(Node, Pload)@next :- log(Node, Pload);
 *     log(Node2, Pload)@async :- bcast(Node1, Pload), node(Node1, Node2);
 *
 * The process is the top-level example `examples/simple-deliv.ts` (shared with other tests); this
 * file adds the paper's LDFI parameters.
 *
 * Expected (Fig. 12 row): counterexample at EOT/EFF/crashes 4/2/0 after 2 executions (Molly), the
 * fault set `O(a,b,1)` (or its symmetric twin `O(a,c,1)`); Combinations 4.10e3.
 */
import { defineSpec } from '../../src/index.js';
import base from '../simple-deliv.js';

export default defineSpec({
  ...base,
  // b and c run the same code and neither is named by it: interchangeable.
  ldfi: { eot: 4, eff: 2, crashes: 0, symmetry: [['b', 'c']] },
});
