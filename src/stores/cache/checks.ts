/**
 * What must hold of a simulated cache run (read from the nodes' mirrored values, `v/<key>`, and
 * the workload's facts — see sim-client.ts), and the staleness measurement.
 */
import { diffReplicas, type ReplicaState } from '../../check/convergence.js';
import type { FactRecord } from '../../core/fact.js';
import type { FinalCheck, Liveness, WorldView } from '../../core/guarantee.js';
import type { NodeId } from '../../core/ids.js';
import { FINGERPRINT_KEY } from './process.js';

/** A node's resolved values: key → value (expiry ignored: it is part of the replicated state). */
function values(world: WorldView, node: NodeId): Map<string, unknown> {
  const mem = world.memory(node);
  return new Map(mem.keys('v/').map((k) => [k.slice(2), mem.get(k)]));
}

/** A node's values plus its entry fingerprint (mirrored by the process): equal values can hide
 * unequal states — sibling or counter entries that happen to resolve alike, which one more
 * merge would change — so convergence is judged on both. */
function liveStates(world: WorldView): Map<NodeId, ReplicaState> {
  return new Map(
    world.nodes
      .filter((n) => world.up(n))
      .map((n) => {
        const state = values(world, n);
        state.set(FINGERPRINT_STATE_KEY, world.memory(n).get(FINGERPRINT_KEY));
        return [n, state];
      }),
  );
}

/** The fingerprint's name among a node's values in a diff (no cache key of the workloads). */
const FINGERPRINT_STATE_KEY = '(entry fingerprint)';

/** Liveness: once faults heal, every node is up and all hold the same values and entries. */
export const replicasConverge: Liveness = {
  name: 'replicas-converge',
  holds(world: WorldView): boolean {
    return world.nodes.every((n) => world.up(n)) && diffReplicas(liveStates(world)).length === 0;
  },
};

/** Final: the same, with the differences listed. */
export const replicasEqual: FinalCheck = {
  name: 'replicas-equal',
  check(world: WorldView): string | undefined {
    const diffs = diffReplicas(liveStates(world));
    if (diffs.length === 0) return undefined;
    const shown = diffs
      .slice(0, 5)
      .map(
        (d) =>
          `${d.key}: ${d.reference}=${JSON.stringify(d.expected)} ${d.node}=${JSON.stringify(d.actual)}`,
      );
    return `live replicas differ in ${diffs.length} keys: ${shown.join('; ')}`;
  },
};

function sums(facts: readonly FactRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of facts)
    out.set(f.args[0] as string, (out.get(f.args[0] as string) ?? 0) + (f.args[1] as number));
  return out;
}

/** Final: no increment is lost or counted twice. With INCRBY the only write to counter keys, a
 * counter ends at least at the sum of acknowledged increments and at most at the sum of all sent
 * (an unacknowledged one may or may not have applied). Needs nodes that persist their state:
 * without it, a crash before gossip loses acknowledged increments by design. */
export const noLostIncrements: FinalCheck = {
  name: 'no-lost-increments',
  check(world: WorldView): string | undefined {
    const acked = sums(world.facts('incr-ok'));
    const sent = sums(world.facts('incr-sent'));
    const node = world.nodes.find((n) => world.up(n));
    if (node === undefined) return undefined;
    const vals = values(world, node);
    for (const [key, total] of sent) {
      const held = vals.get(key) as [string, number] | undefined;
      const v = held === undefined ? 0 : Number(held[0]);
      const low = acked.get(key) ?? 0;
      if (v < low || v > total) {
        return `${node} holds ${key}=${v}; acknowledged increments sum to ${low}, all sent to ${total}`;
      }
    }
    return undefined;
  },
};

/** Final: every register value is one some client wrote, and a key that was acknowledged as set
 * and never deleted is present (no acknowledged write vanishes). */
export const acknowledgedSetsSurvive: FinalCheck = {
  name: 'acknowledged-sets-survive',
  check(world: WorldView): string | undefined {
    const node = world.nodes.find((n) => world.up(n));
    if (node === undefined) return undefined;
    const vals = values(world, node);
    const written = new Set(world.facts('set-sent').map((f) => `${f.args[0]}\u0000${f.args[1]}`));
    const deleted = new Set(world.facts('del-sent').map((f) => f.args[0] as string));
    const counters = new Set(world.facts('incr-sent').map((f) => f.args[0] as string));
    for (const [key, held] of vals) {
      if (counters.has(key)) continue;
      const v = (held as [string, number])[0];
      if (!written.has(`${key}\u0000${v}`))
        return `${node} holds ${key}=${v}, which no client wrote`;
    }
    for (const f of world.facts('set-ok')) {
      const key = f.args[0] as string;
      if (!deleted.has(key) && !vals.has(key)) {
        return `${key} was acknowledged as set to ${f.args[1]} and never deleted, but ${node} lacks it`;
      }
    }
    return undefined;
  },
};

/** Staleness of one run: for each write seen by every node up at the end, the time from the write
 * to its arrival at the last of them (virtual ms). */
export interface Staleness {
  /** Delays, ascending. */
  readonly delaysMs: readonly number[];
  /** Writes superseded or removed before reaching every node (not measured). */
  readonly unmeasured: number;
}

/** Reads `write(node, key, dot)` and `seen(node, dot)` facts (`trackVisibility`). */
export function staleness(facts: readonly FactRecord[], liveNodes: readonly NodeId[]): Staleness {
  const seen = new Map<string, Map<NodeId, number>>();
  for (const f of facts) {
    if (f.name !== 'seen') continue;
    const dot = f.args[1] as string;
    let m = seen.get(dot);
    if (m === undefined) seen.set(dot, (m = new Map()));
    if (!m.has(f.node)) m.set(f.node, f.time);
  }
  const delays: number[] = [];
  let unmeasured = 0;
  for (const f of facts) {
    if (f.name !== 'write') continue;
    const m = seen.get(f.args[2] as string);
    const others = liveNodes.filter((n) => n !== f.node);
    if (others.every((n) => m?.has(n))) {
      delays.push(Math.max(0, ...others.map((n) => (m?.get(n) as number) - f.time)));
    } else {
      unmeasured++;
    }
  }
  return { delaysMs: delays.sort((a, b) => a - b), unmeasured };
}

/** The `q`-quantile (0..1) of ascending `sorted`, or NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
