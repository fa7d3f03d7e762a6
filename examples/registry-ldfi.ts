/**
 * registry-ldfi: a small strict-registry spec for lineage-driven fault injection (synchronous
 * model, one tick per simulator tick). As in examples/lock-ldfi.ts, the KV is a single node `kv`
 * applying commands at once with its clock as the lease clock (the Raft-replicated KV makes
 * lineage too deep for LDFI): the subject is the registry recipe, not replication.
 *
 * c1 registers `a` first, then stalls past its lease's TTL, so the name is freed under it; c2
 * tries `a` twice (taken while c1's lease lives, then free once it expired). Watcher `w`
 * records the KV's change feed for the `registry-exclusive` check. LDFI drops messages within
 * (EOT, EFF, crashes) looking for a run where a registrant does not finish or the check fails.
 *
 *   npx cadre verify examples/registry-ldfi.ts
 */
import { defineSpec, type PrePost, type Process, type Spec } from '../src/index.js';
import type { KvWire } from '../src/stores/kv/process.js';
import { registryExclusive } from '../src/stores/primitives/registry-guarantees.js';
import { SingleNodeKv } from './lock-ldfi.js';
import { Registrant, RegistryWatcher } from './registry.js';

/** Every registrant that started finishes its rounds (register → hold → unregister, or taken):
 *  the good outcomes LDFI tries to prevent, checking `registry-exclusive` in every run. */
export const everyRegistrantFinishes: PrePost = {
  name: 'every-registrant-finishes',
  pre: (world) => world.facts('started').map((f) => [f.args[0] ?? null]),
  post: (world) => world.facts('finished').map((f) => [f.args[0] ?? null]),
};

/** Settings of the LDFI registry spec. */
export interface RegistryLdfiSpecOptions {
  /** The registrants' puts drop `ifAbsent` (the bug the check catches). Default false. */
  readonly unconditional?: boolean;
  /** End of time, in ticks. Default 40. */
  readonly eot?: number;
}

/** The strict registry on a single-node KV: registrants c1 (stalls) and c2, watcher w. */
export function registryLdfiSpec(options: RegistryLdfiSpecOptions = {}): Spec<KvWire> {
  const eot = options.eot ?? 40;
  const unconditional = options.unconditional ?? false;
  return defineSpec<KvWire>({
    name: unconditional ? 'registry-ldfi-unconditional' : 'registry-ldfi',
    description: 'The strict registry recipe on one KV node, a stalled owner, under LDFI.',
    nodes: ['kv'],
    process: () => new SingleNodeKv() as unknown as Process<KvWire>,
    clients: {
      ids: ['c1', 'c2', 'w'],
      process: (id) =>
        id === 'w'
          ? new RegistryWatcher(['kv'], 3, 2)
          : new Registrant(['kv'], {
              rounds: id === 'c1' ? 1 : 2,
              ttlMs: 8,
              holdMs: 4,
              pauseChance: id === 'c1' ? 1 : 0,
              pauseMs: 12,
              // c1 starts at tick 1 and stalls as soon as it holds `a`; c2 tries at tick 4 (while
              // c1's lease lives: taken), then again up to 6 ticks later (c1's lease expired).
              firstAtMs: id === 'c1' ? 1 : 4,
              thinkMs: 6,
              // Retries outlast omissions, which end at EFF: a dropped request delays, not stalls.
              retryMs: 2,
              names: ['a'],
              unconditional,
            }),
    },
    time: { model: 'sync', eot },
    guarantees: { prePost: [everyRegistrantFinishes], final: [registryExclusive()] },
    ldfi: { eot, eff: 6, crashes: 0, precision: 'pcausal' },
  });
}

export default registryLdfiSpec();
