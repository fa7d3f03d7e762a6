import type { FactRecord } from '../../core/fact.js';
import type { Invariant, Liveness, WorldView } from '../../core/guarantee.js';
import type { NodeId } from '../../core/ids.js';
import { readLog, readSnapshotMeta } from './raft-storage.js';

/**
 * Raft's safety properties (Raft paper Figure 3) as Cadre invariants, checked after every event.
 * They read the facts the Raft process emits (`leader`, `voted`, `committed`, `applied`), which
 * outlive crashes, and the nodes' stored logs. Each keeps incremental state per run (keyed by the
 * run's WorldView), so a check costs the new facts, not the whole history.
 */

/** Per-run incremental state of one invariant. */
function perRun<S>(make: () => S): (world: WorldView) => S {
  const states = new WeakMap<WorldView, S>();
  return (world) => {
    let s = states.get(world);
    if (s === undefined) {
      s = make();
      states.set(world, s);
    }
    return s;
  };
}

/** Calls `each` on the facts of relation `name` not seen yet in this run. */
function newFacts(
  world: WorldView,
  name: string,
  seen: { n: number },
  each: (f: FactRecord) => string | undefined,
): string | undefined {
  const all = world.facts(name);
  for (; seen.n < all.length; seen.n++) {
    const problem = each(all[seen.n] as FactRecord);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

const electionState = perRun(() => ({ seen: { n: 0 }, leaders: new Map<number, NodeId>() }));

/** Election safety: at most one leader per term (facts `leader(node, term)`). */
export const electionSafety: Invariant = {
  name: 'raft-election-safety',
  check(world) {
    const s = electionState(world);
    return newFacts(world, 'leader', s.seen, (f) => {
      const [node, term] = f.args as [NodeId, number];
      const other = s.leaders.get(term);
      if (other !== undefined && other !== node)
        return `two leaders in term ${term}: ${other} and ${node} (at ${f.time})`;
      s.leaders.set(term, node);
      return undefined;
    });
  },
};

const voteState = perRun(() => ({ seen: { n: 0 }, votes: new Map<string, NodeId>() }));

/** Vote uniqueness: a node that voted for a candidate in a term votes for no other in that term,
 * across crash-restart (facts `voted(node, term, candidate)`, emitted once the vote is durable). */
export const voteUniqueness: Invariant = {
  name: 'raft-vote-uniqueness',
  check(world) {
    const s = voteState(world);
    return newFacts(world, 'voted', s.seen, (f) => {
      const [node, term, candidate] = f.args as [NodeId, number, NodeId];
      const key = `${node}/${term}`;
      const other = s.votes.get(key);
      if (other !== undefined && other !== candidate) {
        return `${node} voted for ${other} and for ${candidate} in term ${term} (at ${f.time})`;
      }
      s.votes.set(key, candidate);
      return undefined;
    });
  },
};

const smState = perRun(() => ({
  applied: { n: 0 },
  committed: { n: 0 },
  terms: new Map<number, { term: number; by: NodeId }>(),
}));

/** State-machine safety: no two nodes apply (or a leader commits) different entries at one index
 * (facts `applied(node, index, term)` and `committed(node, index, term)`). */
export const stateMachineSafety: Invariant = {
  name: 'raft-state-machine-safety',
  check(world) {
    const s = smState(world);
    const each = (f: FactRecord) => {
      const [node, index, term] = f.args as [NodeId, number, number];
      const other = s.terms.get(index);
      if (other !== undefined && other.term !== term) {
        return `index ${index}: ${other.by} has the entry of term ${other.term}, ${node} ${f.name} the entry of term ${term} (at ${f.time})`;
      }
      if (other === undefined) s.terms.set(index, { term, by: node });
      return undefined;
    };
    return (
      newFacts(world, 'committed', s.committed, each) ?? newFacts(world, 'applied', s.applied, each)
    );
  },
};

/** Terms of a node's stored log, by index, and the index its snapshot covers. */
function storedLog(
  world: WorldView,
  node: NodeId,
): { terms: Map<number, number>; snapshot: number } {
  const kv = world.storage(node);
  const terms = new Map<number, number>();
  for (const e of readLog(kv)) terms.set(e.index, e.term);
  return { terms, snapshot: readSnapshotMeta(kv)?.index ?? 0 };
}

const completenessState = perRun(() => ({
  leaders: { n: 0 },
  committed: { n: 0 },
  highest: new Map<number, number>(),
}));

/** Leader completeness: a leader of term T holds every entry committed in an earlier term (facts
 * `committed` before its `leader` fact; its stored log, or its snapshot covering the index). */
export const leaderCompleteness: Invariant = {
  name: 'raft-leader-completeness',
  check(world) {
    const s = completenessState(world);
    newFacts(world, 'committed', s.committed, (f) => {
      const [, index, term] = f.args as [NodeId, number, number];
      if ((s.highest.get(term) ?? 0) < index) s.highest.set(term, index);
      return undefined;
    });
    return newFacts(world, 'leader', s.leaders, (f) => {
      const [node, term] = f.args as [NodeId, number];
      if (!world.up(node)) return undefined;
      const log = storedLog(world, node);
      for (const [t, index] of s.highest) {
        if (t >= term || index <= log.snapshot) continue;
        if (log.terms.get(index) !== t) {
          return `leader ${node} of term ${term} lacks committed entry ${index} of term ${t} (has term ${log.terms.get(index) ?? 'none'})`;
        }
      }
      return undefined;
    });
  },
};

const matchingState = perRun(() => ({
  versions: new Map<NodeId, unknown>(),
  logs: new Map<NodeId, Map<number, number>>(),
}));

/** Log matching: if two stored logs hold an entry with the same index and term, they hold the
 * same entries (same terms) at every earlier index both still have; and along one stored log
 * (snapshot included) terms never decrease. Re-read when a node's log changes (its `logVersion`
 * in tracked memory). */
export const logMatching: Invariant = {
  name: 'raft-log-matching',
  check(world) {
    const s = matchingState(world);
    for (const node of world.nodes) {
      const v = world.memory(node).get('logVersion');
      if (v === undefined || s.versions.get(node) === v) continue;
      s.versions.set(node, v);
      const stored = storedLog(world, node);
      // Terms never decrease along a log, from the snapshot on: an entry after the snapshot with
      // an older term than the snapshot's is a stale leftover.
      let previous = readSnapshotMeta(world.storage(node))?.term ?? 0;
      for (const [i, t] of [...stored.terms].sort((a, b) => a[0] - b[0])) {
        if (i <= stored.snapshot) continue;
        if (t < previous)
          return `${node}'s stored log goes back from term ${previous} to ${t} at index ${i}`;
        previous = t;
      }
      s.logs.set(node, stored.terms);
      const mine = s.logs.get(node) as Map<number, number>;
      for (const [other, theirs] of s.logs) {
        if (other === node) continue;
        const problem = compareLogs(node, mine, other, theirs);
        if (problem !== undefined) return problem;
      }
    }
    return undefined;
  },
};

function compareLogs(
  a: NodeId,
  la: Map<number, number>,
  b: NodeId,
  lb: Map<number, number>,
): string | undefined {
  let anchor = -1;
  for (const [i, t] of la) if (lb.get(i) === t && i > anchor) anchor = i;
  if (anchor < 0) return undefined;
  for (const [i, t] of la) {
    if (i >= anchor) continue;
    const u = lb.get(i);
    if (u !== undefined && u !== t) {
      return `logs of ${a} and ${b} agree at index ${anchor} but differ at ${i} (terms ${t} and ${u})`;
    }
  }
  return undefined;
}

/** All five safety invariants. */
export const raftInvariants: readonly Invariant[] = [
  electionSafety,
  voteUniqueness,
  logMatching,
  leaderCompleteness,
  stateMachineSafety,
];

/** Liveness: some running node leads a term in which a majority of nodes run and follow it. */
export const leaderElected: Liveness = {
  name: 'raft-leader-elected',
  holds(world) {
    for (const id of world.nodes) {
      if (!world.up(id)) continue;
      const mem = world.memory(id);
      if (mem.get('role') !== 'leader') continue;
      const term = mem.get<number>('term');
      const followers = world.nodes.filter(
        (n) =>
          world.up(n) &&
          world.memory(n).get('leader') === id &&
          world.memory(n).get<number>('term') === term,
      );
      if (followers.length > world.nodes.length / 2) return true;
    }
    return false;
  },
};
