/**
 * retry-deliv — Molly's `delivery/rdlog.ded` (simplog plus `bcast(N, P)@next :- bcast(N, P)`) with
 * `delivery/deliv_assert.ded` (paper Fig. 4b, §3.1.2; reference §4 "Delivery family"). The
 * broadcaster re-sends the payload to every peer on every tick; receivers log it; nobody relays.
 *
 * The process is the top-level example `examples/retry-deliv.ts` (shared with other tests); this
 * file adds the paper's LDFI parameters.
 *
 * Expected: counterexample at 4/2/1 after 3 executions (Fig. 12; Combinations 4.07e4), the fault
 * set `O(a,b,1), C(a,2)` — a reaches c, then dies before b ever hears (or the twin with b and c
 * swapped). Without crashes re-sends repair every omission: no counterexample at 6/3/0 and
 * 25/23/0 (`TableOfCorrectPrograms`).
 */
import { defineSpec } from '../../src/index.js';
import base from '../retry-deliv.js';

export default defineSpec({
  ...base,
  ldfi: { eot: 4, eff: 2, crashes: 1, symmetry: [['b', 'c']] },
});
