import { type FactRecord, factKey } from '../core/fact.js';
import type { PrePost, WorldView } from '../core/guarantee.js';
import { type Tuple, tupleKey } from '../core/value.js';

/**
 * The facts a `post` condition rests on: its lineage roots. `post` is user code over the world, so
 * we run it on a recording view and keep every fact it looked at — the facts it iterated and the
 * facts its `has` found. Everything it read may support some good outcome, so each is a root; a
 * fault set that removes any of them may falsify `post` (this also covers Molly's negative support
 * for the common `notin missing(…)` shape, where removing *another* node's fact breaks the tuple).
 */
export function postRoots(
  guarantees: readonly PrePost[],
  world: WorldView,
  /** Filled with the nodes `post` asked `crashed()` about and found alive: `post` rests on them not
   * crashing (Molly's `notin crash(R, R, _)`), so crashing one may falsify it. */
  alive?: Set<string>,
): FactRecord[] {
  const seen = new Set<string>();
  const roots: FactRecord[] = [];
  const keep = (f: FactRecord) => {
    const key = factKey(f);
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
    crashed: (node) => {
      const crashed = world.crashed(node);
      if (!crashed) alive?.add(node);
      return crashed;
    },
    up: (node) => world.up(node),
    memory: (node) => world.memory(node),
    storage: (node) => world.storage(node),
    history: world.history,
  };
  for (const g of guarantees) for (const _ of g.post(recording)) void _;
  return roots;
}

/** Something `post` rests on: a fact it read, or a node it found alive (not crashed). */
export type PostRoot =
  | { readonly kind: 'fact'; readonly fact: FactRecord }
  | { readonly kind: 'alive'; readonly node: string };

/**
 * The minimal sets of roots whose loss makes `post` lose a tuple of `targets` (per guarantee, the
 * keys of the good tuples `post` holds now), as index sets into `roots`: `post` is re-run on views
 * of the world with those facts hidden and those nodes crashed, smallest sets first. This is the
 * AND/OR structure Molly reads off `post`'s derivations (a tuple with two supports, e.g. a write
 * held by two live replicas, falls only when both do), recovered from `post` as code.
 *
 * Returns undefined when there are more than `maxRoots` roots (2^n re-runs): the caller then takes
 * each root alone as enough, which over-approximates (more hypotheses, still sound).
 */
export function postKillSets(
  guarantees: readonly PrePost[],
  world: WorldView,
  roots: readonly PostRoot[],
  targets: ReadonlyMap<string, ReadonlySet<string>>,
  maxRoots = 12,
): number[][] | undefined {
  if (roots.length > maxRoots) return undefined;
  const masks: number[] = [];
  for (let m = 1; m < 2 ** roots.length; m++) masks.push(m);
  masks.sort((x, y) => popcount(x) - popcount(y) || x - y);
  const killers: number[] = [];
  for (const mask of masks) {
    if (killers.some((k) => (mask & k) === k)) continue;
    const hidden = new Set<string>();
    const down = new Set<string>();
    roots.forEach((r, i) => {
      if ((mask & (1 << i)) === 0) return;
      if (r.kind === 'fact') hidden.add(factKey(r.fact));
      else down.add(r.node);
    });
    const view = maskedView(world, hidden, down);
    const kills = guarantees.some((g) => {
      const wanted = targets.get(g.name);
      if (wanted === undefined || wanted.size === 0) return false;
      const still = new Set<string>();
      for (const t of g.post(view)) still.add(tupleKey(t));
      for (const key of wanted) if (!still.has(key)) return true;
      return false;
    });
    if (kills) killers.push(mask);
  }
  return killers.map((mask) => roots.flatMap((_, i) => ((mask & (1 << i)) !== 0 ? [i] : [])));
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}

/** `world` with the facts of `hidden` (keys) removed and the nodes of `down` crashed. */
export function maskedView(
  world: WorldView,
  hidden: ReadonlySet<string>,
  down: ReadonlySet<string>,
): WorldView {
  return {
    get time() {
      return world.time;
    },
    nodes: world.nodes,
    facts: (name) => world.facts(name).filter((f) => !hidden.has(factKey(f))),
    has: (name: string, ...args: Tuple) =>
      world.has(name, ...args) && !hidden.has(factKey({ name, args })),
    crashed: (node) => down.has(node) || world.crashed(node),
    up: (node) => !down.has(node) && world.up(node),
    memory: (node) => world.memory(node),
    storage: (node) => world.storage(node),
    history: world.history,
  };
}
