/**
 * What the primitives' network drivers need from a KV client: one request in, its result out.
 * {@link KvClient} provides it (the RESP REQUEST command, with retries, leader discovery and
 * session-numbered writes); tests may pass anything with the same method.
 */
import type { KvRequest, KvResult } from '../../kv/commands.js';

/** Sends one KV request and resolves with the store's result (store errors included as `error`
 *  results); rejects when the cluster gave no answer in time. */
export interface KvRequester {
  request(request: KvRequest): Promise<KvResult>;
}

/** Resolves after `ms` milliseconds (drivers use real time; the pure cores never do). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
