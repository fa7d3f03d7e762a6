import type { FactRecord } from '../core/fact.js';
import type { PrePost, WorldView } from '../core/guarantee.js';
import { type Tuple, tupleKey } from '../core/value.js';

/**
 * The facts a `post` condition rests on: its lineage roots. `post` is user code over the world, so
 * we run it on a recording view and keep every fact it looked at — the facts it iterated and the
 * facts its `has` found. Everything it read may support some good outcome, so each is a root; a
 * fault set that removes any of them may falsify `post` (this also covers Molly's negative support
 * for the common `notin missing(…)` shape, where removing *another* node's fact breaks the tuple).
 */
export function postRoots(guarantees: readonly PrePost[], world: WorldView): FactRecord[] {
  const seen = new Set<string>();
  const roots: FactRecord[] = [];
  const keep = (f: FactRecord) => {
    const key = `${f.name}${tupleKey(f.args)}`;
    if (!seen.has(key)) {
      seen.add(key);
      roots.push(f);
    }
  };
  const recording: WorldView = {
    get time() {
      return world.time;
    },
    nodes: world.nodes,
    facts: (name) => {
      const list = world.facts(name);
      for (const f of list) keep(f);
      return list;
    },
    has: (name: string, ...args: Tuple) => {
      const found = world.has(name, ...args);
      if (found) {
        const key = tupleKey(args);
        for (const f of world.facts(name)) if (tupleKey(f.args) === key) keep(f);
      }
      return found;
    },
    crashed: (node) => world.crashed(node),
    up: (node) => world.up(node),
    memory: (node) => world.memory(node),
    storage: (node) => world.storage(node),
    history: world.history,
  };
  for (const g of guarantees) for (const _ of g.post(recording)) void _;
  return roots;
}
