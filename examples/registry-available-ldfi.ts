/**
 * registry-available-ldfi: a small available-registry spec for lineage-driven fault injection
 * (synchronous model, one tick per simulator tick, gossip every tick). Nodes n1 and n2 each get a
 * registration of the same name `x` at tick 1 (owners p1 and p2), before either has heard of the
 * other's: a duplicate. Both stamp tick 1, so the default resolver picks n1's (the node breaks the
 * tie) on both nodes, and n2 must be told that p2 lost.
 *
 * Guarantee under LDFI: every contested name's loser is told (`registry-conflict`), exactly once,
 * and at the end both nodes resolve `x` to the same single owner — whatever messages are dropped
 * before EFF (gossip repeats every tick, so it outlasts omissions). With `resolver` set to a
 * resolver that reads local order (examples/registry-available-local-order.ts), each node keeps
 * its own registration: the failure-free run is already a counterexample.
 *
 *   npx cadre verify examples/registry-available-ldfi.ts
 */
import { defineSpec, type PrePost, type Spec } from '../src/index.js';
import type { ConflictResolver } from '../src/stores/primitives/registry-available.js';
import {
  conflictsReportedOnce,
  registryAgrees,
} from '../src/stores/primitives/registry-available-guarantees.js';
import {
  availableRegistryProcess,
  type RegistryMsg,
} from '../src/stores/primitives/registry-available-process.js';

/** Names registered on two or more nodes (pre) have had a loser told (post). */
export const loserIsTold: PrePost = {
  name: 'loser-is-told',
  pre: (world) => {
    const nodesOf = new Map<string, Set<string>>();
    for (const f of world.facts('registered')) {
      const name = f.args[0] as string;
      nodesOf.set(name, (nodesOf.get(name) ?? new Set()).add(f.node));
    }
    return [...nodesOf]
      .filter(([, nodes]) => nodes.size > 1)
      .map(([name]) => [name])
      .sort();
  },
  post: (world) =>
    [...new Set(world.facts('registry-conflict').map((f) => f.args[0] as string))]
      .sort()
      .map((name) => [name]),
};

/** Settings of the LDFI available-registry spec. */
export interface AvailableRegistryLdfiOptions {
  /** Default: the registry's default resolver. */
  readonly resolver?: ConflictResolver;
  /** End of time, in ticks. Default 12. */
  readonly eot?: number;
}

/** Two nodes, one name registered on both at tick 1. */
export function availableRegistryLdfiSpec(
  options: AvailableRegistryLdfiOptions = {},
): Spec<RegistryMsg> {
  const eot = options.eot ?? 12;
  return defineSpec<RegistryMsg>({
    name:
      options.resolver === undefined ? 'registry-available-ldfi' : 'registry-available-ldfi-custom',
    description: 'A duplicate registration on two nodes; the loser must be told, nodes must agree.',
    nodes: ['n1', 'n2'],
    process: availableRegistryProcess({
      gossipIntervalMs: 1,
      // Far beyond EOT: omissions never make a peer look down (that is the async campaign's job).
      nodeTimeoutMs: 1000,
      permDownAfterMs: 2000,
      ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    }),
    inputs: [
      { at: 1, to: 'n1', msg: { type: 'register', id: 1, name: 'x', owner: 'p1' } },
      { at: 1, to: 'n2', msg: { type: 'register', id: 2, name: 'x', owner: 'p2' } },
    ],
    time: { model: 'sync', eot },
    guarantees: { prePost: [loserIsTold], final: [registryAgrees, conflictsReportedOnce] },
    ldfi: { eot, eff: 6, crashes: 0, precision: 'pcausal' },
  });
}

export default availableRegistryLdfiSpec();
