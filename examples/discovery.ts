/**
 * discovery: service discovery (src/stores/primitives/discovery.ts) on a three-node Raft KV.
 * Instances i1, i2, i3 register in service `web` under leases and keep them alive; each, at a
 * random time, goes silent long enough for its lease to expire (it leaves), then registers again
 * (it joins). Lister `l` lists the service now and then; watcher `w` watches it from revision 1 on.
 * The swarm adds partitions, loss, duplication, clogging, clock skew and a KV crash-restart.
 *
 * Checked: every list at revision R equals the replay of the watcher's diffs up to R.
 *
 *   npx cadre simulate examples/discovery.ts --seeds 1..200
 */
import {
  type Context,
  defineSpec,
  type NodeId,
  type Spec,
  type SwarmOptions,
} from '../src/index.js';
import type { KvResult } from '../src/stores/kv/commands.js';
import type { KvProcessOptions, KvWire } from '../src/stores/kv/process.js';
import {
  keepAliveRequest,
  listRequest,
  listResult,
  registered,
  registerLeaseRequest,
  registerPutRequest,
  stillRegistered,
  watchRequest,
  watchResult,
} from '../src/stores/primitives/discovery.js';
import { listEqualsReplay } from '../src/stores/primitives/discovery-guarantees.js';
import { KV_NODES, KvRecipeClient, recipeKvProcess, recipeSwarm } from './kv-recipe-client.js';

const SERVICE = 'web';

/** Options of an instance. */
export interface InstanceOptions {
  /** Lease TTL, in ms; keep-alives go every third of it. */
  readonly ttlMs: number;
  /** Silent (no keep-alives) from a random time below `horizonMs / 2`, for this long, in ms. */
  readonly silentMs: number;
  readonly horizonMs: number;
  readonly retryMs: number;
}

type Phase = 'granting' | 'putting' | 'registered' | 'silent';

/** An instance: registers, keeps its lease alive, goes silent once (its lease expires), then
 *  registers again. Records `register` operations (ok: the lease id). */
export class ServiceInstance extends KvRecipeClient {
  constructor(
    kvNodes: readonly NodeId[],
    readonly options: InstanceOptions,
  ) {
    super(kvNodes, options.retryMs);
  }

  init(ctx: Context<KvWire>): void {
    this.pickTarget(ctx);
    ctx.setTimer('die', 1 + Math.floor(ctx.random() * (this.options.horizonMs / 2)));
    this.#register(ctx);
  }

  #register(ctx: Context<KvWire>): void {
    ctx.memory.set('phase', 'granting' satisfies Phase);
    ctx.memory.set('handle', ctx.history.invoke('register', null));
    this.request(ctx, registerLeaseRequest(this.options.ttlMs));
  }

  protected onTimer(ctx: Context<KvWire>, name: string): void {
    const phase = ctx.memory.get<Phase>('phase');
    if (name === 'die') {
      // Stop answering, as a hung process would: no keep-alives until `revive`.
      ctx.memory.set('silent', true);
      ctx.setTimer('revive', this.options.silentMs);
    } else if (name === 'revive') {
      ctx.memory.set('silent', false);
      if (phase === 'registered' || phase === 'silent') this.#register(ctx);
    } else if (name === 'keepalive' && phase === 'registered') {
      if (ctx.memory.get('silent') === true) {
        ctx.memory.set('phase', 'silent' satisfies Phase);
        return;
      }
      this.request(ctx, keepAliveRequest(ctx.memory.get<number>('lease') as number));
    }
  }

  protected onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    const phase = ctx.memory.get<Phase>('phase');
    if (phase === 'granting') {
      const { lease, request } = registerPutRequest(SERVICE, ctx.id, `${ctx.id}.local`, result);
      ctx.memory.set('lease', lease);
      ctx.memory.set('phase', 'putting' satisfies Phase);
      this.request(ctx, request);
    } else if (phase === 'putting') {
      if (!registered(result)) {
        // The lease expired between grant and put (a long partition): start over.
        ctx.history.fail(ctx.memory.get<number>('handle') as number, 'lease expired');
        this.#register(ctx);
        return;
      }
      ctx.history.ok(
        ctx.memory.get<number>('handle') as number,
        ctx.memory.get<number>('lease') ?? 0,
      );
      ctx.memory.set('phase', 'registered' satisfies Phase);
      ctx.setTimer('keepalive', Math.max(1, Math.floor(this.options.ttlMs / 3)));
    } else if (phase === 'registered') {
      if (!stillRegistered(result)) {
        this.#register(ctx);
        return;
      }
      ctx.setTimer('keepalive', Math.max(1, Math.floor(this.options.ttlMs / 3)));
    }
  }
}

