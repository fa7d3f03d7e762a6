/**
 * The commit family's shared inputs and guarantees (Molly's `commit/2pc_edb.ded`,
 * `commit/2pc_assert.ded` and `commit/2pc_assert_optimist.ded`; reference §4 "Commit family").
 *
 * Inputs: coordinator `C`, agents `a`, `b`, `d`; `begin("C","hello")@1`; `agent(C, {a,b,d})` plus
 * agent↔agent links (every agent knows the others); `can(x,"hello")` for every agent. The links and
 * `can` are static EDB, so the processes hold them as constants (reading them cannot be prevented).
 *
 * Guarantees, with decision = a `commit` or `abort` fact:
 * - termination: `pre(X)` if some agent `prepared` X; `post(X)` if at least two distinct nodes
 *   decided X (a crashed coordinator deciding alone does not count as termination);
 * - agreement: `pre(X)` if anyone decided X; `post(X)` if so and no two non-crashed nodes decided
 *   differently (a crashed node's local state is not held to agreement, as Molly's
 *   `notin crash(N,N,_)` guards do);
 * - the optimist's termination also holds whenever the coordinator crashed.
 */
import type { NodeId, PrePost, Tuple, WorldView } from '../../src/index.js';

export const COORDINATOR: NodeId = 'C';
export const AGENTS: readonly NodeId[] = ['a', 'b', 'd'];
/** Spec node order, as Molly's `-N a,b,C,d`. */
export const COMMIT_NODES: readonly NodeId[] = ['a', 'b', 'C', 'd'];
export const XACT = 'hello';

/** `agent(N, M)`: whom N tells decisions (the coordinator its agents, an agent the others). */
export function agentLinks(node: NodeId): readonly NodeId[] {
  if (node === COORDINATOR) return AGENTS;
  return AGENTS.filter((a) => a !== node);
}

/** `can(A, X)`: every agent can commit the transaction. */
export function canCommit(_agent: NodeId, xact: string): boolean {
  return xact === XACT;
}

export type Decision = 'commit' | 'abort';

/** The input `begin("C","hello")@1`. */
export const beginInput = {
  at: 1,
  to: COORDINATOR,
  msg: { type: 'begin', xact: XACT },
} as const;

/** Every decision fact as (node, xact, decision). */
function decisions(world: WorldView): [NodeId, string, Decision][] {
  const out: [NodeId, string, Decision][] = [];
  for (const d of ['commit', 'abort'] as const) {
    for (const f of world.facts(d)) out.push([f.args[0] as NodeId, f.args[1] as string, d]);
  }
  return out;
}

function unique(tuples: Tuple[]): Tuple[] {
  const seen = new Set<string>();
  return tuples.filter((t) => {
    const key = JSON.stringify(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Termination: once an agent prepared X, at least two nodes decide X. */
export const termination: PrePost = {
  name: 'termination',
  pre(world) {
    return unique(world.facts('prepared').map((f) => [f.args[2] ?? null]));
  },
  post(world) {
    const nodesByXact = new Map<string, Set<NodeId>>();
    for (const [node, xact] of decisions(world)) {
      const set = nodesByXact.get(xact) ?? new Set<NodeId>();
      set.add(node);
      nodesByXact.set(xact, set);
    }
    return [...nodesByXact]
      .filter(([, nodes]) => nodes.size >= 2)
      .map(([xact]): Tuple => [xact])
      .sort();
  },
};

/** The optimist's termination: as {@link termination}, and also whenever the coordinator crashed. */
export const optimistTermination: PrePost = {
  name: 'termination',
  pre: termination.pre,
  post(world) {
    const decided = [...termination.post(world)];
    if (!world.crashed(COORDINATOR)) return decided;
    return unique([...decided, ...world.facts('prepared').map((f) => [f.args[2] ?? null])]);
  },
};

/** Agreement: once anyone decided X, no two non-crashed nodes decided X differently. */
export const agreement: PrePost = {
  name: 'agreement',
  pre(world) {
    return unique(decisions(world).map(([, xact]) => [xact]));
  },
  post(world) {
    const all = decisions(world);
    const disagree = (xact: string) => {
      const kept = all.filter(([n, x]) => x === xact && !world.crashed(n)).map(([, , d]) => d);
      return new Set(kept).size > 1;
    };
    return unique(all.filter(([, xact]) => !disagree(xact)).map(([, xact]) => [xact]));
  },
};
