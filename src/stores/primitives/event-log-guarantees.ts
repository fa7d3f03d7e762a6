/**
 * The event log's guarantee, as Cadre final checks over a run's history. Producers record
 * `append` operations (invoke value `{ topic, id }`, ok value the position); consumers record
 * `read` operations (invoke value `{ topic, from }`; ok value `{ from, through, entries }` with
 * `entries` a list of `[position, id]`; fail value `{ compacted: from, oldest }` when the
 * entries from `from` were discarded). `id` names an entry (`producer:seq`).
 *
 * - {@link positionsIncrease}: acknowledged appends got distinct positions, increasing in
 *   real-time order (an append acknowledged before another was invoked has the smaller position),
 *   across all topics.
 * - {@link consumersSeeEveryEntry}: each consumer's completed reads chain (each starts where the
 *   previous one ended, or where a compacted report said the log now starts), and each read
 *   returned, in position order, exactly the topic's appended entries in its window — so no
 *   acknowledged append is lost, none is seen twice or out of order, and a gap is only ever a
 *   reported compaction.
 */
import type { FinalCheck } from '../../core/guarantee.js';
import type { HistoryEvent } from '../../core/history.js';
import type { NodeId } from '../../core/ids.js';
import { opField } from './op-field.js';

interface Completed {
  readonly process: NodeId;
  readonly invoke: HistoryEvent;
  readonly completion: HistoryEvent;
}

function completed(history: readonly HistoryEvent[], f: string): Completed[] {
  const invokes = new Map<number, HistoryEvent>();
  const out: Completed[] = [];
  for (const e of history) {
    if (e.f !== f) continue;
    if (e.type === 'invoke') invokes.set(e.index, e);
    else if ((e.type === 'ok' || e.type === 'fail') && e.invokeIndex !== undefined) {
      const invoke = invokes.get(e.invokeIndex);
      if (invoke !== undefined) out.push({ process: e.process, invoke, completion: e });
    }
  }
  return out;
}

/** Acknowledged appends (operation `f`, default `append`) have distinct positions that increase
 *  in real-time order. */
export function positionsIncrease(f = 'append'): FinalCheck {
  return {
    name: 'log-positions-increase',
    check(world) {
      const acks = completed(world.history, f).filter(
        (a) => a.completion.type === 'ok' && typeof a.completion.value === 'number',
      );
      const owner = new Map<number, string>();
      for (const a of acks) {
        const position = a.completion.value as number;
        const id = String(opField(a.invoke.value, 'id'));
        const other = owner.get(position);
        if (other !== undefined && other !== id)
          return `position ${position} was given to both ${other} and ${id}`;
        owner.set(position, id);
      }
      for (const a of acks)
        for (const b of acks) {
          const pa = a.completion.value as number;
          const pb = b.completion.value as number;
          if (a.completion.time < b.invoke.time && pa >= pb)
            return `${String(opField(a.invoke.value, 'id'))} was acknowledged at position ${pa} (at ${a.completion.time} ms) before ${String(opField(b.invoke.value, 'id'))} was appended (from ${b.invoke.time} ms) at position ${pb}`;
        }
      return undefined;
    },
  };
}

/** Every consumer sees every entry of its topic, in position order, once; gaps only as reported
 *  compactions (see the module comment). `append` and `read` name the operations. */
export function consumersSeeEveryEntry(append = 'append', read = 'read'): FinalCheck {
  return {
    name: 'log-consumers-see-every-entry',
    check(world) {
      // Every append invoked (acknowledged or not: an unacknowledged one may have landed), by id.
      const appended = new Map<string, { topic: string; position?: number }>();
      for (const a of completed(world.history, append)) {
        const id = String(opField(a.invoke.value, 'id'));
        const topic = String(opField(a.invoke.value, 'topic'));
        appended.set(
          id,
          a.completion.type === 'ok' && typeof a.completion.value === 'number'
            ? { topic, position: a.completion.value }
            : { topic },
        );
      }
      for (const e of world.history)
        if (e.f === append && e.type === 'invoke') {
          const id = String(opField(e.value, 'id'));
          if (!appended.has(id)) appended.set(id, { topic: String(opField(e.value, 'topic')) });
        }
      const cursors = new Map<NodeId, number>();
      for (const r of completed(world.history, read)) {
        const topic = String(opField(r.invoke.value, 'topic'));
        const from = opField(r.invoke.value, 'from') as number;
        const cursor = cursors.get(r.process);
        if (cursor !== undefined && from !== cursor)
          return `${r.process} read ${topic} from ${from} after having read up to ${cursor - 1}: ${from > cursor ? 'a gap' : 'a rewind (duplicates)'} no compaction reported`;
        if (r.completion.type === 'fail') {
          const oldest = opField(r.completion.value, 'oldest');
          if (typeof oldest !== 'number' || oldest <= from)
            return `${r.process} got a compacted report for ${topic} from ${from} with oldest ${String(oldest)}`;
          cursors.set(r.process, oldest);
          continue;
        }
        const through = opField(r.completion.value, 'through') as number;
        const entries = (opField(r.completion.value, 'entries') ?? []) as readonly (readonly [
          number,
          string,
        ])[];
        const seen = new Map<string, number>();
        let last = from - 1;
        for (const [position, id] of entries) {
          if (position <= last)
            return `${r.process} read ${topic} entry ${id} at ${position} after one at ${last}: out of order or duplicated`;
          if (position > through)
            return `${r.process} read ${topic} entry ${id} at ${position}, beyond the read's end ${through}`;
          last = position;
          const origin = appended.get(id);
          if (origin === undefined || origin.topic !== topic)
            return `${r.process} read ${topic} entry ${id} at ${position} that was never appended to ${topic}`;
          if (origin.position !== undefined && origin.position !== position)
            return `${r.process} read ${id} at ${position}, but its append was acknowledged at ${origin.position}`;
          if (seen.has(id)) return `${r.process} read ${id} twice in one read`;
          seen.set(id, position);
        }
        for (const [id, origin] of appended)
          if (
            origin.topic === topic &&
            origin.position !== undefined &&
            origin.position >= from &&
            origin.position <= through &&
            !seen.has(id)
          )
            return `${r.process} read ${topic} over [${from}, ${through}] and missed ${id}, acknowledged at ${origin.position}`;
        cursors.set(r.process, through + 1);
      }
      return undefined;
    },
  };
}