/** Lists (`list`, ok `{ revision, instances: [[id, address]] }`) or watches from revision 1
 *  (`watch`, ok `{ from, through, diffs: [[revision, type, id, address]] }`) every `everyMs`. */
export class DiscoveryObserver extends KvRecipeClient {
  constructor(
    kvNodes: readonly NodeId[],
    readonly role: 'list' | 'watch',
    readonly everyMs: number,
    retryMs: number,
    /** A deliberate bug for the tests: the watcher drops `leave` diffs. Default false. */
    readonly dropLeaves = false,
  ) {
    super(kvNodes, retryMs);
  }

  init(ctx: Context<KvWire>): void {
    this.startPolling(ctx, this.everyMs);
    ctx.memory.set('from', 1);
  }

  protected onTimer(ctx: Context<KvWire>, name: string): void {
    if (name !== 'go') return;
    const from = ctx.memory.get<number>('from') as number;
    ctx.memory.set(
      'handle',
      ctx.history.invoke(this.role, this.role === 'watch' ? { from } : null),
    );
    this.request(ctx, this.role === 'list' ? listRequest(SERVICE) : watchRequest(SERVICE, from));
  }

  protected onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    const handle = ctx.memory.get<number>('handle') as number;
    if (this.role === 'list') {
      const l = listResult(SERVICE, result);
      ctx.history.ok(handle, {
        revision: l.revision,
        instances: l.instances.map((i) => [i.id, i.address]),
      });
    } else {
      const from = ctx.memory.get<number>('from') as number;
      const w = watchResult(SERVICE, result);
      if (w.kind === 'compacted') {
        // The history is gone: the watcher's replay cannot go on; it stops (reported, checked
        // by the test as rare).
        ctx.history.fail(handle, w.message);
        return;
      }
      ctx.history.ok(handle, {
        from,
        through: w.nextRevision - 1,
        diffs: w.diffs
          .filter((d) => !(this.dropLeaves && d.type === 'leave'))
          .map((d) => [d.revision, d.type, d.id, d.type === 'join' ? d.address : '']),
      });
      ctx.memory.set('from', w.nextRevision);
    }
    ctx.setTimer('go', this.everyMs);
  }
}

/** Settings of a discovery spec. */
export interface DiscoverySpecOptions {
  readonly instance?: Partial<InstanceOptions>;
  readonly kv?: KvProcessOptions;
  readonly horizonMs?: number;
  readonly swarm?: SwarmOptions | false;
  /** The watcher drops leave diffs (a bug the check catches). Default false. */
  readonly dropLeaves?: boolean;
}

/** Discovery on a three-node KV: instances i1..i3, lister l, watcher w. */
export function discoverySpec(options: DiscoverySpecOptions = {}): Spec<KvWire> {
  const horizonMs = options.horizonMs ?? 2_000;
  const instance: InstanceOptions = {
    ttlMs: 150,
    silentMs: 400,
    horizonMs,
    retryMs: 100,
    ...options.instance,
  };
  const kv = recipeKvProcess(options.kv);
  return defineSpec<KvWire>({
    name: 'discovery',
    description:
      'Service discovery on the Raft KV: a list at revision R equals the replay of diffs.',
    nodes: [...KV_NODES],
    process: kv as unknown as Spec<KvWire>['process'],
    clients: {
      ids: ['i1', 'i2', 'i3', 'l', 'w'],
      process: (id) =>
        id === 'l' || id === 'w'
          ? new DiscoveryObserver(
              KV_NODES,
              id === 'l' ? 'list' : 'watch',
              40,
              100,
              options.dropLeaves === true,
            )
          : new ServiceInstance(KV_NODES, instance),
    },
    time: { model: 'async', horizonMs },
    guarantees: { final: [listEqualsReplay()] },
    faults: recipeSwarm(options.swarm),
  });
}

export default discoverySpec();
