/**
 * raft-kv: Cadre's key/value store (src/stores/kv: etcd-style revisions, CAS, leases) replicated
 * by Raft on three nodes, with three workload clients doing random get / put / compare-and-set on
 * a few keys. Guarantees: Raft's safety invariants at every event, the client history
 * linearisable against a key/value model (checked key by key), and after the heal a leader with
 * every client operation completed. Swarm mode draws partitions, crash-restarts, loss,
 * duplication, clogging and clock skew per seed.
 *
 *   npx cadre simulate examples/raft-kv.ts --seeds 1..200
 */
import {
  type Context,
  defineSpec,
  kvModel,
  linearizable,
  type NodeId,
  type OpValue,
  type Spec,
  type SwarmOptions,
} from '../src/index.js';
import type { KvCommand, KvQuery, KvResult } from '../src/stores/kv/commands.js';
import { type KvProcessOptions, type KvWire, kvProcess } from '../src/stores/kv/process.js';
import { raftInvariants } from '../src/stores/raft/invariants.js';
import {
  clientsDone,
  RAFT_SWARM,
  RaftWorkloadClient,
  type WorkloadClientOptions,
  type WorkloadRequest,
} from './raft-core.js';

/** Options of the KV workload client. */
export interface KvClientOptions extends WorkloadClientOptions {
  /** Keys the operations pick from. */
  readonly keys: readonly string[];
}

type Op =
  | { readonly f: 'get'; readonly key: string }
  | { readonly f: 'put'; readonly key: string; readonly value: string }
  | { readonly f: 'cas'; readonly key: string; readonly from: string | null; readonly to: string };

/**
 * The KV workload (retry and session logic: {@link RaftWorkloadClient}): random get / put / cas on
 * `keys`, each recorded in the history as the kv model reads it (`get [k, v]`, `put [k, v]`,
 * `cas [k, [from, to]]`); a cas that did not hold is recorded as failed (it took no effect).
 */
export class KvClient extends RaftWorkloadClient<KvCommand, KvQuery, KvResult, Op> {
  constructor(override readonly options: KvClientOptions) {
    super(options);
  }

  protected pickOp(ctx: Context<KvWire>): Op {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(ctx.random() * xs.length)] as T;
    const key = pick(this.options.keys);
    const value = String(Math.floor(ctx.random() * 5));
    const r = ctx.random();
    return r < 0.4
      ? { f: 'get', key }
      : r < 0.75
        ? { f: 'put', key, value }
        : { f: 'cas', key, from: pick([null, '0', '1', '2', '3', '4']), to: value };
  }

  protected invokeArg(op: Op): OpValue {
    return op.f === 'get'
      ? [op.key, null]
      : op.f === 'put'
        ? [op.key, op.value]
        : [op.key, [op.from, op.to]];
  }

  protected request(op: Op): WorkloadRequest<KvCommand, KvQuery> {
    if (op.f === 'get') return { type: 'read', query: { op: 'get', key: op.key } };
    return {
      type: 'propose',
      command:
        op.f === 'put'
          ? { op: 'put', key: op.key, value: op.value }
          : { op: 'cas', key: op.key, expect: { value: op.from }, value: op.to },
    };
  }

  protected record(ctx: Context<KvWire>, handle: number, op: Op, r: KvResult): void {
    if (op.f === 'get' && r.type === 'get') ctx.history.ok(handle, [op.key, r.kv?.value ?? null]);
    else if (op.f === 'put' && r.type === 'put') ctx.history.ok(handle, [op.key, op.value]);
    else if (op.f === 'cas' && r.type === 'cas') {
      if (r.succeeded) ctx.history.ok(handle, [op.key, [op.from, op.to]]);
      else ctx.history.fail(handle, [op.key, [op.from, op.to]]);
    } else ctx.history.fail(handle, `unexpected result ${JSON.stringify(r)}`);
  }
}

/** Settings of a KV-over-Raft spec. */
export interface RaftKvSpecOptions {
  readonly name?: string;
  readonly nodes?: readonly NodeId[];
  readonly clients?: number;
  readonly client?: Partial<KvClientOptions>;
  readonly kv?: KvProcessOptions;
  readonly horizonMs?: number;
  readonly swarm?: SwarmOptions;
  readonly livenessBoundMs?: number;
}

/** The KV store replicated by Raft, with workload clients `c1..cN`. */
export function raftKvSpec(options: RaftKvSpecOptions = {}): Spec<KvWire> {
  const clients = Array.from({ length: options.clients ?? 3 }, (_, i) => `c${i + 1}`);
  const client: KvClientOptions = {
    ops: 6,
    keys: ['a', 'b', 'c'],
    retryMs: 150,
    thinkMs: 60,
    ...options.client,
  };
  return defineSpec<KvWire>({
    name: options.name ?? 'raft-kv',
    description:
      'The KV store on Raft: safety invariants, a linearisable history, liveness after heal.',
    nodes: options.nodes ?? ['n1', 'n2', 'n3'],
    process: kvProcess({
      electionTicks: 10,
      heartbeatTicks: 2,
      tickMs: 10,
      snapshotEntries: 8,
      // As on real nodes (src/stores/kv/net/kv-node.ts): compaction copies nothing, a lagging
      // node gets a snapshot built when it is sent.
      lazySnapshots: true,
      ...options.kv,
    }),
    clients: { ids: clients, process: () => new KvClient(client) },
    time: { model: 'async', horizonMs: options.horizonMs ?? 800 },
    guarantees: {
      invariants: raftInvariants,
      liveness: [clientsDone],
      final: [linearizable(kvModel())],
    },
    faults: {
      swarm: options.swarm ?? RAFT_SWARM,
      livenessBoundMs: options.livenessBoundMs ?? 4_000,
    },
  });
}

export default raftKvSpec();
