/**
 * A simulated workload for the available registry: every few ms the client asks a random node to
 * register one of a few names for one of its owners, to unregister a name it registered (on the
 * node that registered it), or to look a name up. Few names and several clients make concurrent
 * registrations of one name common, so partitions produce duplicates to settle. It stops at
 * `stopAtMs` so the run can quiesce. What each node holds is read from the nodes' own facts and
 * memory, not from this client.
 */
import type { NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import type { RegistryMsg } from './registry-available-process.js';

/** Options of {@link availableRegistryClient}. */
export interface AvailableRegistryClientOptions {
  /** The registry nodes. */
  readonly servers: readonly NodeId[];
  /** No request is sent at or after this time, ms. */
  readonly stopAtMs: number;
  /** Mean pause between requests, ms. Default 30. */
  readonly meanPauseMs?: number;
  /** Names competed for. Default `svc:a`, `svc:b`, `svc:c`. */
  readonly names?: readonly string[];
  /** Owners (processes) per client, named `<client>-p<k>`. Default 2. */
  readonly ownersPerClient?: number;
}

class AvailableRegistryClient implements Process<RegistryMsg> {
  readonly #o: Required<AvailableRegistryClientOptions>;
  #next = 1;
  /** Requests in flight: id → what a `registered` reply means. */
  readonly #pending = new Map<number, { readonly server: NodeId }>();
  /** What this client registered: `name owner` → node. */
  readonly #held = new Map<string, NodeId>();

  constructor(options: AvailableRegistryClientOptions) {
    this.#o = {
      meanPauseMs: 30,
      names: ['svc:a', 'svc:b', 'svc:c'],
      ownersPerClient: 2,
      ...options,
    };
  }

  init(ctx: Context<RegistryMsg>): void {
    this.#schedule(ctx);
  }

  timer(ctx: Context<RegistryMsg>): void {
    if (ctx.now() >= this.#o.stopAtMs) return;
    const id = this.#next++;
    const roll = ctx.random();
    const held = [...this.#held.keys()];
    if (roll < 0.25 && held.length > 0) {
      const key = this.#draw(ctx, held);
      const [name, owner] = key.split(' ') as [string, string];
      ctx.send(this.#held.get(key) as NodeId, { type: 'unregister', id, name, owner });
      this.#held.delete(key);
    } else if (roll < 0.4) {
      ctx.send(this.#draw(ctx, this.#o.servers), {
        type: 'lookup',
        id,
        name: this.#draw(ctx, this.#o.names),
      });
    } else {
      const server = this.#draw(ctx, this.#o.servers);
      const name = this.#draw(ctx, this.#o.names);
      const owner = `${ctx.id}-p${Math.floor(ctx.random() * this.#o.ownersPerClient)}`;
      this.#pending.set(id, { server });
      ctx.send(server, { type: 'register', id, name, owner });
    }
    this.#schedule(ctx);
  }

  receive(_ctx: Context<RegistryMsg>, from: NodeId, msg: RegistryMsg): void {
    if (msg.type === 'registered') {
      const r = msg.registration;
      this.#held.set(`${r.name} ${r.owner}`, from);
    }
    if ('id' in msg) this.#pending.delete(msg.id);
  }

  #schedule(ctx: Context<RegistryMsg>): void {
    ctx.setTimer('op', 1 + Math.floor(ctx.random() * 2 * this.#o.meanPauseMs));
  }

  #draw<T>(ctx: Context<RegistryMsg>, items: readonly T[]): T {
    return items[Math.floor(ctx.random() * items.length)] as T;
  }
}

/** The client factory. */
export function availableRegistryClient(
  options: AvailableRegistryClientOptions,
): ProcessFactory<RegistryMsg> {
  return () => new AvailableRegistryClient(options);
}
