/**
 * An event log on a real KV cluster: the driver of the pure core in `../event-log.ts`.
 *
 * ```ts
 * const log = new RemoteEventLog(client);          // a fresh producer name per instance
 * const position = await log.append('jobs', 'resize img-17');
 * const read = await log.read('jobs', 1);           // { kind: 'entries', entries, nextPosition }
 * for await (const entry of log.follow('jobs', read.nextPosition, { signal })) …
 * ```
 *
 * Appends are numbered per producer, so an append retried after a lost answer lands once. The
 * numbering lives in this object: two objects must never share a producer name unless the second
 * continues the first one's numbering (`firstSeq`), or its appends would be taken for retries of
 * the first one's and dropped. The default producer name is random for that reason.
 */
import { randomBytes } from 'node:crypto';
import {
  appendPosition,
  appendRequest,
  type LogEntry,
  onReadResult,
  onTrimResult,
  READ_LIMIT_DEFAULT,
  type ReadOutcome,
  type ReadStep,
  startRead,
  startTrim,
  type TrimStep,
} from '../event-log.js';
import { type KvRequester, sleep } from './requester.js';

/** Options of a {@link RemoteEventLog}. */
export interface RemoteEventLogOptions {
  /** Producer name of this writer (no `/` or NUL). Default: 16 random hex digits. */
  readonly producer?: string;
  /** Number of this producer's next append. Default 1. */
  readonly firstSeq?: number;
}

/** Reading from a position whose entries were trimmed (or compacted away by the KV). */
export class EventLogCompactedError extends Error {
  override readonly name = 'EventLogCompactedError';
  constructor(
    message: string,
    /** The position asked for. */
    readonly position: number,
    /** The oldest position still kept: resume from here, knowing the ones before are gone. */
    readonly oldest: number,
  ) {
    super(message);
  }
}

export class RemoteEventLog {
  readonly #client: KvRequester;
  /** This writer's producer name. */
  readonly producer: string;
  #seq: number;

  constructor(client: KvRequester, options: RemoteEventLogOptions = {}) {
    this.#client = client;
    this.producer = options.producer ?? randomBytes(8).toString('hex');
    this.#seq = options.firstSeq ?? 1;
    if (!Number.isSafeInteger(this.#seq) || this.#seq < 1)
      throw new RangeError(
        `RemoteEventLog: firstSeq must be a whole number >= 1, got ${this.#seq}`,
      );
  }

  /** Appends `payload` to `topic` and resolves with its global position. */
  async append(topic: string, payload: string): Promise<number> {
    const request = appendRequest(topic, this.producer, this.#seq, payload);
    this.#seq++;
    return appendPosition(await this.#client.request(request));
  }

  /** Reads `topic` from `position` (>= 1), at most `limit` entries (default 100). */
  async read(topic: string, position: number, limit = READ_LIMIT_DEFAULT): Promise<ReadOutcome> {
    let step: ReadStep = startRead(topic, position, limit);
    while (!('outcome' in step))
      step = onReadResult(step.state, await this.#client.request(step.next));
    return step.outcome;
  }

  /** Yields `topic`'s entries from `position` on, in position order, polling every `pollMs`
   *  (default 100) when caught up, until `signal` aborts. Throws an
   *  {@link EventLogCompactedError} when the entries at the position were trimmed. */
  async *follow(
    topic: string,
    position: number,
    options: { readonly pollMs?: number; readonly signal?: AbortSignal } = {},
  ): AsyncGenerator<LogEntry> {
    let next = position;
    while (options.signal?.aborted !== true) {
      const outcome = await this.read(topic, next);
      if (outcome.kind === 'compacted')
        throw new EventLogCompactedError(outcome.message, outcome.position, outcome.oldest);
      for (const entry of outcome.entries) yield entry;
      next = outcome.nextPosition;
      if (outcome.entries.length === 0) await sleep(options.pollMs ?? 100);
    }
  }

  /** Discards `topic`'s entries at positions below `beforePosition`; resolves with the oldest
   *  kept position (never above the store's next revision). */
  async trim(topic: string, beforePosition: number): Promise<number> {
    let step: TrimStep = startTrim(topic, beforePosition);
    while (!('done' in step))
      step = onTrimResult(step.state, await this.#client.request(step.next));
    return step.done.oldest;
  }
}
