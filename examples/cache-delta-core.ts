/**
 * Delta propagation of the cache at LDFI scale, shared by examples/cache-delta.ts (with
 * anti-entropy) and examples/cache-no-antientropy.ts (without): three nodes in the synchronous
 * model; at tick 1 a client writes `k=v` at node a. The guarantee (Molly-style
 * pre/post): by the end of time every node has seen every write.
 */
import type { NodeId, PrePost, Spec, Tuple, WorldView } from '../src/index.js';
import type { CacheMsg } from '../src/stores/cache/messages.js';
import { type CacheOptions, cacheProcess } from '../src/stores/cache/process.js';

const writes: readonly { node: NodeId; key: string; value: string }[] = [
  { node: 'a', key: 'k', value: 'v' },
];

/** pre: (node, key) for every node and every write; post: the nodes that have seen the write —
 * its writer, and every node that emitted `seen(node, dot)` for its dot (`trackVisibility`). */
export const everyNodeHoldsEveryWrite: PrePost = {
  name: 'every-node-holds-every-write',
  pre(world: WorldView): Tuple[] {
    return world.facts('write').flatMap((w) => world.nodes.map((n) => [n, w.args[1]] as Tuple));
  },
  post(world: WorldView): Tuple[] {
    return world
      .facts('write')
      .flatMap((w) =>
        world.nodes
          .filter((n) => n === w.args[0] || world.has('seen', n, w.args[2] as string))
          .map((n) => [n, w.args[1]] as Tuple),
      );
  },
};

/** The spec; `antiEntropy` false is the fixture without it. */
export function deltaSpec(name: string, description: string, antiEntropy: boolean): Spec<CacheMsg> {
  const options: CacheOptions = {
    antiEntropy,
    gossipIntervalMs: 1,
    retransmitMs: 1,
    antiEntropyIntervalMs: 4,
    sweepIntervalMs: 100,
    downAfterMs: 100,
    fanout: 2,
    buckets: 1,
    trackVisibility: true,
  };
  return {
    name,
    description,
    nodes: ['a', 'b', 'c'],
    process: cacheProcess(options),
    time: { model: 'sync', eot: 6 },
    inputs: writes.map((w, i) => ({
      at: 1,
      to: w.node,
      msg: { type: 'set', id: i + 1, key: w.key, value: w.value },
    })),
    guarantees: { prePost: [everyNodeHoldsEveryWrite] },
    // Handlers keep their state in plain fields, so each event depends on its node's previous one.
    ldfi: { eot: 6, eff: 3, crashes: 0, precision: 'pcausal' },
  };
}
