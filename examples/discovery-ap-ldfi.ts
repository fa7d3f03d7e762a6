/**
 * discovery-ap-ldfi: AP service discovery (src/stores/primitives/discovery-ap-process.ts) at LDFI
 * scale, in the synchronous model: n1 and n2 gossip every tick; at tick 1 instance `i1` of `web`
 * registers on n1 (address `a:1`) and `i2` on n2 (`b:1`); at tick 3 `i1` re-registers with address
 * `a:2` — an update, which reaches the other node as a leave and a join. Down after 2 silent ticks,
 * permanently down after 3, as in examples/presence-ldfi.ts (the same kernel; this spec adds the
 * discovery front and an update to the searched runs).
 *
 * The guarantee, read at EOT:
 * - {@link everyLiveNodeListsEveryLiveInstance} (pre/post): every node that did not crash lists
 *   every instance registered on a node that did not crash, *at its latest address*;
 * - `watch-diffs-replay` (final): every node's watch diffs replay to its list.
 *
 *   npx cadre verify examples/discovery-ap-ldfi.ts
 */
import {
  type Context,
  defineSpec,
  fact,
  type NodeId,
  type PrePost,
  type Process,
  type Spec,
  type Tuple,
  type WorldView,
} from '../src/index.js';
import { type DiscoveryApMsg, registerRequest } from '../src/stores/primitives/discovery-ap.js';
import { watchDiffsReplay } from '../src/stores/primitives/discovery-ap-guarantees.js';
import { discoveryApProcess } from '../src/stores/primitives/discovery-ap-process.js';

/**
 * Wraps a discovery node so that, after its per-tick work, it states its list as facts
 * `listed(observer, service, owner, id, tick, address)` — the list at tick t is a fact of tick t
 * (see examples/presence-ldfi.ts for why).
 */
export class ListingDiscoveryNode implements Process<DiscoveryApMsg> {
  readonly #inner: Process<DiscoveryApMsg>;

  constructor(inner: Process<DiscoveryApMsg>) {
    this.#inner = inner;
  }

  init(ctx: Context<DiscoveryApMsg>): void {
    this.#inner.init(ctx);
  }

  receive(ctx: Context<DiscoveryApMsg>, from: NodeId, msg: DiscoveryApMsg): void {
    this.#inner.receive(ctx, from, msg);
  }

  timer(ctx: Context<DiscoveryApMsg>, name: string): void {
    this.#inner.timer(ctx, name);
    for (const k of ctx.memory.keys('disc/')) {
      const [service, owner, id] = k.slice('disc/'.length).split('\u0000');
      const [, address] = JSON.parse(ctx.memory.get<string>(k) as string) as string[];
      ctx.emit(
        fact('listed', ctx.id, service ?? '', owner ?? '', id ?? '', ctx.now(), address ?? ''),
      );
    }
  }
}

/** `[owner, service, id, address]` of the latest registration of each instance registered on a
 * node that did not crash (and not deregistered). */
function liveInstances(world: WorldView): [NodeId, string, string, string][] {
  const owned = new Map<string, [NodeId, string, string, string]>();
  for (const f of world.facts()) {
    if (f.name !== 'registered' && f.name !== 'deregistered') continue;
    const key = `${f.node}\u0000${f.args[0]}\u0000${f.args[1]}`;
    if (f.name === 'registered')
      owned.set(key, [f.node, f.args[0] as string, f.args[1] as string, f.args[2] as string]);
    else owned.delete(key);
  }
  return [...owned.values()].filter(([owner]) => !world.crashed(owner));
}

/** pre: `(observer, service, owner, id, address)` for every node and instance that did not
 * crash; post: those the observer lists at EOT with that address. */
export const everyLiveNodeListsEveryLiveInstance: PrePost = {
  name: 'every-live-node-lists-every-live-instance',
  pre(world) {
    const out: Tuple[] = [];
    for (const [owner, service, id, address] of liveInstances(world))
      for (const n of world.nodes)
        if (!world.crashed(n)) out.push([n, service, owner, id, address]);
    return out;
  },
  post(world) {
    const out: Tuple[] = [];
    for (const [owner, service, id, address] of liveInstances(world))
      for (const n of world.nodes)
        if (!world.crashed(n) && world.has('listed', n, service, owner, id, world.time, address))
          out.push([n, service, owner, id, address]);
    return out;
  },
};

/** Settings of the AP discovery LDFI spec. */
export interface DiscoveryApLdfiSpecOptions {
  /** End of time, ticks. Default 9. */
  readonly eot?: number;
  /** End of finite failures (omissions at ticks 1 <= t < EFF), ticks. Default 6. */
  readonly eff?: number;
  /** Crash budget `cadre verify` uses by default. Default 0. */
  readonly crashes?: number;
}

/** The spec: n1 and n2; i1 on n1 (re-registered at tick 3), i2 on n2. */
export function discoveryApLdfiSpec(
  options: DiscoveryApLdfiSpecOptions = {},
): Spec<DiscoveryApMsg> {
  const eot = options.eot ?? 9;
  const inner = discoveryApProcess({ gossipIntervalMs: 1, nodeTimeoutMs: 2, permDownAfterMs: 3 });
  return defineSpec<DiscoveryApMsg>({
    name: 'discovery-ap-ldfi',
    description: 'AP discovery at LDFI scale: two nodes, an instance each, one re-registration.',
    nodes: ['n1', 'n2'],
    process: (id) => new ListingDiscoveryNode(inner(id)),
    time: { model: 'sync', eot },
    inputs: [
      { at: 1, to: 'n1', msg: registerRequest(1, 'web', 'i1', 'a:1') },
      { at: 1, to: 'n2', msg: registerRequest(2, 'web', 'i2', 'b:1') },
      { at: 3, to: 'n1', msg: registerRequest(3, 'web', 'i1', 'a:2') },
    ],
    guarantees: { prePost: [everyLiveNodeListsEveryLiveInstance], final: [watchDiffsReplay] },
    ldfi: {
      eot,
      eff: options.eff ?? 6,
      crashes: options.crashes ?? 0,
      // State lives in process fields: each event depends on its node's previous one.
      precision: 'pcausal',
    },
  });
}

export default discoveryApLdfiSpec();
