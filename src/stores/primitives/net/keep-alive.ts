/**
 * The keep-alive loop of the network drivers (lock, discovery, registry): every `everyMs`, send
 * the request the core names (none: nothing to keep) and hand the answer back; a round with no
 * answer is skipped, since a lease outlives a few missed keep-alives. One copy so that every
 * driver keeps leases alike.
 */
import type { KvRequest, KvResult } from '../../kv/commands.js';
import type { KvRequester } from './requester.js';

/** A running keep-alive loop. */
export interface KeepAlive {
  stop(): void;
}

/** Starts the loop. `request()` is asked each round; `onAnswer` returns false to stop (the lease
 *  is gone). The timer does not keep the process alive on its own. */
export function keepAlive(
  client: KvRequester,
  everyMs: number,
  request: () => KvRequest | undefined,
  onAnswer: (result: KvResult) => boolean,
): KeepAlive {
  let stopped = false;
  const timer = setInterval(() => {
    const next = request();
    if (next === undefined) return;
    client.request(next).then(
      (result) => {
        if (!stopped && !onAnswer(result)) stop();
      },
      // No answer this round: try again next round.
      () => undefined,
    );
  }, everyMs);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return { stop };
}
