/**
 * discovery-ldfi: service discovery (the CP variant, on the KV store) at LDFI scale (synchronous
 * model). As in examples/lock-ldfi.ts, the KV is a single node `kv` applying commands at once
 * (Raft's lineage is too deep for LDFI); the subject under test is the discovery recipe and its
 * watcher, not replication (examples/discovery.ts covers the replicated store).
 *
 * Instances i1 and i2 register under leases they keep alive; watcher `w` watches the service from
 * revision 1 and lister `l` lists it. LDFI drops messages looking for a run where an acknowledged
 * registration never reaches the watcher, or a list disagrees with the replay of the diffs.
 *
 *   npx cadre verify examples/discovery-ldfi.ts
 */
import {
  type Context,
  defineSpec,
  fact,
  type PrePost,
  type Process,
  type Spec,
} from '../src/index.js';
import type { KvResult } from '../src/stores/kv/commands.js';
import type { KvWire } from '../src/stores/kv/process.js';
import {
  keepAliveRequest,
  registered,
  registerLeaseRequest,
  registerPutRequest,
  watchResult,
} from '../src/stores/primitives/discovery.js';
import { listEqualsReplay } from '../src/stores/primitives/discovery-guarantees.js';
import { DiscoveryObserver } from './discovery.js';
import { KvRecipeClient } from './kv-recipe-client.js';
import { SingleNodeKv } from './lock-ldfi.js';

const SERVICE = 'web';

/** Registers once, then keeps the lease alive every `ttlMs / 3` ticks; emits
 *  `registered(id)` when the registration is acknowledged. */
class LdfiInstance extends KvRecipeClient {
  constructor(readonly ttlMs: number) {
    super(['kv'], 2);
  }

  init(ctx: Context<KvWire>): void {
    ctx.memory.set('phase', 'granting');
    this.request(ctx, registerLeaseRequest(this.ttlMs));
  }

  protected onTimer(ctx: Context<KvWire>, name: string): void {
    if (name === 'keepalive')
      this.request(ctx, keepAliveRequest(ctx.memory.get<number>('lease') as number));
  }

  protected onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    const phase = ctx.memory.get<string>('phase');
    if (phase === 'granting') {
      const { lease, request } = registerPutRequest(SERVICE, ctx.id, `${ctx.id}.local`, result);
      ctx.memory.set('lease', lease);
      ctx.memory.set('phase', 'putting');
      this.request(ctx, request);
      return;
    }
    if (phase === 'putting') {
      if (!registered(result)) {
        // The lease expired between grant and put (requests dropped for longer than the TTL).
        this.init(ctx);
        return;
      }
      ctx.memory.set('phase', 'registered');
      ctx.emit(fact('registered', ctx.id));
    }
    ctx.setTimer('keepalive', Math.max(1, Math.floor(this.ttlMs / 3)));
  }
}

/** The watcher, emitting `seen-join(id)` for every join diff it receives. */
class LdfiWatcher extends DiscoveryObserver {
  protected override onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    const w = watchResult(SERVICE, result);
    if (w.kind === 'diffs')
      for (const d of w.diffs) if (d.type === 'join') ctx.emit(fact('seen-join', d.id));
    super.onAnswer(ctx, result);
  }
}

/** Every acknowledged registration reaches the watcher as a join. */
export const everyRegistrationWatched: PrePost = {
  name: 'every-registration-watched',
  pre: (world) => world.facts('registered').map((f) => [f.args[0] ?? null]),
  post: (world) => world.facts('seen-join').map((f) => [f.args[0] ?? null]),
};

/** Settings of the LDFI discovery spec. */
export interface DiscoveryLdfiSpecOptions {
  /** End of time, in ticks. Default 20. */
  readonly eot?: number;
  /** End of finite failures, in ticks. Default 4. */
  readonly eff?: number;
  /** How long the watcher waits before resending an unanswered poll, in ticks. Default 2; a
   *  value beyond EOT is a watcher that never resends (a bug LDFI finds). */
  readonly watcherRetryTicks?: number;
}

/** Discovery on a single-node KV: instances i1, i2 (leases of 12 ticks), lister l, watcher w. */
export function discoveryLdfiSpec(options: DiscoveryLdfiSpecOptions = {}): Spec<KvWire> {
  const eot = options.eot ?? 20;
  return defineSpec<KvWire>({
    name: 'discovery-ldfi',
    description: 'The CP discovery recipe and its watcher on a single KV node, under LDFI.',
    nodes: ['kv'],
    process: () => new SingleNodeKv() as unknown as Process<KvWire>,
    clients: {
      ids: ['i1', 'i2', 'l', 'w'],
      process: (id) =>
        id === 'w'
          ? new LdfiWatcher(['kv'], 'watch', 1, options.watcherRetryTicks ?? 2)
          : id === 'l'
            ? new DiscoveryObserver(['kv'], 'list', 3, 2)
            : new LdfiInstance(12),
    },
    time: { model: 'sync', eot },
    guarantees: { prePost: [everyRegistrationWatched], final: [listEqualsReplay()] },
    ldfi: { eot, eff: options.eff ?? 4, crashes: 0, precision: 'pcausal' },
  });
}

export default discoveryLdfiSpec();
