/**
 * A lock (or leader election) on a real KV cluster: the driver of the pure core in `../lock.ts`.
 * It carries the core's requests through a {@link KvRequester} (a {@link KvClient}), sleeps when
 * the core asks to poll later, and keeps the lease alive every `ttlMs / 3` while it has one.
 *
 * ```ts
 * const lock = new RemoteLock(client, { prefix: 'locks/scheduler', ttlMs: 3000, owner: 'w1' });
 * const token = await lock.acquire();  // the fencing token: pass it to every fenced write
 * …
 * await lock.release();
 * ```
 *
 * A holder can lose the lock without knowing it at once (a pause longer than the TTL, a
 * partition from the cluster): `onLost` fires when a keep-alive finds the lease gone, but writes
 * made before then may already be stale. Only a resource that checks the token is safe.
 */
import type { KvResult } from '../../kv/commands.js';
import {
  IDLE_LOCK,
  keepAliveRequest,
  type LockOptions,
  type LockState,
  type LockStep,
  onKeepAlive,
  onResult,
  startAcquire,
  startRelease,
} from '../lock.js';
import { type KeepAlive, keepAlive } from './keep-alive.js';
import { type KvRequester, sleep } from './requester.js';

/** Options of a {@link RemoteLock}. */
export interface RemoteLockOptions extends LockOptions {
  /** Called once when a held lock is found lost (its lease expired), with the reason. */
  readonly onLost?: (reason: string) => void;
  /** Interval between keep-alives, in ms. Default `ttlMs / 3`. */
  readonly keepAliveMs?: number;
}

/** Acquiring failed: the lease expired before the lock was ours. */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

export class RemoteLock {
  readonly #client: KvRequester;
  readonly #options: RemoteLockOptions;
  #state: LockState = IDLE_LOCK;
  #keepAlive: KeepAlive | undefined;

  constructor(client: KvRequester, options: RemoteLockOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** The fencing token while held, else 0. */
  get token(): number {
    return this.#state.phase === 'held' ? this.#state.token : 0;
  }

  /** Where the contender is (see {@link LockState}). */
  get phase(): LockState['phase'] {
    return this.#state.phase;
  }

  /** Queues for the lock and resolves with the fencing token once held. Rejects with a
   *  {@link LockLostError} when the lease expired while queued, or with the client's error when
   *  the cluster gave no answer in time (the lease then expires on its own after `ttlMs`). */
  async acquire(): Promise<number> {
    if (
      this.#state.phase !== 'idle' &&
      this.#state.phase !== 'released' &&
      this.#state.phase !== 'lost'
    )
      throw new Error(`lock ${this.#options.prefix}: acquire while ${this.#state.phase}`);
    let step = startAcquire(this.#options);
    this.#state = step.state;
    for (;;) {
      step = await this.#drive(step);
      if (step.event === 'acquired') return step.state.token;
      // Lost by this step, or by a keep-alive that found the lease gone meanwhile.
      if (this.#state.phase === 'lost')
        throw new LockLostError(`lock ${this.#options.prefix}: ${this.#state.reason}`);
    }
  }

  /** Deletes our key and revokes the lease; the next contender in line takes over. */
  async release(): Promise<void> {
    let step = startRelease(this.#state);
    this.#state = step.state;
    while (step.event === undefined) step = await this.#drive(step);
    this.#stopKeepAlive();
  }

  /** Sends the step's request (after its delay), feeds the result to the core, and returns the
   *  step after it; starts the keep-alive as soon as a lease exists. */
  async #drive(step: LockStep): Promise<LockStep> {
    if (step.next === undefined)
      throw new Error(`lock ${this.#options.prefix}: no request to send in ${step.state.phase}`);
    if (step.afterMs !== undefined && step.afterMs > 0) await sleep(step.afterMs);
    const result: KvResult = await this.#client.request(step.next);
    const next = onResult(this.#options, this.#state, result);
    this.#state = next.state;
    if (this.#state.lease !== 0 && this.#keepAlive === undefined) this.#startKeepAlive();
    if (next.event === 'lost' || next.event === 'released') this.#stopKeepAlive();
    return next;
  }

  #startKeepAlive(): void {
    this.#keepAlive = keepAlive(
      this.#client,
      this.#options.keepAliveMs ?? Math.max(1, Math.floor(this.#options.ttlMs / 3)),
      () => keepAliveRequest(this.#state),
      (result) => {
        const wasHeld = this.#state.phase === 'held';
        const step = onKeepAlive(this.#state, result);
        this.#state = step.state;
        if (step.event !== 'lost') return true;
        this.#keepAlive = undefined;
        if (wasHeld) this.#options.onLost?.(step.state.reason);
        return false;
      },
    );
  }

  #stopKeepAlive(): void {
    this.#keepAlive?.stop();
    this.#keepAlive = undefined;
  }
}
