import type { OpValue } from '../../core/history.js';
import { badOp, type Model } from '../model.js';
import { valueKey } from '../value-key.js';

/** The set's elements by their canonical text, sorted (so equal sets have one representation). */
export type SetState = readonly string[];

/**
 * A set, starting empty: `add` x, `remove`/`delete` x, and `read` whose result is the list of
 * elements (in any order).
 */
export function setModel(): Model<SetState> {
  return {
    name: 'set',
    init: () => [],
    step(state, op) {
      switch (op.f) {
        case 'add': {
          const k = valueKey(op.input);
          return state.includes(k) ? state : [...state, k].sort();
        }
        case 'remove':
        case 'delete': {
          const k = valueKey(op.input);
          return state.filter((e) => e !== k);
        }
        case 'read': {
          if (op.output === undefined) return state;
          if (!Array.isArray(op.output)) return badOp('set', op, 'read expects a list result');
          const seen = [...new Set((op.output as readonly OpValue[]).map((v) => valueKey(v)))];
          seen.sort();
          return seen.length === state.length && seen.every((e, i) => e === state[i])
            ? state
            : undefined;
        }
        default:
          return badOp('set', op, 'expected add, remove, delete or read');
      }
    },
    key: (state) => state.join(','),
    isNoop: (op) => op.f === 'read' && op.output === undefined,
    describeState: (state) => `{${state.join(', ')}}`,
  };
}
