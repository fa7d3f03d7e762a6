/**
 * The available registry's guarantee, as Cadre checks over a simulated run (read from the nodes'
 * facts and their mirrored owners — see registry-available-process.ts):
 *
 * - {@link registryConverges} (liveness) and {@link registryAgrees} (final): after faults heal
 *   and a quiet period, every live node resolves each name to the same single owner, and that
 *   owner's registration is the only one of the name left on any live node (every duplicate was
 *   settled).
 * - {@link conflictsReportedOnce} (final): each losing registration is reported exactly once, on
 *   the node that made it — a `registry-conflict` fact naming a registration that node made (a
 *   `registered` fact since its last start), never twice for the same registration. "At least
 *   once" follows from {@link registryAgrees}: an unreported loser would still be registered.
 * - {@link duplicateWindows} (a measurement): the virtual-time spans during which live nodes
 *   resolved a name to different owners, and how long each losing registration coexisted with
 *   its winner before its node was told.
 */
import type { FactRecord } from '../../core/fact.js';
import type { Fault, FaultPlan } from '../../core/fault.js';
import type { FinalCheck, Liveness, WorldView } from '../../core/guarantee.js';
import type { NodeId } from '../../core/ids.js';

function live(world: WorldView): NodeId[] {
  return world.nodes.filter((n) => world.up(n));
}

/** What is wrong with the live nodes' owners, or undefined when they agree (see module). */
function disagreement(world: WorldView): string | undefined {
  const nodes = live(world);
  const owners = new Map<string, Map<NodeId, string>>(); // name → node → owner@node
  for (const node of nodes) {
    const mem = world.memory(node);
    for (const k of mem.keys('owner/')) {
      const name = k.slice('owner/'.length);
      const byNode = owners.get(name) ?? new Map<NodeId, string>();
      byNode.set(node, mem.get<string>(k) as string);
      owners.set(name, byNode);
    }
  }
  const held = new Map<string, string[]>(); // name → own registrations `owner@node`
  for (const node of nodes) {
    const mem = world.memory(node);
    for (const k of mem.keys('own/')) {
      const name = k.slice('own/'.length);
      held.set(name, [...(held.get(name) ?? []), `${mem.get<string>(k) as string}@${node}`]);
    }
  }
  for (const name of [...new Set([...owners.keys(), ...held.keys()])].sort()) {
    const byNode = owners.get(name) ?? new Map<NodeId, string>();
    const regs = held.get(name) ?? [];
    if (regs.length > 1)
      return `${name} is still registered ${regs.length} times: ${regs.join(', ')}`;
    for (const node of nodes) {
      const owner = byNode.get(node);
      if (owner !== regs[0])
        return `${node} resolves ${name} to ${owner ?? 'nobody'}, but the live registration is ${regs[0] ?? 'none'}`;
    }
  }
  return undefined;
}

/** Liveness: every node is up and the live nodes agree on one owner per name. */
export const registryConverges: Liveness = {
  name: 'registry-converges',
  holds: (world) => world.nodes.every((n) => world.up(n)) && disagreement(world) === undefined,
};

/** Final: the live nodes agree on one owner per name, the only registration left of it. */
export const registryAgrees: FinalCheck = {
  name: 'registry-agrees',
  check: disagreement,
};

/** Final: each `registry-conflict` names a registration its node made, at most once. */
export const conflictsReportedOnce: FinalCheck = {
  name: 'conflicts-reported-once',
  check(world) {
    for (const node of world.nodes) {
      const made = new Set<string>();
      const reported = new Set<string>();
      // Over every life of the node: a restart starts a new incarnation with new registrations.
      for (const f of world.facts().filter((x) => x.node === node)) {
        if (f.name === 'registered')
          made.add(`${f.args[0]} ${f.args[1]} ${f.args[2]}.${f.args[3]}`);
        if (f.name !== 'registry-conflict') continue;
        const [name, winner, winnerNode, loser, wall, logical] = f.args;
        const id = `${name} ${loser} ${wall}.${logical}`;
        if (!made.has(id))
          return `${node} was told its registration ${id} lost to ${winner}@${winnerNode}, but it never made that registration`;
        if (reported.has(id))
          return `${node} was told twice that its registration ${id} lost (at ${f.time} ms the second time)`;
        reported.add(id);
      }
    }
    return undefined;
  },
};

/** The duplicate-window measurement of one run. */
export interface DuplicateWindows {
  /** Each maximal span (ms) during which two live nodes resolved one name to different owners. */
  readonly disagreementsMs: number[];
  /** Per span: how long it lasted after the last network fault or crash touching it ended (0
   *  when it ended first): the part that gossip and timeouts, not the fault, account for. */
  readonly afterFaultMs: number[];
  /** Per span: the length of the longest network fault or crash touching it (0 when none did). */
  readonly faultMs: number[];
  /** Per reported conflict: ms from the later of the two registrations to the loser's node being
   *  told (how long the duplicate existed). */
  readonly coexistenceMs: number[];
}

