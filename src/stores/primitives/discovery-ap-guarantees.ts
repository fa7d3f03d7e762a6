/**
 * The AP discovery guarantee, as Cadre checks over a simulated run. They read the nodes'
 * `registered` / `deregistered` / `discovery-diff` facts and their mirrored lists
 * (`disc/<service>\0<owner>\0<id>` → `[replica, address, labels]`, see discovery-ap-process.ts):
 *
 * - {@link apDiscoveryConverges} (liveness) and {@link apDiscoveryListsExpected} (final): after
 *   faults heal and the run quiesces, every live node lists, for every service, the same
 *   instances — exactly those registered on live nodes since their last start and not
 *   deregistered, with their latest address and labels.
 * - {@link watchDiffsReplay} (final): on every live node, the instance diffs its watcher received
 *   since the node's last start, replayed from an empty list, give its final list of every service
 *   — no lost diff, no phantom.
 * - A crashed node's instances leave every other list within the node timeout plus a gossip
 *   period: the instances are presence entries and their diffs are presence's, so presence's
 *   `crashRemovalDelays` (presence-guarantees.ts) measures it over the same run (see
 *   test/stores/primitives/discovery-ap-sim.test.ts).
 */
import type { FactRecord } from '../../core/fact.js';
import type { FinalCheck, Liveness, WorldView } from '../../core/guarantee.js';
import type { NodeId } from '../../core/ids.js';
import { type ApInstance, type ApServiceDiff, replayServiceDiffs } from './discovery-ap.js';
import type { DiscoveryFactEntry } from './discovery-ap-process.js';
import { canonicalMeta } from './presence.js';
import { listMismatchOf, ownedLines, sinceStart } from './presence-guarantees.js';

/** A node's list as sorted `service owner id address labels` lines (`withReplica`: with the
 * owner's incarnation after the id). */
function listedInstanceLines(world: WorldView, node: NodeId, withReplica: boolean): string[] {
  const mem = world.memory(node);
  return mem
    .keys('disc/')
    .map((k) => {
      const [service, owner, id] = k.slice('disc/'.length).split('\u0000');
      const [replica, address, labels] = JSON.parse(mem.get<string>(k) as string) as string[];
      return withReplica
        ? `${service} ${owner} ${id} ${replica} ${address} ${labels}`
        : `${service} ${owner} ${id} ${address} ${labels}`;
    })
    .sort();
}

/** What live nodes have registered: replay of their facts since their last start. */
function expectedInstanceLines(world: WorldView): string[] {
  return ownedLines(world, 'registered', 'deregistered', (f) => `${f.args[2]} ${f.args[3]}`);
}

function listMismatch(world: WorldView): string | undefined {
  return listMismatchOf(
    world,
    expectedInstanceLines(world),
    (node) => listedInstanceLines(world, node, false),
    'instances',
  );
}

/** Liveness: every node is up and lists exactly the instances registered on live nodes. */
export const apDiscoveryConverges: Liveness = {
  name: 'ap-discovery-converges',
  holds: (world) => world.nodes.every((n) => world.up(n)) && listMismatch(world) === undefined,
};

/** Final: every live node lists exactly the instances registered on live nodes (differences
 * named). */
export const apDiscoveryListsExpected: FinalCheck = {
  name: 'ap-discovery-lists-expected',
  check: listMismatch,
};

function decodeInstances(service: string, json: string): ApInstance[] {
  return (JSON.parse(json) as DiscoveryFactEntry[]).map(([node, id, replica, address, labels]) => ({
    service,
    id,
    address,
    node,
    replica,
    meta: Object.fromEntries(JSON.parse(labels) as [string, string][]),
  }));
}

/** A `discovery-diff` fact as a service diff. */
function serviceDiffOfFact(f: FactRecord): ApServiceDiff {
  const service = f.args[0] as string;
  return {
    service,
    joins: decodeInstances(service, f.args[1] as string),
    leaves: decodeInstances(service, f.args[2] as string),
  };
}

/** Final: each live node's watch diffs, replayed from empty per service, give its final list. */
export const watchDiffsReplay: FinalCheck = {
  name: 'watch-diffs-replay',
  check(world) {
    for (const node of world.nodes.filter((n) => world.up(n))) {
      const lists = new Map<string, ApInstance[]>();
      for (const f of sinceStart(world, node)) {
        if (f.name !== 'discovery-diff') continue;
        const d = serviceDiffOfFact(f);
        try {
          lists.set(d.service, replayServiceDiffs(d.service, lists.get(d.service) ?? [], [d]));
        } catch (e) {
          return `${node}: watch diff at ${f.time} ms does not apply: ${(e as Error).message}`;
        }
      }
      const replayed = [...lists.values()]
        .flat()
        .map(
          (i) =>
            `${i.service} ${i.node} ${i.id} ${i.replica} ${i.address} ${canonicalMeta(i.meta)}`,
        )
        .sort();
      const listed = listedInstanceLines(world, node, true);
      if (replayed.join('\n') !== listed.join('\n'))
        return `${node}: replayed watch diffs give ${replayed.length} instances, it lists ${listed.length} (first replayed: ${replayed[0] ?? '-'}; first listed: ${listed[0] ?? '-'})`;
    }
    return undefined;
  },
};
