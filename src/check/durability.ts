import type { FinalCheck, WorldView } from '../core/guarantee.js';
import type { HistoryEvent } from '../core/history.js';

/** Options of {@link durability}. */
export interface DurabilityOptions {
  /** Check name. Default `durability`. */
  readonly name?: string;
  /** Operation names that write. Default `['write', 'put', 'add', 'append']`. */
  readonly writes?: readonly string[];
  /** Whether the write `invoke` (its invocation; the argument is `invoke.value`) is present in the
   * final state, e.g. readable from some live replica's storage. */
  readonly present: (world: WorldView, invoke: HistoryEvent) => boolean;
  /** Most lost writes listed in the message. Default 10. */
  readonly listMax?: number;
}

/** The acknowledged (`ok`) writes' invocations, in history order. Pure. */
export function acknowledgedWrites(
  history: readonly HistoryEvent[],
  writes: ReadonlySet<string>,
): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const e of history) {
    if (e.type !== 'ok' || !writes.has(e.f) || e.invokeIndex === undefined) continue;
    const invoke = history[e.invokeIndex];
    if (invoke !== undefined) out.push(invoke);
  }
  return out;
}

/**
 * A final check: every acknowledged write is present at the end (an `ok` means the system
 * promised to keep it). Writes that failed or whose outcome is unknown (`info`) are not required.
 */
export function durability(options: DurabilityOptions): FinalCheck {
  const writes = new Set(options.writes ?? ['write', 'put', 'add', 'append']);
  return {
    name: options.name ?? 'durability',
    check(world: WorldView): string | undefined {
      const lost = acknowledgedWrites(world.history, writes).filter(
        (w) => !options.present(world, w),
      );
      if (lost.length === 0) return undefined;
      const shown = lost
        .slice(0, options.listMax ?? 10)
        .map((w) => `${w.process} ${w.f} ${JSON.stringify(w.value)} (history #${w.index})`);
      const more = lost.length > shown.length ? `, and ${lost.length - shown.length} more` : '';
      return `${lost.length} acknowledged write(s) lost: ${shown.join(', ')}${more}`;
    },
  };
}
