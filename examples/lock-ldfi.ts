/**
 * lock-ldfi: a small lock spec for lineage-driven fault injection (synchronous model, one tick per
 * simulator tick). The Raft-replicated KV makes lineage too deep for LDFI (its formula builder
 * overflows the stack on a few hundred ms of a Raft run), so here the KV is a single node `kv`
 * applying commands at once with its clock as the lease clock — the subject under test is the
 * lock recipe and the fence, not replication (examples/lock.ts covers the replicated store).
 *
 * c1 acquires first, reads the resource, then stalls for `pauseTicks` (longer than its lease's
 * TTL), so its lease expires and c2 acquires; c1 then writes with its old token. The resource
 * `res` rejects it when fenced. LDFI drops messages and crashes nodes within (EOT, EFF, crashes)
 * looking for a run that breaks `fenced-exclusive`.
 *
 *   npx cadre verify examples/lock-ldfi.ts
 */
import {
  type Context,
  defineSpec,
  type NodeId,
  type PrePost,
  type Process,
  type Spec,
} from '../src/index.js';
import type { KvCommand, KvQuery, KvResult } from '../src/stores/kv/commands.js';
import type { KvWire } from '../src/stores/kv/process.js';
import { type KvStateMachine, kvStateMachine } from '../src/stores/kv/state-machine.js';
import {
  fencedExclusive,
  fencingTokensIncrease,
} from '../src/stores/primitives/lock-guarantees.js';
import type { ClientRequest } from '../src/stores/raft/client-messages.js';
import { FencedResource, LockClient, type LockWire, RESOURCE } from './lock.js';

/** The KV state machine on one node, no replication: applies each command as it arrives at the
 *  node's clock, and applies a `tick` every tick so leases expire. Replies once per request. */
export class SingleNodeKv implements Process<LockWire> {
  #machine: KvStateMachine | undefined;

  init(ctx: Context<LockWire>): void {
    this.#machine = kvStateMachine()(ctx.storage) as KvStateMachine;
    ctx.setTimer('tick', 1);
  }

  timer(ctx: Context<LockWire>, name: string): void {
    if (name !== 'tick') return;
    ctx.setTimer('tick', 1);
    this.#apply(ctx, { op: 'tick' });
  }

  receive(ctx: Context<LockWire>, from: NodeId, msg: LockWire): void {
    if (msg.type !== 'propose' && msg.type !== 'read') return;
    const request = msg as ClientRequest<KvCommand, KvQuery>;
    const machine = this.#machine as KvStateMachine;
    const result: KvResult =
      request.type === 'propose' ? this.#apply(ctx, request.command) : machine.query(request.query);
    const reply: KvWire = {
      type: 'reply',
      session: request.session,
      seq: request.seq,
      ok: true,
      result,
    };
    ctx.send(from, reply);
  }

  #apply(ctx: Context<LockWire>, command: KvCommand): KvResult {
    const machine = this.#machine as KvStateMachine;
    return machine.apply(machine.appliedIndex() + 1, command, ctx.now());
  }
}

/** Every client that started finishes its round (acquire, increment or be fenced, release): the
 *  good outcomes LDFI tries to prevent, checking the lock's invariant in every run it makes. */
export const everyClientFinishes: PrePost = {
  name: 'every-client-finishes',
  pre: (world) => world.facts('started').map((f) => [f.args[0] ?? null]),
  post: (world) => world.facts('finished').map((f) => [f.args[0] ?? null]),
};

/** Settings of the LDFI lock spec. */
export interface LockLdfiSpecOptions {
  /** Whether the resource checks fencing tokens. Default true. */
  readonly fenced?: boolean;
  /** How long c1 stalls between its read and its write, in ticks. Default 12. */
  readonly pauseTicks?: number;
  /** End of time, in ticks. Default 40. */
  readonly eot?: number;
}

/** The lock on a single-node KV, clients c1 (stalls) and c2, and the resource `res`. */
export function lockLdfiSpec(options: LockLdfiSpecOptions = {}): Spec<LockWire> {
  const fenced = options.fenced ?? true;
  const eot = options.eot ?? 40;
  return defineSpec<LockWire>({
    name: fenced ? 'lock-ldfi' : 'lock-ldfi-unfenced',
    description: 'The lock recipe and a fenced resource, a stalled holder, under LDFI.',
    nodes: ['kv', RESOURCE],
    process: (id) => (id === RESOURCE ? new FencedResource(fenced) : new SingleNodeKv()),
    clients: {
      ids: ['c1', 'c2'],
      process: (id) =>
        new LockClient({
          rounds: 1,
          prefix: 'locks/res',
          ttlMs: 3,
          pauseChance: id === 'c1' ? 1 : 0,
          pauseMs: options.pauseTicks ?? 12,
          // Retries outlast omissions, which end at EFF: a dropped request delays, not stalls.
          retryMs: 2,
          // c1 starts at tick 1, c2 a few ticks later: c1 is first in the queue.
          thinkMs: 1,
          pollMs: 1,
          kvNodes: ['kv'],
        }),
    },
    time: { model: 'sync', eot },
    guarantees: {
      prePost: [everyClientFinishes],
      invariants: [fencedExclusive(RESOURCE)],
      final: [fencingTokensIncrease('acquire')],
    },
    ldfi: { eot, eff: 4, crashes: 0, precision: 'pcausal' },
  });
}

export default lockLdfiSpec();
