import type { CacheMap } from '../../../src/stores/cache/crdt/cache-map.js';

/** A replica's state as one string: each key's resolved value and entries (and, with
 * `contexts`, its causal context), sorted — for comparing replicas in tests. */
export function canonicalCache(m: CacheMap, contexts: boolean): string {
  const lines: string[] = [];
  for (const key of [...m.keys()].sort()) {
    const s = m.state(key);
    if (s === undefined) continue;
    if (!contexts && s.entries.length === 0) continue;
    const entries = s.entries
      .map(
        (e) =>
          `${e.replica}.${e.seq}=${e.value}+${e.add}@${e.hlc.wallMs}.${e.hlc.logical}.${e.hlc.node}`,
      )
      .sort()
      .join(' ');
    const ctx = contexts
      ? ` ctx[${[...s.context]
          .sort()
          .map(([r, n]) => `${r}:${n}`)
          .join(' ')}]`
      : '';
    lines.push(`${key} -> ${m.resolve(key)?.value ?? 'nil'} {${entries}}${ctx}`);
  }
  return lines.join('\n');
}

import { fact } from '../../../src/core/fact.js';
import type { Fault } from '../../../src/core/fault.js';
import type { NodeId } from '../../../src/core/ids.js';
import type { Process } from '../../../src/core/process.js';
import { defineSpec } from '../../../src/core/spec.js';
import type { RunResult } from '../../../src/sim/result.js';
import { runSimulation } from '../../../src/sim/simulator.js';
import type { CacheMsg, CacheReply, CacheRequest } from '../../../src/stores/cache/messages.js';
import {
  type CacheNode,
  type CacheOptions,
  cacheProcess,
} from '../../../src/stores/cache/process.js';

/** One scripted request: sent at `at` ms to `to`. */
export interface Step {
  readonly at: number;
  readonly to: NodeId;
  readonly req: CacheRequest;
}

/** Runs a cache cluster with one scripted client `c` and the given faults (no swarm). Returns the
 * run, the replies by request id, and the node processes as last started. */
export function runScript(
  options: CacheOptions,
  script: readonly Step[],
  opts: { nodes?: readonly NodeId[]; faults?: readonly Fault[]; horizonMs?: number } = {},
): { result: RunResult; replies: Map<number, CacheReply>; nodes: Map<NodeId, CacheNode> } {
  const nodes = new Map<NodeId, CacheNode>();
  const factory = cacheProcess({ mirror: true, ...options });
  const client = (): Process<CacheMsg> => ({
    init(ctx) {
      script.forEach((step, i) => {
        ctx.setTimer(String(i), step.at);
      });
    },
    timer(ctx, name) {
      const step = script[Number(name)] as Step;
      ctx.send(step.to, step.req);
    },
    receive(ctx, _from, msg) {
      if ('id' in msg) ctx.emit(fact('reply', msg.id, JSON.stringify(msg)));
    },
  });
  const spec = defineSpec<CacheMsg>({
    name: 'cache-script',
    nodes: opts.nodes ?? ['n1', 'n2', 'n3'],
    process: (id) => {
      const p = factory(id) as CacheNode;
      nodes.set(id, p);
      return p;
    },
    clients: { ids: ['c'], process: client },
    time: {
      model: 'async',
      horizonMs: opts.horizonMs ?? 3000,
      network: { latency: { kind: 'fixed', ms: 2 } },
    },
  });
  const result = runSimulation(spec, { seed: 1, plan: { faults: opts.faults ?? [] } });
  if (result.status === 'error') throw new Error(result.error);
  const replies = new Map<number, CacheReply>();
  for (const f of result.facts) {
    if (f.name === 'reply') replies.set(f.args[0] as number, JSON.parse(f.args[1] as string));
  }
  return { result, replies, nodes };
}

/** A node's mirrored values: key → value. */
export function valuesOf(result: RunResult, node: NodeId): Record<string, string> {
  const mem = result.world.memory(node);
  return Object.fromEntries(
    mem.keys('v/').map((k) => [k.slice(2), (mem.get(k) as [string, number])[0]]),
  );
}