function faultSpan(f: Fault, healAtMs: number): [number, number] | undefined {
  switch (f.kind) {
    case 'partition':
    case 'one-way-partition':
    case 'loss':
    case 'duplicate':
      return [f.at, f.until ?? healAtMs];
    case 'clog':
      return [f.at, f.until];
    case 'crash':
      return [f.at, f.restartAt ?? healAtMs];
    default:
      return undefined;
  }
}

/**
 * Measures the duplicate windows of a run from its facts (`registry-start`, `registry-owner`,
 * `registered`, `registry-conflict`) and fault plan, on `nodes`, up to `endMs`. A node's view
 * counts from its `registry-start` until it crashes (per the plan). `healAtMs`: when faults with
 * no end of their own heal (the spec's horizon when it has liveness guarantees).
 */
export function duplicateWindows(
  facts: readonly FactRecord[],
  plan: FaultPlan,
  nodes: readonly NodeId[],
  endMs: number,
  healAtMs: number,
): DuplicateWindows {
  // Timeline of changes: [time, node, name, owner] with owner '' for free; crashes clear a node.
  type Change = { time: number; node: NodeId; name?: string; owner: string; reset?: boolean };
  const changes: Change[] = [];
  for (const f of facts) {
    if (f.name === 'registry-start')
      changes.push({ time: f.time, node: f.node, owner: '', reset: true });
    else if (f.name === 'registry-owner')
      changes.push({
        time: f.time,
        node: f.node,
        name: f.args[0] as string,
        owner: f.args[1] === '' ? '' : `${f.args[1]}@${f.args[2]}`,
      });
  }
  for (const f of plan.faults)
    if (f.kind === 'crash' && f.at <= endMs)
      changes.push({ time: f.at, node: f.node, owner: '', reset: true });
  changes.sort((a, b) => a.time - b.time);
  const spans = plan.faults
    .map((f) => faultSpan(f, healAtMs))
    .filter((s): s is [number, number] => s !== undefined);

  const views = new Map<NodeId, Map<string, string>>(nodes.map((n) => [n, new Map()]));
  const openSince = new Map<string, number>(); // name → start of its current disagreement
  const disagreementsMs: number[] = [];
  const afterFaultMs: number[] = [];
  const faultMs: number[] = [];
  const close = (name: string, at: number) => {
    const since = openSince.get(name);
    if (since === undefined) return;
    openSince.delete(name);
    disagreementsMs.push(at - since);
    let faultEnd = since;
    let longest = 0;
    for (const [s, e] of spans) {
      if (s > at || e < since) continue;
      faultEnd = Math.max(faultEnd, e);
      longest = Math.max(longest, e - s);
    }
    afterFaultMs.push(Math.max(0, at - Math.min(faultEnd, at)));
    faultMs.push(longest);
  };
  const evaluate = (name: string, at: number) => {
    const owners = new Set<string>();
    for (const view of views.values()) {
      const o = view.get(name);
      if (o !== undefined) owners.add(o);
    }
    if (owners.size > 1 && !openSince.has(name)) openSince.set(name, at);
    else if (owners.size <= 1) close(name, at);
  };
  for (let i = 0; i < changes.length; ) {
    const time = (changes[i] as Change).time;
    const touched = new Set<string>();
    // Apply every change at one instant before judging: a same-time handover is no window.
    for (; i < changes.length && (changes[i] as Change).time === time; i++) {
      const c = changes[i] as Change;
      const view = views.get(c.node);
      if (view === undefined) continue;
      if (c.reset === true) {
        for (const name of view.keys()) touched.add(name);
        view.clear();
      } else if (c.name !== undefined) {
        if (c.owner === '') view.delete(c.name);
        else view.set(c.name, c.owner);
        touched.add(c.name);
      }
    }
    for (const name of [...touched].sort()) evaluate(name, time);
  }
  for (const name of [...openSince.keys()]) close(name, endMs);

  const registeredAt = new Map<string, number>(); // `node name owner wall.logical` → time
  const coexistenceMs: number[] = [];
  for (const f of facts) {
    if (f.name === 'registered')
      registeredAt.set(`${f.node} ${f.args[0]} ${f.args[1]} ${f.args[2]}.${f.args[3]}`, f.time);
    if (f.name !== 'registry-conflict') continue;
    const [name, winner, winnerNode, loser, wall, logical] = f.args;
    const loserAt = registeredAt.get(`${f.node} ${name} ${loser} ${wall}.${logical}`);
    // The winner's registration: the latest one it made of the name before this report.
    let winnerAt: number | undefined;
    for (const [k, t] of registeredAt)
      if (k.startsWith(`${winnerNode} ${name} ${winner} `) && t <= f.time) winnerAt = t;
    if (loserAt === undefined || winnerAt === undefined) continue;
    coexistenceMs.push(f.time - Math.max(loserAt, winnerAt));
  }
  return { disagreementsMs, afterFaultMs, faultMs, coexistenceMs };
}

/** Quantile `q` (0..1) of `values` (nearest rank), NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
