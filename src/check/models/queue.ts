import type { OpValue } from '../../core/history.js';
import { badOp, type Model } from '../model.js';
import { sameValue, valueKey } from '../value-key.js';

/**
 * A FIFO queue, starting empty: `enqueue`/`push` x, and `dequeue`/`pop` whose result is the head,
 * or `null` when the queue was empty. A dequeue with an unknown result removes the head if there
 * is one (it may have taken effect).
 */
export function queueModel(): Model<readonly OpValue[]> {
  return {
    name: 'queue',
    init: () => [],
    step(state, op) {
      switch (op.f) {
        case 'enqueue':
        case 'push':
          return [...state, op.input];
        case 'dequeue':
        case 'pop': {
          if (op.output === undefined) return state.slice(1);
          if (state.length === 0) return op.output === null ? state : undefined;
          return sameValue(state[0], op.output) ? state.slice(1) : undefined;
        }
        default:
          return badOp('queue', op, 'expected enqueue, push, dequeue or pop');
      }
    },
    key: (state) => valueKey(state),
  };
}
