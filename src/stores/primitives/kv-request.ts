/**
 * What the primitives' pure cores (lock, event log, discovery) ask of the KV store, and the error
 * they throw when a driver hands back a result that does not answer the request.
 */
import type { KvRequest, KvResult } from '../kv/commands.js';

/** A request for the KV store: a replicated command or a linearisable query. */
export type { KvRequest };

/** Throws the error for a `result` that does not answer `phase` of the operation named `what` (a
 *  driver bug), naming both. */
export function unexpectedResult(what: string, result: KvResult, phase: string): never {
  throw new TypeError(`${what}: result ${JSON.stringify(result)} does not answer phase ${phase}`);
}
