/**
 * Service discovery's guarantee, as a Cadre final check over a run's history: **a list at revision
 * R equals the replay of the watch diffs up to R.** Listers record `list` operations (ok value
 * `{ revision, instances }`, `instances` a list of `[id, address]`); watchers record `watch`
 * operations (ok value `{ from, through, diffs }`, `diffs` a list of
 * `[revision, 'join' | 'leave', id, address]`), starting from revision 1 and each continuing
 * where the previous ended.
 */
import type { FinalCheck } from '../../core/guarantee.js';
import type { HistoryEvent } from '../../core/history.js';
import type { NodeId } from '../../core/ids.js';
import { opField } from './op-field.js';

type Diff = readonly [number, 'join' | 'leave', string, string];

function oks(history: readonly HistoryEvent[], f: string): HistoryEvent[] {
  return history.filter((e) => e.f === f && e.type === 'ok');
}

/** Every `list` at a revision some watcher has watched through equals that watcher's replay of
 *  its diffs up to the revision; each watcher's watches chain from revision 1 without gaps. */
export function listEqualsReplay(list = 'list', watch = 'watch'): FinalCheck {
  return {
    name: 'discovery-list-equals-replay',
    check(world) {
      const watchers = new Map<NodeId, { through: number; diffs: Diff[] }>();
      for (const e of oks(world.history, watch)) {
        const from = opField(e.value, 'from') as number;
        const through = opField(e.value, 'through') as number;
        const seen = watchers.get(e.process) ?? { through: 0, diffs: [] };
        if (from !== seen.through + 1)
          return `${e.process} watched from ${from} after having watched through ${seen.through}`;
        for (const d of (opField(e.value, 'diffs') ?? []) as readonly Diff[]) {
          const last = seen.diffs[seen.diffs.length - 1];
          if (d[0] < from || d[0] > through || (last !== undefined && d[0] < last[0]))
            return `${e.process} got a diff at revision ${d[0]} out of order or outside [${from}, ${through}]`;
          seen.diffs.push(d);
        }
        watchers.set(e.process, { through, diffs: seen.diffs });
      }
      for (const l of oks(world.history, list)) {
        const revision = opField(l.value, 'revision') as number;
        const listed = new Map(
          ((opField(l.value, 'instances') ?? []) as readonly (readonly [string, string])[]).map(
            ([id, address]) => [id, address] as const,
          ),
        );
        for (const [watcher, w] of watchers) {
          if (w.through < revision) continue;
          const replayed = new Map<string, string>();
          for (const [r, type, id, address] of w.diffs) {
            if (r > revision) break;
            if (type === 'join') replayed.set(id, address);
            else replayed.delete(id);
          }
          const show = (m: Map<string, string>) =>
            JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
          if (show(replayed) !== show(listed))
            return `${l.process} listed ${show(listed)} at revision ${revision}, but ${watcher}'s diffs replay to ${show(replayed)}`;
        }
      }
      return undefined;
    },
  };
}
