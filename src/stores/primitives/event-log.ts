/**
 * An event log on the KV store: topics of entries with one **global order** — an entry's
 * position is the KV revision of the put that appended it, so positions order entries across
 * every topic and only grow.
 *
 * Layout, for a topic `t` (no `/` in topic names):
 * - `log/t/e/<producer>/<seq>` — one key per entry, written once (`ifAbsent`), the payload as its
 *   value. A producer numbers its appends, so a retried append is the same key: a retry that
 *   lands twice is answered with the first write's position instead of a second entry.
 * - `log/t/e` — the retention marker: the oldest kept position (absent = 1, nothing trimmed).
 *
 * Reading from a position is two linearisable reads: the marker (a position below it is
 * *compacted*, reported, never silently skipped), then the KV's change feed from the position over
 * the topic's entry keys — the puts in revision order are the entries. A consumer resumes from the
 * `nextPosition` of its last read. When the KV itself discarded the history (its `compact`), the
 * feed answers `compacted` and the reader reports the KV's oldest kept revision instead.
 *
 * This file is the pure core: functions from KV results to the next KV request or an outcome. It
 * never reads a clock or sends anything; a driver carries requests and feeds results back.
 */
import type { KeyValue, KvResult } from '../kv/commands.js';
import { type KvRequest, unexpectedResult } from './kv-request.js';

/** A request for the KV store: a replicated command or a linearisable query. */
export type EventLogRequest = KvRequest;

/** One entry of a topic as a reader sees it. */
export interface LogEntry {
  /** Global position: the revision of the put that appended it. */
  readonly position: number;
  /** Who appended it and its number in that producer's appends (from the key). */
  readonly producer: string;
  readonly seq: number;
  readonly payload: string;
}

/** Most entries one read returns when the caller gives no limit. */
export const READ_LIMIT_DEFAULT = 100;
/** Most keys one trim delete names (the KV's per-command key limit). */
export const TRIM_BATCH_MAX = 1024;

function checkTopic(topic: string, where: string): void {
  if (typeof topic !== 'string' || topic.length === 0 || /[/\0]/.test(topic))
    throw new TypeError(
      `${where}: topic must be a non-empty string without '/' or NUL, got ${JSON.stringify(topic)}`,
    );
}

function checkPosition(position: number, what: string, where: string): void {
  if (!Number.isSafeInteger(position) || position < 1)
    throw new RangeError(`${where}: ${what} must be a whole number >= 1, got ${position}`);
}

/** The key of entry number `seq` of `producer` in `topic`. */
export function entryKey(topic: string, producer: string, seq: number): string {
  checkTopic(topic, 'entryKey');
  if (typeof producer !== 'string' || producer.length === 0 || /[/\0]/.test(producer))
    throw new TypeError(
      `entryKey: producer must be a non-empty string without '/' or NUL, got ${JSON.stringify(producer)}`,
    );
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`entryKey: seq must be a whole number >= 0, got ${seq}`);
  // Fixed width so one producer's keys sort by seq (the order does not matter: revisions decide).
  return `log/${topic}/e/${producer}/${seq.toString(16).padStart(13, '0')}`;
}

/** The range `[start, end)` holding exactly the entry keys of `topic`. */
export function entryRange(topic: string): { readonly start: string; readonly end: string } {
  checkTopic(topic, 'entryRange');
  // '0' is the character after '/': the range is exactly the keys starting with `log/t/e/`.
  return { start: `log/${topic}/e/`, end: `log/${topic}/e0` };
}

/** The retention marker key of `topic` (outside {@link entryRange}). */
export function retentionKey(topic: string): string {
  checkTopic(topic, 'retentionKey');
  return `log/${topic}/e`;
}

/** Parses an entry key back into producer and seq, or undefined when `key` is not one. */
export function parseEntryKey(
  topic: string,
  key: string,
): { readonly producer: string; readonly seq: number } | undefined {
  const prefix = `log/${topic}/e/`;
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const seq = Number.parseInt(rest.slice(slash + 1), 16);
  if (!Number.isSafeInteger(seq)) return undefined;
  return { producer: rest.slice(0, slash), seq };
}

/** The message of a compacted read, naming both positions. */
export function compactedMessage(topic: string, position: number, oldest: number): string {
  return `compacted: position ${position} of topic ${topic} is older than the oldest kept position ${oldest}`;
}

// ---------------------------------------------------------------------------------------------
// Append: one round trip.

/** The command appending `payload` to `topic` as entry `seq` of `producer`. Send it again,
 *  unchanged, when its outcome is unknown: it lands at most once. */
