/**
 * The strict registry on a real KV cluster: the driver of the pure core in `../registry.ts`.
 *
 * ```ts
 * const registry = new RemoteRegistry(new KvClient({ endpoints }));
 * const r = await registry.register('billing-leader', 'worker-7', { ttlMs: 3000 });
 * if (r.kind === 'taken') console.log(`held by ${r.holder} (epoch ${r.holderEpoch})`);
 * else { …use r.epoch as a fencing token…; await r.unregister(); }
 * ```
 *
 * A name has at most one registration at any revision of the store. An owner that stalls past
 * its TTL loses the name without knowing it at once (`onLost` fires when a keep-alive finds out):
 * act on resources with the epoch, through a fence.
 */
import {
  listRequest,
  listResult,
  lookupRequest,
  lookupResult,
  onRegistrationResult,
  onRegistryKeepAlive,
  type RegistrationState,
  type RegistrationStep,
  type RegistryChange,
  type RegistryEntry,
  registryKeepAlive,
  startRegister,
  startUnregister,
  watchRequest,
  watchResult,
} from '../registry.js';
import { keepAlive } from './keep-alive.js';
import type { KvRequester } from './requester.js';
import { type Watch, watchLoop } from './watch-loop.js';

/** A name this client holds. */
export interface HeldName {
  readonly kind: 'registered';
  readonly name: string;
  /** The registration's create revision: its name epoch, a fencing token. */
  readonly epoch: number;
  /** Whether the name is believed held (false once unregistered or found lost). */
  readonly held: boolean;
  /** Revokes the lease: the name is free at once. */
  unregister(): Promise<void>;
}

/** A name someone else holds. */
export interface TakenName {
  readonly kind: 'taken';
  readonly name: string;
  readonly holder: string;
  readonly holderEpoch: number;
}

export class RemoteRegistry {
  readonly #client: KvRequester;

  constructor(client: KvRequester) {
    this.#client = client;
  }

  /** Registers `name` for `owner` under a lease of `ttlMs` (default 3000), kept alive every
   *  `ttlMs / 3`. Resolves with the held name, or with who holds it. Rejects when the lease
   *  expired before the put landed (try again) or the cluster gave no answer in time. */
  async register(
    name: string,
    owner: string,
    options: { readonly ttlMs?: number; readonly onLost?: (reason: string) => void } = {},
  ): Promise<HeldName | TakenName> {
    const ttlMs = options.ttlMs ?? 3000;
    let step: RegistrationStep = startRegister({ name, owner, ttlMs });
    while (step.event === undefined && step.next !== undefined)
      step = onRegistrationResult(step.state, await this.#client.request(step.next));
    const state = step.state;
    if (step.event === 'taken')
      return { kind: 'taken', name, holder: state.holder, holderEpoch: state.holderEpoch };
    if (step.event !== 'registered')
      throw new Error(`register ${name}: ${state.reason || `ended ${state.phase}`}`);
    return this.#hold(state, ttlMs, options.onLost);
  }

  #hold(
    registered: RegistrationState,
    ttlMs: number,
    onLost: ((reason: string) => void) | undefined,
  ): HeldName {
    const client = this.#client;
    let state = registered;
    const keeper = keepAlive(
      client,
      Math.max(1, Math.floor(ttlMs / 3)),
      () => registryKeepAlive(state),
      (result) => {
        const step = onRegistryKeepAlive(state, result);
        state = step.state;
        if (step.event !== 'lost') return true;
        onLost?.(state.reason);
        return false;
      },
    );
    return {
      kind: 'registered',
      name: registered.name,
      epoch: registered.epoch,
      get held() {
        return state.phase === 'registered';
      },
      async unregister() {
        keeper.stop();
        let step = startUnregister(state);
        state = step.state;
        while (step.event === undefined && step.next !== undefined) {
          step = onRegistrationResult(state, await client.request(step.next));
          state = step.state;
        }
      },
    };
  }

  /** Who holds `name` (undefined: nobody), and the revision the answer reflects. */
  async lookup(
    name: string,
  ): Promise<{ readonly revision: number; readonly entry: RegistryEntry | undefined }> {
    return lookupResult(name, await this.#client.request(lookupRequest(name)));
  }

  /** The names starting with `prefix` ('' = all), in byte order, at one revision. */
  async list(
    prefix = '',
  ): Promise<{ readonly revision: number; readonly entries: readonly RegistryEntry[] }> {
    return listResult(await this.#client.request(listRequest(prefix)));
  }

  /** Calls `onChanges` with the registrations and frees of names under `prefix` from `revision`
   *  on, in revision order, polling every `pollMs` (default 100). */
  watch(
    prefix: string,
    revision: number,
    onChanges: (changes: readonly RegistryChange[]) => void,
    options: { readonly pollMs?: number } = {},
  ): Watch {
    return watchLoop(
      this.#client,
      revision,
      (next) => watchRequest(prefix, next),
      (result) => {
        const outcome = watchResult(result);
        return outcome.kind === 'compacted'
          ? outcome
          : { kind: 'items', items: outcome.changes, nextRevision: outcome.nextRevision };
      },
      onChanges,
      options.pollMs ?? 100,
    );
  }
}
