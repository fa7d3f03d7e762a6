import type { OpValue } from '../../core/history.js';
import { badOp, type Model, type ModelOp } from '../model.js';
import { pair, sameValue, valueKey } from '../value-key.js';

/** Options of {@link kvModel}. */
export interface KvModelOptions {
  /** What a read of a missing key returns. Default `null`; Porcupine's kv histories use `""`. */
  readonly absent?: OpValue;
}

/**
 * A key/value store, checked one key at a time (partitioned by key, which is exact because every
 * operation touches one key). Arguments and results are `[key, value]` pairs, Jepsen's
 * `independent` convention (the history readers fold an EDN `:key` into it):
 *
 * - `get`/`read` `[k, _]` → `[k, v]`: `v` is the value, or `absent` for a missing key;
 * - `put`/`write` `[k, v]`; `delete` `[k, _]`;
 * - `append` `[k, x]`: string concatenation when `x` is a string, else appends `x` to a list;
 * - `cas` `[k, [expected, new]]`: takes effect only when the key holds `expected`.
 *
 * The state of one partition is the key's value, `null` while the key is missing.
 */
export function kvModel(options: KvModelOptions = {}): Model<OpValue> {
  const absent = options.absent ?? null;
  const current = (state: OpValue): OpValue => (state === null ? absent : state);
  const arg = (op: ModelOp): readonly [OpValue, OpValue] =>
    pair(op.input) ?? badOp('kv', op, 'expected a [key, value] argument');
  return {
    name: 'kv',
    init: () => null,
    step(state, op) {
      const [, value] = arg(op);
      switch (op.f) {
        case 'get':
        case 'read': {
          if (op.output === undefined) return state;
          const out = pair(op.output) ?? badOp('kv', op, 'expected a [key, value] result');
          return sameValue(out[1], current(state)) ? state : undefined;
        }
        case 'put':
        case 'write':
          return value;
        case 'delete':
          return null;
        case 'append': {
          const base = current(state);
          if (typeof value === 'string') {
            if (base === null || typeof base === 'string') return (base ?? '') + value;
            return badOp('kv', op, `cannot append a string to ${valueKey(base)}`);
          }
          if (base === null) return [value];
          if (Array.isArray(base)) return [...base, value];
          return badOp('kv', op, `cannot append to ${valueKey(base)}`);
        }
        case 'cas': {
          const p = pair(value) ?? badOp('kv', op, 'cas expects [key, [expected, new]]');
          return sameValue(current(state), p[0]) ? p[1] : undefined;
        }
        default:
          return badOp('kv', op, 'expected get, read, put, write, delete, append or cas');
      }
    },
    key: valueKey,
    partition: (op) => valueKey(arg(op)[0]),
    isNoop: (op) => (op.f === 'get' || op.f === 'read') && op.output === undefined,
    describeState: (state) => (state === null ? 'missing' : valueKey(state)),
  };
}
