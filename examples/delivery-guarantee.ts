/**
 * The delivery family's guarantee (Molly's `delivery/deliv_assert.ded`):
 *
 *     missing_log(A,P) :- log(X,P), node(X,A), notin log(A,P);
 *     pre(X,P)  :- log(X,P), notin bcast(X,P)@1, notin crash(X,X,_);
 *     post(X,P) :- log(X,P), notin missing_log(_,P);
 *
 * In words: if a correct node other than the broadcaster logged P, every node (crashed ones too)
 * must have logged P.
 */
import type { PrePost, Tuple, WorldView } from '../src/index.js';

export const deliveryGuarantee: PrePost = {
  name: 'delivery',
  pre(world: WorldView): Tuple[] {
    return world
      .facts('log')
      .filter((f) => !world.has('bcast', ...f.args) && !world.crashed(f.args[0] as string))
      .map((f) => f.args);
  },
  post(world: WorldView): Tuple[] {
    return world
      .facts('log')
      .filter((f) => world.nodes.every((n) => world.has('log', n, f.args[1] ?? null)))
      .map((f) => f.args);
  },
};
