/**
 * presence-ldfi: presence (src/stores/primitives/presence-process.ts) at LDFI scale, in the
 * synchronous model. Two nodes (three with `observer`) gossip their whole state every tick; at
 * tick 1 n1 and n2 each track key `k` in topic `room` (n3 tracks nothing: it only observes and
 * relays). A peer silent for `nodeTimeoutTicks` is down (its entries leave the list), for
 * `permDownTicks` permanently down (its entries are collected). With the defaults (EOT 9, EFF 6)
 * a run of omissions before EFF can make a peer permanently down on one side only, so the
 * collection and the rejoin are inside the searched space, not only the timeout.
 *
 * The guarantee, read at EOT (Molly's outcomes):
 * - {@link everyLiveNodeListsEveryLiveEntry} (pre/post, what LDFI tries to falsify): every node
 *   that did not crash lists every entry tracked by a node that did not crash;
 * - {@link listsExactlyLiveEntries} (final): and nothing else of those nodes — no entry of a
 *   non-crashed owner that the owner does not track;
 * - presence's own `diffsReplay` (final): every node's diffs replay to its list.
 * A crashed node's entries must be gone from the others' lists by EOT when the crash came at least
 * `nodeTimeoutTicks + 1` ticks before it; the check needs the crash tick, which the run's view does
 * not show, so {@link crashedEntriesListedAtEot} measures it from the fault plan (the test runs it
 * over every LDFI run that crashed a node).
 *
 * Presence keeps its state in process fields, so lineage is `pcausal` (each event depends on its
 * node's previous one).
 *
 *   npx cadre verify examples/presence-ldfi.ts
 */
import {
  type Context,
  defineSpec,
  type Fault,
  type FinalCheck,
  fact,
  type NodeId,
  type PrePost,
  type Process,
  type ProcessFactory,
  runSimulation,
  type Spec,
  type Tuple,
  type WorldView,
} from '../src/index.js';
import { diffsReplay } from '../src/stores/primitives/presence-guarantees.js';
import {
  type PresenceMsg,
  type PresenceOptions,
  presenceProcess,
} from '../src/stores/primitives/presence-process.js';

/** The topic every tracked entry is in. */
export const TOPIC = 'room';
/** The key n1 and n2 track. */
export const KEY = 'k';
/** The nodes that track an entry at tick 1. */
export const OWNERS: readonly NodeId[] = ['n1', 'n2'];
const NODES: readonly NodeId[] = ['n1', 'n2', 'n3'];

/**
 * Wraps a presence node so that, after its per-tick work, it states its list as facts
 * `listed(observer, topic, owner, key, tick)` — Dedalus-style persistence: the list at tick t is a
 * fact of tick t, so the outcome "n2 lists n1's k at EOT" has the EOT tick's lineage, not every
 * earlier tick's (which would hide faults that only make the entry leave later).
 */
export class ListingPresenceNode implements Process<PresenceMsg> {
  readonly #inner: Process<PresenceMsg>;

  constructor(inner: Process<PresenceMsg>) {
    this.#inner = inner;
  }

  init(ctx: Context<PresenceMsg>): void {
    this.#inner.init(ctx);
  }

  receive(ctx: Context<PresenceMsg>, from: NodeId, msg: PresenceMsg): void {
    this.#inner.receive(ctx, from, msg);
  }

  timer(ctx: Context<PresenceMsg>, name: string): void {
    this.#inner.timer(ctx, name);
    for (const k of ctx.memory.keys('list/')) {
      const [topic, owner, key] = k.slice('list/'.length).split('\u0000');
      ctx.emit(fact('listed', ctx.id, topic ?? '', owner ?? '', key ?? '', ctx.now()));
    }
  }
}

/** Entries `[owner, topic, key]` tracked by nodes that did not crash (no untracks in this spec:
 * an `untracked` fact removes the entry anyway). */
function liveEntries(world: WorldView): [NodeId, string, string][] {
  const owned = new Map<string, [NodeId, string, string]>();
  for (const f of world.facts()) {
    if (f.name !== 'tracked' && f.name !== 'untracked') continue;
    const id = `${f.node}\u0000${f.args[0]}\u0000${f.args[1]}`;
    if (f.name === 'tracked') owned.set(id, [f.node, f.args[0] as string, f.args[1] as string]);
    else owned.delete(id);
  }
  return [...owned.values()].filter(([owner]) => !world.crashed(owner));
}

/** pre: `(observer, topic, owner, key)` for every node and entry that did not crash; post: those
 * the observer lists at EOT. */
export const everyLiveNodeListsEveryLiveEntry: PrePost = {
  name: 'every-live-node-lists-every-live-entry',
  pre(world) {
    const out: Tuple[] = [];
    for (const [owner, topic, key] of liveEntries(world))
      for (const n of world.nodes) if (!world.crashed(n)) out.push([n, topic, owner, key]);
    return out;
  },
  post(world) {
    const out: Tuple[] = [];
    for (const [owner, topic, key] of liveEntries(world))
      for (const n of world.nodes)
        if (!world.crashed(n) && world.has('listed', n, topic, owner, key, world.time))
          out.push([n, topic, owner, key]);
    return out;
  },
};

