/**
 * A simulated workload client for the cache: every few ms it sends one request to a random cache
 * node — SET or DEL on a small set of register keys, INCRBY on counter keys, GET and MGET — and
 * records what it sent and what was acknowledged as facts, which the cache's checks read
 * (checks.ts). It stops issuing writes at `stopAtMs` so that the run can quiesce.
 */
import { fact } from '../../core/fact.js';
import type { NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import type { CacheMsg, CacheRequest } from './messages.js';

/** Options of {@link cacheClient}. */
export interface CacheClientOptions {
  /** The cache nodes. */
  readonly servers: readonly NodeId[];
  /** No request is sent at or after this time, ms. */
  readonly stopAtMs: number;
  /** Mean pause between requests, ms. Default 40. */
  readonly meanPauseMs?: number;
  /** Register keys (SET/DEL/GET). Default `r0`..`r3`. */
  readonly registerKeys?: readonly string[];
  /** Counter keys (INCRBY). Default `c0`, `c1`. */
  readonly counterKeys?: readonly string[];
}

class CacheClient implements Process<CacheMsg> {
  readonly #o: Required<CacheClientOptions>;
  #next = 1;
  /** Outstanding requests by id (plain field: clients are not under LDFI). */
  readonly #pending = new Map<number, CacheRequest>();

  constructor(options: CacheClientOptions) {
    this.#o = {
      meanPauseMs: 40,
      registerKeys: ['r0', 'r1', 'r2', 'r3'],
      counterKeys: ['c0', 'c1'],
      ...options,
    };
  }

  init(ctx: Context<CacheMsg>): void {
    this.#schedule(ctx);
  }

  timer(ctx: Context<CacheMsg>): void {
    if (ctx.now() >= this.#o.stopAtMs) return;
    const server = this.#draw(ctx, this.#o.servers);
    const id = this.#next++;
    const roll = ctx.random();
    let req: CacheRequest;
    if (roll < 0.35) {
      const key = this.#draw(ctx, this.#o.registerKeys);
      const value = `${ctx.id}-${id}`;
      req = { type: 'set', id, key, value };
      ctx.emit(fact('set-sent', key, value));
    } else if (roll < 0.45) {
      const key = this.#draw(ctx, this.#o.registerKeys);
      req = { type: 'del', id, keys: [key] };
      ctx.emit(fact('del-sent', key));
    } else if (roll < 0.75) {
      const key = this.#draw(ctx, this.#o.counterKeys);
      const by = 1 + Math.floor(ctx.random() * 5);
      req = { type: 'incrby', id, key, by };
      ctx.emit(fact('incr-sent', key, by));
    } else if (roll < 0.9) {
      req = { type: 'get', id, key: this.#draw(ctx, this.#o.registerKeys) };
    } else {
      req = { type: 'mget', id, keys: [...this.#o.registerKeys] };
    }
    this.#pending.set(id, req);
    ctx.send(server, req);
    this.#schedule(ctx);
  }

  receive(ctx: Context<CacheMsg>, _from: NodeId, msg: CacheMsg): void {
    if (!('id' in msg)) return;
    const req = this.#pending.get(msg.id);
    if (req === undefined) return; // a duplicated reply
    this.#pending.delete(msg.id);
    if (msg.type === 'error') ctx.emit(fact('error', req.type, msg.message));
    else if (req.type === 'incrby') ctx.emit(fact('incr-ok', req.key, req.by));
    else if (req.type === 'set') ctx.emit(fact('set-ok', req.key, req.value));
  }

  #schedule(ctx: Context<CacheMsg>): void {
    ctx.setTimer('op', 1 + Math.floor(ctx.random() * 2 * this.#o.meanPauseMs));
  }

  #draw<T>(ctx: Context<CacheMsg>, items: readonly T[]): T {
    return items[Math.floor(ctx.random() * items.length)] as T;
  }
}

/** The client factory. */
export function cacheClient(options: CacheClientOptions): ProcessFactory<CacheMsg> {
  return () => new CacheClient(options);
}
