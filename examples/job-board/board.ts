/**
 * The job board's shared state, folded from its event log: every worker, every scheduler and the
 * final check replay the same `assignments` topic through {@link applyEntry}, so they agree on
 * which assignments stand.
 *
 * The fence: an entry carries the fencing token of the scheduler that appended it (the create
 * revision of its lock key). An entry whose token is below the highest token already in the log
 * comes from a scheduler that lost the lock without knowing it yet (a pause, a partition) and is
 * rejected by everyone alike, because everyone reads the log in the same order. A new scheduler
 * first appends a `takeover` entry with its token, then reads the log up to it: everything before
 * it is known to it, and anything a stale scheduler appends after it is rejected.
 */
import type { LogEntry } from '../../src/stores/primitives/event-log.js';
import { admitToken } from '../../src/stores/primitives/fence.js';
import type { RemoteEventLog } from '../../src/stores/primitives/net/remote-event-log.js';

/** An entry of the `assignments` topic. */
export type BoardEntry =
  | { readonly type: 'takeover'; readonly scheduler: string; readonly token: number }
  | {
      readonly type: 'assign';
      readonly job: string;
      readonly worker: string;
      readonly token: number;
    };

/** An entry of the `done` topic: `worker` ran `job` under the assignment of `token`. */
export interface DoneRecord {
  readonly job: string;
  readonly worker: string;
  readonly token: number;
}

/** The board after some prefix of the log. */
export interface Board {
  /** Highest fencing token seen so far. */
  highest: number;
  /** The standing assignment of each job. */
  readonly assignments: Map<string, { readonly worker: string; readonly token: number }>;
  /** Entries rejected by the fence, with the highest token at that point. */
  readonly rejected: { readonly entry: BoardEntry; readonly highest: number }[];
}

export function emptyBoard(): Board {
  return { highest: 0, assignments: new Map(), rejected: [] };
}

/** Parses an `assignments` payload, naming what is wrong with a malformed one. */
export function parseBoardEntry(payload: string, position: number): BoardEntry {
  let e: Partial<BoardEntry> & Record<string, unknown>;
  try {
    e = JSON.parse(payload);
  } catch {
    throw new TypeError(`assignments entry at position ${position} is not JSON: ${payload}`);
  }
  const ok =
    e !== null &&
    typeof e === 'object' &&
    Number.isSafeInteger(e.token) &&
    ((e.type === 'takeover' && typeof e.scheduler === 'string') ||
      (e.type === 'assign' && typeof e.job === 'string' && typeof e.worker === 'string'));
  if (!ok)
    throw new TypeError(`assignments entry at position ${position} is malformed: ${payload}`);
  return e as BoardEntry;
}

/** Folds one entry into `board`; returns whether the fence admitted it. */
export function applyEntry(board: Board, entry: BoardEntry): boolean {
  const decision = admitToken(board.highest, entry.token);
  if (!decision.admitted) {
    board.rejected.push({ entry, highest: board.highest });
    return false;
  }
  board.highest = decision.highest;
  if (entry.type === 'assign')
    board.assignments.set(entry.job, { worker: entry.worker, token: entry.token });
  return true;
}

/** The job names of a board of `count` jobs. */
export function jobNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `job-${String(i + 1).padStart(3, '0')}`);
}

/** Reads `topic` from `position` to its current end: the entries, and where to read on from.
 *  Throws when the entries at `position` were trimmed (the board never trims). */
export async function readToEnd(
  log: RemoteEventLog,
  topic: string,
  position: number,
): Promise<{ readonly entries: readonly LogEntry[]; readonly nextPosition: number }> {
  const entries: LogEntry[] = [];
  let next = position;
  for (;;) {
    const read = await log.read(topic, next, 500);
    if (read.kind === 'compacted') throw new Error(read.message);
    entries.push(...read.entries);
    next = read.nextPosition;
    if (read.entries.length === 0) return { entries, nextPosition: next };
  }
}