/** Final: no node that did not crash lists, at EOT, an entry of a node that did not crash which
 * that node does not track. */
export const listsExactlyLiveEntries: FinalCheck = {
  name: 'lists-exactly-live-entries',
  check(world) {
    const live = new Set(liveEntries(world).map(([o, t, k]) => `${t} ${o} ${k}`));
    for (const f of world.facts('listed')) {
      if (f.args[4] !== world.time || world.crashed(f.node)) continue;
      const [, topic, owner, key] = f.args as [string, string, string, string];
      if (!world.crashed(owner) && !live.has(`${topic} ${owner} ${key}`))
        return `${f.node} lists ${owner}'s ${key} in ${topic} at tick ${world.time}, which ${owner} does not track`;
    }
    return undefined;
  },
};

/** Settings of the presence LDFI spec. */
export interface PresenceLdfiSpecOptions {
  /** End of time, ticks. Default 9. */
  readonly eot?: number;
  /** End of finite failures (omissions at ticks 1 <= t < EFF), ticks. Default 6. */
  readonly eff?: number;
  /** Crash budget `cadre verify` uses by default. Default 0. */
  readonly crashes?: number;
  /** A peer silent this many ticks is down. Default 2. */
  readonly nodeTimeoutTicks?: number;
  /** A peer silent this many ticks is permanently down. Default 3. */
  readonly permDownTicks?: number;
  /** Whether a third node n3, which tracks nothing, observes and relays. Default false. */
  readonly observer?: boolean;
  /** Spec name. Default `presence-ldfi`. */
  readonly name?: string;
  /** Wraps each node's presence process (the broken fixtures use it). Default: none. */
  readonly wrap?: (inner: Process<PresenceMsg>) => Process<PresenceMsg>;
}

/** The spec: n1 and n2 (and n3 with `observer`); n1 and n2 track `room/k` at tick 1. */
export function presenceLdfiSpec(options: PresenceLdfiSpecOptions = {}): Spec<PresenceMsg> {
  const eot = options.eot ?? 9;
  const presence: PresenceOptions = {
    gossipIntervalMs: 1,
    nodeTimeoutMs: options.nodeTimeoutTicks ?? 2,
    permDownAfterMs: options.permDownTicks ?? 3,
  };
  const inner = presenceProcess(presence);
  const wrap = options.wrap ?? ((p: Process<PresenceMsg>) => p);
  const process: ProcessFactory<PresenceMsg> = (id) =>
    new ListingPresenceNode(wrap(inner(id) as Process<PresenceMsg>));
  return defineSpec<PresenceMsg>({
    name: options.name ?? 'presence-ldfi',
    description: 'Presence at LDFI scale: two owners (and an observer), gossip every tick.',
    nodes: options.observer === true ? NODES : OWNERS,
    process,
    time: { model: 'sync', eot },
    inputs: OWNERS.map((owner, i) => ({
      at: 1,
      to: owner,
      msg: { type: 'track', id: i + 1, topic: TOPIC, key: KEY, meta: { status: 'online' } },
    })),
    guarantees: {
      prePost: [everyLiveNodeListsEveryLiveEntry],
      final: [listsExactlyLiveEntries, diffsReplay],
    },
    ldfi: {
      eot,
      eff: options.eff ?? 6,
      crashes: options.crashes ?? 0,
      // State lives in process fields: each event depends on its node's previous one.
      precision: 'pcausal',
      // n1 and n2 run the same code on the same input (key k, same metadata): interchangeable.
      symmetry: [OWNERS],
    },
  });
}

/**
 * Crash removal, measured from a fault plan: re-runs `spec` with `faults` and returns, for each
 * node crashed at tick c with c + `nodeTimeoutTicks` + 1 <= EOT, the observers (nodes that did not
 * crash) that still list one of its entries at EOT — each a violation of "a crashed node's entries
 * leave within the node timeout plus a gossip period". Works for any spec whose nodes state
 * `listed(observer, topic, owner, key, tick, …)` facts (examples/discovery-ap-ldfi.ts too).
 */
export function crashedEntriesListedAtEot<M>(
  spec: Spec<M>,
  faults: readonly Fault[],
  nodeTimeoutTicks: number,
): string[] {
  const eot = spec.time.model === 'sync' ? spec.time.eot : Number.NaN;
  const due = faults.flatMap((f) =>
    f.kind === 'crash' && f.at + nodeTimeoutTicks + 1 <= eot ? [f] : [],
  );
  if (due.length === 0) return [];
  const run = runSimulation(spec, { seed: 1, plan: { faults } });
  const crashed = new Set(faults.flatMap((f) => (f.kind === 'crash' ? [f.node] : [])));
  const out: string[] = [];
  for (const f of run.facts) {
    if (f.name !== 'listed' || f.time !== eot || crashed.has(f.node)) continue;
    const owner = f.args[2] as string;
    const crash = due.find((c) => c.kind === 'crash' && c.node === owner);
    if (crash !== undefined)
      out.push(
        `${f.node} lists ${owner}'s ${f.args[3]} at EOT ${eot}; ${owner} crashed at ${crash.at}`,
      );
  }
  return out;
}

export default presenceLdfiSpec();
