/**
 * Service discovery on a real KV cluster: the driver of the pure core in `../discovery.ts`.
 *
 * ```ts
 * const discovery = new RemoteDiscovery(client);
 * const me = await discovery.register('workers', 'w1', '10.0.0.7:8080', { ttlMs: 3000 });
 * const { revision, instances } = await discovery.list('workers');
 * const watch = discovery.watch('workers', revision + 1, (diffs) => …);
 * …
 * watch.stop(); await me.deregister();
 * ```
 */
import {
  type DiscoveryDiff,
  deregisterRequest,
  type Instance,
  keepAliveRequest,
  listRequest,
  listResult,
  registered,
  registerLeaseRequest,
  registerPutRequest,
  stillRegistered,
  watchRequest,
  watchResult,
} from '../discovery.js';
import { type KvRequester, sleep } from './requester.js';

/** A live registration: kept alive every `ttlMs / 3` until deregistered or found expired. */
export interface Registration {
  readonly service: string;
  readonly id: string;
  readonly lease: number;
  /** Whether the registration is believed alive (false once a keep-alive found it expired). */
  readonly alive: boolean;
  /** Revokes the lease: the instance leaves at once. */
  deregister(): Promise<void>;
}

/** A running watch. */
export interface Watch {
  /** The revision the next poll asks from. */
  readonly nextRevision: number;
  /** Stops polling (a poll in flight finishes without calling back). */
  stop(): void;
  /** Settles when the watch stopped: rejects when the history it needed was compacted or a
   *  poll failed. */
  readonly done: Promise<void>;
}

export class RemoteDiscovery {
  readonly #client: KvRequester;

  constructor(client: KvRequester) {
    this.#client = client;
  }

  /** Registers instance `id` of `service` at `address` under a lease of `ttlMs` (default 3000),
   *  kept alive every `ttlMs / 3`; `onExpired` is called if a keep-alive finds the lease gone
   *  (the instance has left the list; register again). */
  async register(
    service: string,
    id: string,
    address: string,
    options: { readonly ttlMs?: number; readonly onExpired?: () => void } = {},
  ): Promise<Registration> {
    const ttlMs = options.ttlMs ?? 3000;
    for (;;) {
      const lease = await this.#client.request(registerLeaseRequest(ttlMs));
      const put = registerPutRequest(service, id, address, lease);
      if (!registered(await this.#client.request(put.request))) continue; // lease expired already
      return this.#keep(service, id, put.lease, ttlMs, options.onExpired);
    }
  }

  #keep(
    service: string,
    id: string,
    lease: number,
    ttlMs: number,
    onExpired: (() => void) | undefined,
  ): Registration {
    const client = this.#client;
    let alive = true;
    const timer = setInterval(
      () => {
        client.request(keepAliveRequest(lease)).then(
          (result) => {
            if (alive && !stillRegistered(result)) {
              alive = false;
              clearInterval(timer);
              onExpired?.();
            }
          },
          // No answer this round: try again next round; the lease outlives a few misses.
          () => undefined,
        );
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    return {
      service,
      id,
      lease,
      get alive() {
        return alive;
      },
      async deregister() {
        alive = false;
        clearInterval(timer);
        await client.request(deregisterRequest(lease));
      },
    };
  }

  /** The instances of `service` and the revision the list reflects (a linearisable read). */
  async list(
    service: string,
  ): Promise<{ readonly revision: number; readonly instances: readonly Instance[] }> {
    return listResult(service, await this.#client.request(listRequest(service)));
  }

  /** Calls `onDiffs` with `service`'s join/leave diffs from `revision` on, in revision order,
   *  polling every `pollMs` (default 100). */
  watch(
    service: string,
    revision: number,
    onDiffs: (diffs: readonly DiscoveryDiff[]) => void,
    options: { readonly pollMs?: number } = {},
  ): Watch {
    let next = revision;
    let stopped = false;
    const client = this.#client;
    const loop = async () => {
      while (!stopped) {
        const outcome = watchResult(service, await client.request(watchRequest(service, next)));
        if (stopped) return;
        if (outcome.kind === 'compacted') throw new Error(outcome.message);
        if (outcome.diffs.length > 0) onDiffs(outcome.diffs);
        next = outcome.nextRevision;
        if (outcome.diffs.length === 0) await sleep(options.pollMs ?? 100);
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
}
