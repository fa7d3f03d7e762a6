/**
 * A simulated AP discovery workload client: every few ms it asks a random discovery node to
 * register (with a fresh address, sometimes new labels) or deregister one of its instances in a
 * small set of services, and now and then lists a service. Instance ids are named after the
 * client, so two clients never collide. It stops at `stopAtMs` so the run can quiesce. What each
 * node actually owns is read from the nodes' own `registered` / `deregistered` facts.
 */
import type { NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import {
  type DiscoveryApMsg,
  deregisterRequest,
  listRequest,
  registerRequest,
} from './discovery-ap.js';

/** Options of {@link discoveryApClient}. */
export interface DiscoveryApClientOptions {
  /** The discovery nodes. */
  readonly servers: readonly NodeId[];
  /** No request is sent at or after this time, ms. */
  readonly stopAtMs: number;
  /** Mean pause between requests, ms. Default 30. */
  readonly meanPauseMs?: number;
  /** Services. Default `web`, `db`. */
  readonly services?: readonly string[];
  /** Instance ids per client. Default 3. */
  readonly instancesPerClient?: number;
}

class DiscoveryApClient implements Process<DiscoveryApMsg> {
  readonly #o: Required<DiscoveryApClientOptions>;
  #next = 1;

  constructor(options: DiscoveryApClientOptions) {
    this.#o = { meanPauseMs: 30, services: ['web', 'db'], instancesPerClient: 3, ...options };
  }

  init(ctx: Context<DiscoveryApMsg>): void {
    this.#schedule(ctx);
  }

  timer(ctx: Context<DiscoveryApMsg>): void {
    if (ctx.now() >= this.#o.stopAtMs) return;
    const server = this.#draw(ctx, this.#o.servers);
    const service = this.#draw(ctx, this.#o.services);
    const instance = `${ctx.id}-i${Math.floor(ctx.random() * this.#o.instancesPerClient)}`;
    const id = this.#next++;
    const roll = ctx.random();
    if (roll < 0.6) {
      const address = `10.0.${Math.floor(ctx.random() * 4)}.${id}:8080`;
      const meta = ctx.random() < 0.5 ? { zone: ctx.random() < 0.5 ? 'eu' : 'us' } : {};
      ctx.send(server, registerRequest(id, service, instance, address, meta));
    } else if (roll < 0.9) {
      ctx.send(server, deregisterRequest(id, service, instance));
    } else {
      ctx.send(server, listRequest(id, service));
    }
    this.#schedule(ctx);
  }

  receive(): void {
    // Replies (ok, error: not registered here, instances) need no action: the nodes' facts say
    // what they own, and a list during faults promises nothing.
  }

  #schedule(ctx: Context<DiscoveryApMsg>): void {
    ctx.setTimer('op', 1 + Math.floor(ctx.random() * 2 * this.#o.meanPauseMs));
  }

  #draw<T>(ctx: Context<DiscoveryApMsg>, items: readonly T[]): T {
    return items[Math.floor(ctx.random() * items.length)] as T;
  }
}

/** The client factory. */
export function discoveryApClient(
  options: DiscoveryApClientOptions,
): ProcessFactory<DiscoveryApMsg> {
  return () => new DiscoveryApClient(options);
}
