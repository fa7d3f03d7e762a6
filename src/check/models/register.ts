import type { OpValue } from '../../core/history.js';
import { badOp, type Model, type ModelOp } from '../model.js';
import { pair, sameValue, valueKey } from '../value-key.js';

const READS = new Set(['read', 'get']);
const WRITES = new Set(['write', 'put']);

/** A read whose result is unknown observes nothing and changes nothing. */
function isUnknownRead(op: ModelOp): boolean {
  return READS.has(op.f) && op.output === undefined;
}

/**
 * A read/write register starting at `null` (Jepsen's nil). Operations: `read`/`get` (the result
 * is the value read), `write`/`put` (the argument is the value written).
 */
export function registerModel(initial: OpValue = null): Model<OpValue> {
  return {
    name: 'register',
    init: () => initial,
    step(state, op) {
      if (READS.has(op.f))
        return op.output === undefined || sameValue(op.output, state) ? state : undefined;
      if (WRITES.has(op.f)) return op.input;
      return badOp('register', op, 'expected read, get, write or put');
    },
    key: valueKey,
    isNoop: isUnknownRead,
  };
}

/**
 * Jepsen's CAS register (knossos `cas-register`), starting at `null`: `read`, `write` and `cas`
 * whose argument is `[expected, new]`. A `cas` takes effect only when the register holds
 * `expected`. A failed `cas` (type `fail`) left the state unchanged, which the checker gets by not
 * linearising failed operations at all.
 */
export function casRegisterModel(initial: OpValue = null): Model<OpValue> {
  return {
    name: 'cas-register',
    init: () => initial,
    step(state, op) {
      if (READS.has(op.f))
        return op.output === undefined || sameValue(op.output, state) ? state : undefined;
      if (WRITES.has(op.f)) return op.input;
      if (op.f === 'cas') {
        const p = pair(op.input);
        if (p === undefined) return badOp('cas-register', op, 'cas expects [expected, new]');
        return sameValue(state, p[0]) ? p[1] : undefined;
      }
      return badOp('cas-register', op, 'expected read, get, write, put or cas');
    },
    key: valueKey,
    isNoop: isUnknownRead,
  };
}
