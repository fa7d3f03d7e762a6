/**
 * The polling loop behind the network drivers' watches (discovery, registry): ask the KV's change
 * feed from a revision, hand what came back to the caller, go on from the next revision, and
 * sleep while nothing changes. One copy so that both stop, fail and resume alike.
 */
import type { KvRequest, KvResult } from '../../kv/commands.js';
import { type KvRequester, sleep } from './requester.js';

/** A running watch. */
export interface Watch {
  /** The revision the next poll asks from. */
  readonly nextRevision: number;
  /** Stops polling (a poll in flight finishes without calling back). */
  stop(): void;
  /** Settles when the watch stopped: rejects when the history it needed was compacted (list
   *  again, then watch from the list's revision + 1) or a poll failed. */
  readonly done: Promise<void>;
}

/** What one poll's answer means to a watch: items and the revision to go on from, or the history
 *  was compacted. */
export type WatchAnswer<T> =
  | { readonly kind: 'items'; readonly items: readonly T[]; readonly nextRevision: number }
  | { readonly kind: 'compacted'; readonly message: string };

/** Starts a watch from `revision`: `request(next)` is the poll, `answer` reads its result,
 *  `onItems` gets every non-empty batch in order. Polls every `pollMs` while nothing changes. */
export function watchLoop<T>(
  client: KvRequester,
  revision: number,
  request: (next: number) => KvRequest,
  answer: (result: KvResult) => WatchAnswer<T>,
  onItems: (items: readonly T[]) => void,
  pollMs: number,
): Watch {
  let next = revision;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const outcome = answer(await client.request(request(next)));
      if (stopped) return;
      if (outcome.kind === 'compacted') throw new Error(outcome.message);
      if (outcome.items.length > 0) onItems(outcome.items);
      next = outcome.nextRevision;
      if (outcome.items.length === 0) await sleep(pollMs);
    }
  };
  const done = loop();
  return {
    get nextRevision() {
      return next;
    },
    stop() {
      stopped = true;
    },
    done,
  };
}