export function appendRequest(
  topic: string,
  producer: string,
  seq: number,
  payload: string,
): EventLogRequest {
  if (typeof payload !== 'string')
    throw new TypeError(`append to ${topic}: payload must be a string, got ${typeof payload}`);
  return {
    kind: 'command',
    command: { op: 'put', key: entryKey(topic, producer, seq), value: payload, ifAbsent: true },
  };
}

/** The position of an append from the KV's answer to {@link appendRequest}: the put's revision,
 *  or, when the entry was already there (an earlier try landed), that earlier write's. Throws on a
 *  result that does not answer an append, naming it. */
export function appendPosition(result: KvResult): number {
  if (result.type === 'put') {
    if (result.written) return result.revision;
    if (result.prev !== null) return result.prev.createRevision;
  }
  throw new TypeError(`append: result ${JSON.stringify(result)} does not answer an append`);
}

// ---------------------------------------------------------------------------------------------
// Read from a position: two round trips (marker, change feed), three when the KV compacted.

/** Where a read is: asking for the retention marker, the change feed, or the KV's status. */
export interface ReadState {
  readonly phase: 'marker' | 'feed' | 'status';
  readonly topic: string;
  readonly position: number;
  readonly limit: number;
  /** The oldest kept position the marker gave (1 when nothing was trimmed). */
  readonly oldest: number;
}

/** The outcome of a read. `entries`: the topic's entries at positions >= the asked one, in
 *  position order, with every entry of the topic in [position, nextPosition) among them; resume
 *  from `nextPosition`. Empty only when the reader is caught up (windows holding only trims are
 *  read through). `compacted`: entries from `position` on were discarded; the oldest still
 *  kept is at `oldest` (resume from there, knowing the ones in between are gone). */
export type ReadOutcome =
  | {
      readonly kind: 'entries';
      readonly entries: readonly LogEntry[];
      readonly nextPosition: number;
    }
  | {
      readonly kind: 'compacted';
      readonly position: number;
      readonly oldest: number;
      readonly message: string;
    };

/** A step of a read: the next request, or the outcome. */
export type ReadStep =
  | { readonly state: ReadState; readonly next: EventLogRequest }
  | { readonly state: ReadState; readonly outcome: ReadOutcome };

/** Starts reading `topic` from `position` (>= 1), at most `limit` entries (default
 *  {@link READ_LIMIT_DEFAULT}). */
export function startRead(topic: string, position: number, limit = READ_LIMIT_DEFAULT): ReadStep {
  checkTopic(topic, 'readFrom');
  checkPosition(position, 'position', `readFrom ${topic}`);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`readFrom ${topic}: limit must be a whole number >= 1, got ${limit}`);
  return {
    state: { phase: 'marker', topic, position, limit, oldest: 1 },
    next: { kind: 'query', query: { op: 'get', key: retentionKey(topic) } },
  };
}

/** The oldest kept position a retention marker records (1 when absent). Throws on a marker that
 *  is not a position: the log's own data is corrupt, and skipping it could lose entries. */
function markerPosition(topic: string, kv: KeyValue | null): number {
  if (kv === null) return 1;
  const n = Number(kv.value);
  if (!Number.isSafeInteger(n) || n < 1 || String(n) !== kv.value)
    throw new TypeError(
      `event log ${topic}: retention marker ${kv.key} holds ${JSON.stringify(kv.value)}, not a position`,
    );
  return n;
}

/** The step after the KV answered `state`'s request with `result`. Throws on a result that does
 *  not answer that request (a driver bug), naming the phase and the result. */
