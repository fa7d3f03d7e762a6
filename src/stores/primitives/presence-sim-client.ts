/**
 * A simulated presence workload client: every few ms it asks a random presence node to track,
 * update or untrack one of its keys in a small set of topics (keys are named after the client, so
 * two clients never collide). It stops at `stopAtMs` so the run can quiesce. What each node
 * actually owns is read from the nodes' own `tracked`/`untracked` facts, not from this client.
 */
import type { NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import type { PresenceMsg } from './presence-process.js';

/** Options of {@link presenceClient}. */
export interface PresenceClientOptions {
  /** The presence nodes. */
  readonly servers: readonly NodeId[];
  /** No request is sent at or after this time, ms. */
  readonly stopAtMs: number;
  /** Mean pause between requests, ms. Default 30. */
  readonly meanPauseMs?: number;
  /** Topics. Default `room:a`, `room:b`. */
  readonly topics?: readonly string[];
  /** Keys per client. Default 3. */
  readonly keysPerClient?: number;
}

class PresenceClient implements Process<PresenceMsg> {
  readonly #o: Required<PresenceClientOptions>;
  #next = 1;

  constructor(options: PresenceClientOptions) {
    this.#o = { meanPauseMs: 30, topics: ['room:a', 'room:b'], keysPerClient: 3, ...options };
  }

  init(ctx: Context<PresenceMsg>): void {
    this.#schedule(ctx);
  }

  timer(ctx: Context<PresenceMsg>): void {
    if (ctx.now() >= this.#o.stopAtMs) return;
    const server = this.#draw(ctx, this.#o.servers);
    const topic = this.#draw(ctx, this.#o.topics);
    const key = `${ctx.id}-k${Math.floor(ctx.random() * this.#o.keysPerClient)}`;
    const id = this.#next++;
    const roll = ctx.random();
    const meta = { status: ctx.random() < 0.5 ? 'online' : 'away', seq: id };
    if (roll < 0.5) ctx.send(server, { type: 'track', id, topic, key, meta });
    else if (roll < 0.75) ctx.send(server, { type: 'update', id, topic, key, meta });
    else ctx.send(server, { type: 'untrack', id, topic, key });
    this.#schedule(ctx);
  }

  receive(): void {
    // Replies (ok / error: already tracked, not tracked) need no action: the nodes' facts say
    // what they own.
  }

  #schedule(ctx: Context<PresenceMsg>): void {
    ctx.setTimer('op', 1 + Math.floor(ctx.random() * 2 * this.#o.meanPauseMs));
  }

  #draw<T>(ctx: Context<PresenceMsg>, items: readonly T[]): T {
    return items[Math.floor(ctx.random() * items.length)] as T;
  }
}

/** The client factory. */
export function presenceClient(options: PresenceClientOptions): ProcessFactory<PresenceMsg> {
  return () => new PresenceClient(options);
}
