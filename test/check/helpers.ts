import type { AnyModel, ModelOp } from '../../src/check/model.js';
import type { Operation } from '../../src/check/operations.js';
import type { OpValue } from '../../src/core/history.js';

/** Builds hand-made operations: `[call, ret]` times; ret Infinity for unknown outcomes. */
export function ops(
  list: readonly {
    p: string;
    f: string;
    in?: OpValue;
    out?: OpValue;
    call: number;
    ret?: number;
    status?: 'ok' | 'fail' | 'info';
  }[],
): Operation[] {
  return list.map((o, id) => {
    const status = o.status ?? 'ok';
    return {
      id,
      process: o.p,
      f: o.f,
      input: o.in ?? null,
      output: status === 'ok' ? (o.out ?? null) : undefined,
      status,
      call: o.call,
      ret: status === 'info' ? Number.POSITIVE_INFINITY : (o.ret ?? o.call),
    };
  });
}

/**
 * The obviously correct checker the real one is compared with: tries every order of every subset
 * of the operations that contains all `ok` ones (failed ones are left out, unknown ones may be),
 * keeping real-time order (a before b when a returned before b was called), per partition.
 */
export function bruteForceLinearizable(model: AnyModel, all: readonly Operation[]): boolean {
  const mop = (o: Operation): ModelOp => ({ f: o.f, input: o.input, output: o.output });
  const groups = new Map<string, Operation[]>();
  for (const o of all) {
    if (o.status === 'fail') continue;
    const key = model.partition?.(mop(o)) ?? '';
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  for (const group of groups.values()) {
    const required = group.filter((o) => o.status === 'ok').length;
    const used = new Set<number>();
    const search = (state: unknown, okDone: number): boolean => {
      if (okDone === required) return true;
      for (const o of group) {
        if (used.has(o.id)) continue;
        // Every unused ok operation that returned before o was called must come first.
        const blocked = group.some(
          (p) => p !== o && !used.has(p.id) && p.status === 'ok' && p.ret < o.call,
        );
        if (blocked) continue;
        const next = model.step(state, mop(o));
        if (next === undefined) continue;
        used.add(o.id);
        if (search(next, okDone + (o.status === 'ok' ? 1 : 0))) return true;
        used.delete(o.id);
      }
      return false;
    };
    if (!search(model.init(), 0)) return false;
  }
  return true;
}

/** Replays a witness for the partition of operations `members`: real-time order holds and every step is legal. Returns a problem or
 * undefined, independently of how the checker found the witness. */
export function witnessProblem(
  model: AnyModel,
  all: readonly Operation[],
  members: readonly number[],
  order: readonly number[],
): string | undefined {
  let state = model.init();
  const group = members.map((id) => all[id] as Operation);
  for (const p of group) {
    if (p.status === 'ok' && !order.includes(p.id)) return `ok op ${p.id} is missing`;
  }
  const pos = new Map(order.map((id, i) => [id, i]));
  for (const [i, id] of order.entries()) {
    const o = all[id] as Operation;
    const next = model.step(state, { f: o.f, input: o.input, output: o.output });
    if (next === undefined) return `step ${i} (op ${id}) is illegal`;
    state = next;
    for (const p of group) {
      if (p.ret < o.call && p.status === 'ok' && (pos.get(p.id) ?? Infinity) > i) {
        return `op ${p.id} returned before op ${id} was called but is not before it`;
      }
    }
  }
  return undefined;
}
