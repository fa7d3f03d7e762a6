import { fromUtf8, utf8 } from '../../storage/bytes.js';
import type { BatchOp, OrderedKVReader } from '../../storage/ordered-kv.js';
import { RAFT_SPACE, SESSIONS } from './raft-storage.js';

const CLOCK_KEY = RAFT_SPACE.pack(['clock']);

/** A session's last applied request and its result. `atMs`: the entry time of that request. */
export interface SessionRecord {
  readonly seq: number;
  readonly result: unknown;
  readonly atMs: number;
}

/**
 * The client session table (thesis §6.3): replicated state, changed only by applying entries, so
 * every replica holds the same table at the same index. A proposal (session, seq) whose seq is at
 * most the session's last applied seq is a retry: it returns the recorded result (for the same seq)
 * and is not applied again.
 *
 * Expiry is a function of the replicated clock only: the largest entry time applied so far (each
 * entry carries its leader's clock; a leader with a slow clock cannot move it back). A session
 * whose last request is more than `ttlMs` older than that clock counts as gone, on every replica
 * alike — also on one restored from a snapshot that left expired sessions out. Exactly-once
 * therefore holds for retries within `ttlMs` of the first try.
 */
export class SessionTable {
  readonly #sessions = new Map<string, SessionRecord>();
  #clockMs = 0;

  constructor(readonly ttlMs: number) {}

  /** Loads the table from storage (at restart). */
  load(kv: OrderedKVReader): void {
    this.#sessions.clear();
    const clock = kv.get(CLOCK_KEY);
    this.#clockMs = clock === undefined ? 0 : Number(fromUtf8(clock));
    for (const e of kv.range(SESSIONS.range())) {
      const [name] = SESSIONS.unpack(e.key) as [string];
      this.#sessions.set(name, JSON.parse(fromUtf8(e.value)) as SessionRecord);
    }
  }

  /** The replicated clock, in ms: the largest entry time applied. */
  get clockMs(): number {
    return this.#clockMs;
  }

  /** Advances the replicated clock to entry time `entryMs` (never back); returns the clock and
   * the write that persists it (to go in the same batch as the entry's effects). */
  advance(entryMs: number): { clockMs: number; op: BatchOp } {
    if (Number.isFinite(entryMs) && entryMs > this.#clockMs) this.#clockMs = entryMs;
    const op: BatchOp = { type: 'put', key: CLOCK_KEY, value: utf8(String(this.#clockMs)) };
    return { clockMs: this.#clockMs, op };
  }

  /** The recorded outcome when (session, seq) is a retry at replicated clock `atMs`, else
   * undefined. */
  duplicate(
    session: string,
    seq: number,
    atMs: number,
  ): { result: unknown } | { stale: true } | undefined {
    const rec = this.#sessions.get(session);
    if (rec === undefined || atMs - rec.atMs > this.ttlMs || seq > rec.seq) return undefined;
    return seq === rec.seq ? { result: rec.result } : { stale: true };
  }

  /** Records the result of applying (session, seq); returns the write to make. */
  record(session: string, seq: number, result: unknown, atMs: number): BatchOp {
    const rec: SessionRecord = { seq, result: result === undefined ? null : result, atMs };
    this.#sessions.set(session, rec);
    return { type: 'put', key: SESSIONS.pack([session]), value: utf8(JSON.stringify(rec)) };
  }

  /** The table and clock as bytes (part of a snapshot), without the sessions expired by now. */
  encode(): Uint8Array {
    const live = [...this.#sessions].filter(([, r]) => this.#clockMs - r.atMs <= this.ttlMs);
    return utf8(JSON.stringify({ clockMs: this.#clockMs, sessions: live }));
  }

  /** Replaces the table with a snapshot's; returns the writes that persist it. */
  restore(bytes: Uint8Array): BatchOp[] {
    this.#sessions.clear();
    const decoded = JSON.parse(fromUtf8(bytes)) as {
      clockMs: number;
      sessions: [string, SessionRecord][];
    };
    this.#clockMs = decoded.clockMs;
    const ops: BatchOp[] = [
      { type: 'deleteRange', ...SESSIONS.range() },
      { type: 'put', key: CLOCK_KEY, value: utf8(String(this.#clockMs)) },
    ];
    for (const [name, rec] of decoded.sessions) {
      this.#sessions.set(name, rec);
      ops.push({ type: 'put', key: SESSIONS.pack([name]), value: utf8(JSON.stringify(rec)) });
    }
    return ops;
  }

  get size(): number {
    return this.#sessions.size;
  }
}
