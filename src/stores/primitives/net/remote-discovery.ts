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
import { keepAlive } from './keep-alive.js';
import type { KvRequester } from './requester.js';
import { type Watch, watchLoop } from './watch-loop.js';

export type { Watch };

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
    const keeper = keepAlive(
      client,
      Math.max(1, Math.floor(ttlMs / 3)),
      () => keepAliveRequest(lease),
      (result) => {
        if (stillRegistered(result)) return true;
        alive = false;
        onExpired?.();
        return false;
      },
    );
    return {
      service,
      id,
      lease,
      get alive() {
        return alive;
      },
      async deregister() {
        alive = false;
        keeper.stop();
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
    return watchLoop(
      this.#client,
      revision,
      (next) => watchRequest(service, next),
      (result) => {
        const outcome = watchResult(service, result);
        return outcome.kind === 'compacted'
          ? outcome
          : { kind: 'items', items: outcome.diffs, nextRevision: outcome.nextRevision };
      },
      onDiffs,
      options.pollMs ?? 100,
    );
  }
}
