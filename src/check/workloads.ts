import type { FinalCheck, WorldView } from '../core/guarantee.js';
import type { HistoryEvent, OpValue } from '../core/history.js';
import { valueKey } from './value-key.js';

/**
 * Maelstrom-style workload checkers (g-set / broadcast and g-counter / pn-counter), over a
 * client history. Pure functions, plus final-check factories for specs.
 */

/** Outcome of {@link checkSetWorkload}. */
export interface SetWorkloadResult {
  readonly valid: boolean;
  /** Acknowledged adds missing from the final read. */
  readonly lost: readonly OpValue[];
  /** Elements in the final read that no add could have put there (never added, or the add
   * failed: a failed add did not take effect). */
  readonly unexpected: readonly OpValue[];
  /** Adds with unknown outcome that the final read shows took effect. */
  readonly recovered: readonly OpValue[];
  /** Set when there is nothing to judge: no `ok` read. */
  readonly problem?: string;
}

function invokeOf(history: readonly HistoryEvent[], e: HistoryEvent): HistoryEvent | undefined {
  return e.invokeIndex === undefined ? undefined : history[e.invokeIndex];
}

/**
 * A grow-only set workload: `add` x (argument x) and `read` (result: the elements). Judged on the
 * last `ok` read: every acknowledged add is in it, and every element in it was added by an
 * `ok` or `info` add (Jepsen's `set` checker).
 */
export function checkSetWorkload(
  history: readonly HistoryEvent[],
  names: { readonly add?: string; readonly read?: string } = {},
): SetWorkloadResult {
  const addF = names.add ?? 'add';
  const readF = names.read ?? 'read';
  const acked = new Map<string, OpValue>();
  const maybe = new Map<string, OpValue>();
  let final: HistoryEvent | undefined;
  const completed = new Set<number>();
  for (const e of history) {
    if (e.type === 'invoke') continue;
    if (e.invokeIndex !== undefined) completed.add(e.invokeIndex);
    if (e.f === readF && e.type === 'ok') final = e;
    if (e.f !== addF) continue;
    const inv = invokeOf(history, e);
    if (inv === undefined) continue;
    if (e.type === 'ok') acked.set(valueKey(inv.value), inv.value);
    if (e.type === 'info') maybe.set(valueKey(inv.value), inv.value);
  }
  // Adds still open at the end may have taken effect too.
  for (const e of history) {
    if (e.type === 'invoke' && e.f === addF && !completed.has(e.index)) {
      maybe.set(valueKey(e.value), e.value);
    }
  }
  if (final === undefined || !Array.isArray(final.value)) {
    return {
      valid: false,
      lost: [],
      unexpected: [],
      recovered: [],
      problem: `no ok ${readF} with a list result`,
    };
  }
  const read = new Map((final.value as readonly OpValue[]).map((v) => [valueKey(v), v]));
  const lost = [...acked].filter(([k]) => !read.has(k)).map(([, v]) => v);
  const unexpected = [...read].filter(([k]) => !acked.has(k) && !maybe.has(k)).map(([, v]) => v);
  const recovered = [...read].filter(([k]) => !acked.has(k) && maybe.has(k)).map(([, v]) => v);
  return { valid: lost.length === 0 && unexpected.length === 0, lost, unexpected, recovered };
}

/** A read of a counter outside what the adds allow. */
export interface CounterReadError {
  /** The read's completion event index. */
  readonly index: number;
  readonly process: string;
  readonly value: OpValue;
  readonly lower: number;
  readonly upper: number;
}

/**
 * A counter workload: `add` d (argument: a number, negative for a pn-counter) and `read` (result:
 * the value). Every `ok` read must lie within [lower, upper]: adds acknowledged before the read
 * was invoked must be counted; adds invoked before it returned (ok, info or still open) may be.
 * Returns the reads that fall outside, empty when valid.
 */
export function checkCounterWorkload(
  history: readonly HistoryEvent[],
  names: { readonly add?: string; readonly read?: string } = {},
): CounterReadError[] {
  const addF = names.add ?? 'add';
  const readF = names.read ?? 'read';
  const addEnd = new Map<number, HistoryEvent>(); // add invoke index → completion
  for (const e of history) {
    if (e.type !== 'invoke' && e.f === addF && e.invokeIndex !== undefined)
      addEnd.set(e.invokeIndex, e);
  }
  const adds = history.filter((e) => e.type === 'invoke' && e.f === addF);
  const errors: CounterReadError[] = [];
  for (const r of history) {
    if (r.type !== 'ok' || r.f !== readF || r.invokeIndex === undefined) continue;
    let lower = 0;
    let upper = 0;
    for (const a of adds) {
      if (a.index > r.index) break;
      const end = addEnd.get(a.index);
      if (end?.type === 'fail') continue;
      const d = typeof a.value === 'number' ? a.value : 0;
      if (end?.type === 'ok' && end.index < r.invokeIndex) {
        lower += d;
        upper += d;
      } else {
        lower += Math.min(0, d);
        upper += Math.max(0, d);
      }
    }
    if (typeof r.value !== 'number' || r.value < lower || r.value > upper) {
      errors.push({ index: r.index, process: r.process, value: r.value, lower, upper });
    }
  }
  return errors;
}

/** A final check running {@link checkSetWorkload} on the run's history. */
export function setWorkload(
  names: { readonly add?: string; readonly read?: string } = {},
): FinalCheck {
  return {
    name: 'set-workload',
    check(world: WorldView): string | undefined {
      const r = checkSetWorkload(world.history, names);
      if (r.valid) return undefined;
      if (r.problem !== undefined) return r.problem;
      const show = (vs: readonly OpValue[]) => vs.map((v) => JSON.stringify(v)).join(', ');
      const parts = [];
      if (r.lost.length > 0) parts.push(`lost ${r.lost.length} acknowledged: ${show(r.lost)}`);
      if (r.unexpected.length > 0)
        parts.push(`unexpected ${r.unexpected.length}: ${show(r.unexpected)}`);
      return parts.join('; ');
    },
  };
}

/** A final check running {@link checkCounterWorkload} on the run's history. */
export function counterWorkload(
  names: { readonly add?: string; readonly read?: string } = {},
): FinalCheck {
  return {
    name: 'counter-workload',
    check(world: WorldView): string | undefined {
      const errors = checkCounterWorkload(world.history, names);
      if (errors.length === 0) return undefined;
      const first = errors[0] as CounterReadError;
      return (
        `${errors.length} counter read(s) out of bounds; first: ${first.process} read ` +
        `${JSON.stringify(first.value)} (history #${first.index}), allowed [${first.lower}, ${first.upper}]`
      );
    },
  };
}