export function onReadResult(state: ReadState, result: KvResult): ReadStep {
  const unexpected = () => unexpectedResult(`readFrom ${state.topic}`, result, state.phase);
  const compacted = (oldest: number): ReadStep => ({
    state,
    outcome: {
      kind: 'compacted',
      position: state.position,
      oldest,
      message: compactedMessage(state.topic, state.position, oldest),
    },
  });
  switch (state.phase) {
    case 'marker': {
      if (result.type !== 'get') return unexpected();
      const oldest = markerPosition(state.topic, result.kv);
      if (state.position < oldest) return compacted(oldest);
      const { start, end } = entryRange(state.topic);
      return {
        state: { ...state, phase: 'feed', oldest },
        next: {
          kind: 'query',
          query: { op: 'changes', fromRevision: state.position, start, end, limit: state.limit },
        },
      };
    }
    case 'feed': {
      if (result.type === 'error' && result.code === 'compacted')
        return {
          state: { ...state, phase: 'status' },
          next: { kind: 'query', query: { op: 'status' } },
        };
      if (result.type !== 'changes') return unexpected();
      const entries: LogEntry[] = [];
      for (const event of result.events) {
        // Deletes are trims; the marker already told whether we are behind them.
        if (event.type !== 'put') continue;
        const id = parseEntryKey(state.topic, event.kv.key);
        if (id === undefined) continue;
        entries.push({ position: event.revision, ...id, payload: event.kv.value });
      }
      // A window of trims only (deletes count against the feed's limit): read on, so that an
      // empty read always means the consumer is caught up.
      if (entries.length === 0 && result.nextRevision <= result.revision)
        return {
          // `position` stays the read's start: the outcome covers [position, nextPosition).
          state,
          next: {
            kind: 'query',
            query: {
              op: 'changes',
              fromRevision: result.nextRevision,
              ...entryRange(state.topic),
              limit: state.limit,
            },
          },
        };
      return { state, outcome: { kind: 'entries', entries, nextPosition: result.nextRevision } };
    }
    case 'status': {
      if (result.type !== 'status') return unexpected();
      return compacted(Math.max(state.oldest, result.compactRevision + 1));
    }
    default:
      return unexpected();
  }
}

// ---------------------------------------------------------------------------------------------
// Trim: marker (get, CAS), then delete the entries below it (range, deletes).

/** Where a trim is. */
export interface TrimState {
  readonly phase: 'marker' | 'cas' | 'listing' | 'deleting';
  readonly topic: string;
  /** The asked oldest kept position, then the one recorded (never above the store's revision + 1:
   *  positions not yet given out cannot be trimmed, or later appends would vanish). */
  readonly before: number;
  /** Keys still to delete after the current delete. */
  readonly pending: readonly string[];
}

/** A step of a trim: the next request, or done with the oldest kept position. */
export type TrimStep =
  | { readonly state: TrimState; readonly next: EventLogRequest }
  | { readonly state: TrimState; readonly done: { readonly oldest: number } };

/** Starts discarding the entries of `topic` at positions below `before`: afterwards, reads from
 *  a position below it report `compacted`. */
export function startTrim(topic: string, before: number): TrimStep {
  checkTopic(topic, 'trim');
  checkPosition(before, 'beforePosition', `trim ${topic}`);
  return {
    state: { phase: 'marker', topic, before, pending: [] },
    next: { kind: 'query', query: { op: 'get', key: retentionKey(topic) } },
  };
}

function deleteNext(state: TrimState, keys: readonly string[]): TrimStep {
  if (keys.length === 0) return { state, done: { oldest: state.before } };
  return {
    state: { ...state, phase: 'deleting', pending: keys.slice(TRIM_BATCH_MAX) },
    next: { kind: 'command', command: { op: 'delete', keys: keys.slice(0, TRIM_BATCH_MAX) } },
  };
}

/** The step after the KV answered `state`'s request with `result`. Throws on a result that does
 *  not answer that request, naming the phase and the result. */
export function onTrimResult(state: TrimState, result: KvResult): TrimStep {
  const unexpected = () => unexpectedResult(`trim ${state.topic}`, result, state.phase);
  switch (state.phase) {
    case 'marker': {
      if (result.type !== 'get') return unexpected();
      const current = markerPosition(state.topic, result.kv);
      const before = Math.min(state.before, result.revision + 1);
      // The marker never moves back: a trim below it only deletes leftovers.
      if (before <= current) return listing({ ...state, before: current });
      return {
        state: { ...state, phase: 'cas', before },
        next: {
          kind: 'command',
          command: {
            op: 'cas',
            key: retentionKey(state.topic),
            expect: { modRevision: result.kv?.modRevision ?? 0 },
            value: String(before),
          },
        },
      };
    }
    case 'cas': {
      if (result.type !== 'cas') return unexpected();
      // Another trim moved the marker meanwhile: look again.
      if (!result.succeeded) return startTrim(state.topic, state.before);
      return listing(state);
    }
    case 'listing': {
      if (result.type !== 'range') return unexpected();
      return deleteNext(
        state,
        result.kvs.filter((kv) => kv.createRevision < state.before).map((kv) => kv.key),
      );
    }
    case 'deleting': {
      if (result.type !== 'delete') return unexpected();
      return deleteNext(state, state.pending);
    }
    default:
      return unexpected();
  }
}

function listing(state: TrimState): TrimStep {
  const { start, end } = entryRange(state.topic);
  return {
    state: { ...state, phase: 'listing' },
    next: { kind: 'query', query: { op: 'range', start, end, keysOnly: true } },
  };
}
