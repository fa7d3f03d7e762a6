/**
 * The lock's guarantee, as Cadre guarantees over a run with a fenced resource:
 *
 * - {@link fencedExclusive} (invariant, checked after every event): *at most one holder at a time
 *   as seen by the fenced resource* — no operation is accepted from a holder older than one the
 *   resource already served, and no increment is lost (the resource's value equals the number of
 *   increments it accepted, each a read-modify-write done under the lock).
 * - {@link fencingTokensIncrease} (final check over the history): fencing tokens are distinct and
 *   strictly increase across acquisitions in real-time order (an acquisition that completed before
 *   another began has the smaller token).
 *
 * The resource publishes what the invariant reads in its tracked memory: `value`, `increments`
 * (accepted increments) and `stale` (accepted operations whose token was below the highest seen
 * before them; a fence keeps it at 0, an unfenced resource counts what slipped through).
 */
import type { FinalCheck, Invariant } from '../../core/guarantee.js';
import type { HistoryEvent } from '../../core/history.js';
import type { NodeId } from '../../core/ids.js';

/** Memory keys a fenced resource publishes for {@link fencedExclusive}. */
export const RESOURCE_VALUE = 'value';
export const RESOURCE_INCREMENTS = 'increments';
export const RESOURCE_STALE = 'stale';

/** At most one holder at a time as seen by `resource` (see the module comment). */
export function fencedExclusive(resource: NodeId): Invariant {
  return {
    name: 'fenced-exclusive',
    check(world) {
      const memory = world.memory(resource);
      const value = memory.get<number>(RESOURCE_VALUE) ?? 0;
      const increments = memory.get<number>(RESOURCE_INCREMENTS) ?? 0;
      if (value !== increments)
        return `lost update at ${resource}: value ${value} after ${increments} accepted increments`;
      const stale = memory.get<number>(RESOURCE_STALE) ?? 0;
      if (stale > 0)
        return `${resource} accepted ${stale} operation(s) from a holder older than one it had already served`;
      return undefined;
    },
  };
}

/** Completed acquisitions of operation `f` (value: the token) with their invoke times. */
function acquisitions(
  history: readonly HistoryEvent[],
  f: string,
): { process: NodeId; token: number; invokedAt: number; completedAt: number }[] {
  const invokes = new Map<number, HistoryEvent>();
  const out: { process: NodeId; token: number; invokedAt: number; completedAt: number }[] = [];
  for (const e of history) {
    if (e.f !== f) continue;
    if (e.type === 'invoke') invokes.set(e.index, e);
    else if (e.type === 'ok' && e.invokeIndex !== undefined && typeof e.value === 'number') {
      const inv = invokes.get(e.invokeIndex);
      if (inv !== undefined)
        out.push({ process: e.process, token: e.value, invokedAt: inv.time, completedAt: e.time });
    }
  }
  return out;
}

/** Fencing tokens of completed `f` operations (default `acquire`) are distinct and increase in
 *  real-time order. */
export function fencingTokensIncrease(f = 'acquire'): FinalCheck {
  return {
    name: 'fencing-tokens-increase',
    check(world) {
      const acq = acquisitions(world.history, f);
      const seen = new Map<number, NodeId>();
      for (const a of acq) {
        const other = seen.get(a.token);
        if (other !== undefined)
          return `token ${a.token} was handed to both ${other} and ${a.process}`;
        seen.set(a.token, a.process);
      }
      for (const a of acq) {
        for (const b of acq) {
          if (a.completedAt < b.invokedAt && a.token >= b.token)
            return `${a.process} acquired token ${a.token} (done at ${a.completedAt} ms) before ${b.process} began acquiring (at ${b.invokedAt} ms) and got token ${b.token}`;
        }
      }
      return undefined;
    },
  };
}
