/**
 * event-log-ldfi: a small event-log spec for lineage-driven fault injection (synchronous model).
 * As in examples/lock-ldfi.ts, the KV is a single node `kv` applying commands at once (Raft's
 * lineage is too deep for LDFI); the subject under test is the event-log recipe and the
 * consumer's resume logic, not replication (examples/event-log.ts covers the replicated store).
 *
 * Producer p1 appends two entries to topic `a`, p2 one; consumer k1 reads `a`. LDFI drops
 * messages (and, with `crashes`, crashes nodes) looking for a run where an acknowledged append
 * never reaches the consumer, or the consumer sees an entry twice, out of order or skipped.
 *
 *   npx cadre verify examples/event-log-ldfi.ts
 */
import { defineSpec, type PrePost, type Process, type Spec } from '../src/index.js';
import type { KvWire } from '../src/stores/kv/process.js';
import {
  consumersSeeEveryEntry,
  positionsIncrease,
} from '../src/stores/primitives/event-log-guarantees.js';
import { Consumer, Producer } from './event-log.js';
import { SingleNodeKv } from './lock-ldfi.js';

/** Every acknowledged append to a topic is consumed by its consumer. */
export const everyAppendConsumed: PrePost = {
  name: 'every-append-consumed',
  pre: (world) => world.facts('appended').map((f) => [...f.args]),
  post: (world) => world.facts('consumed').map((f) => [...f.args]),
};

/** Settings of the LDFI event-log spec. */
export interface EventLogLdfiSpecOptions {
  /** End of time, in ticks. Default 24. */
  readonly eot?: number;
  /** End of finite failures (omissions stop after it), in ticks. Default 4. */
  readonly eff?: number;
  /** How long the consumer waits before resending an unanswered read, in ticks. Default 2; a
   *  value beyond EOT is a consumer that never resends (a bug LDFI finds). */
  readonly consumerRetryTicks?: number;
}

/** The event log on a single-node KV: producers p1 (2 appends), p2 (1), consumer k1. */
export function eventLogLdfiSpec(options: EventLogLdfiSpecOptions = {}): Spec<KvWire> {
  const eot = options.eot ?? 24;
  const producer = {
    topics: ['a'],
    thinkMs: 2,
    trimAfter: 0,
    trimTopic: 'a',
    trimBelow: 0,
    // Retries outlast omissions, which end at EFF: a dropped request delays, not stalls.
    retryMs: 2,
  };
  return defineSpec<KvWire>({
    name: 'event-log-ldfi',
    description: 'The event-log recipe and a resuming consumer on a single KV node, under LDFI.',
    nodes: ['kv'],
    process: () => new SingleNodeKv() as unknown as Process<KvWire>,
    clients: {
      ids: ['p1', 'p2', 'k1'],
      process: (id) =>
        id === 'k1'
          ? new Consumer(['kv'], {
              topic: 'a',
              limit: 2,
              pollMs: 1,
              retryMs: options.consumerRetryTicks ?? 2,
            })
          : new Producer(['kv'], { ...producer, appends: id === 'p1' ? 2 : 1 }),
    },
    time: { model: 'sync', eot },
    guarantees: {
      prePost: [everyAppendConsumed],
      final: [positionsIncrease(), consumersSeeEveryEntry()],
    },
    ldfi: { eot, eff: options.eff ?? 4, crashes: 0, precision: 'pcausal' },
  });
}

export default eventLogLdfiSpec();
