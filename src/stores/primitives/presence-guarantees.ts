/**
 * Presence's guarantee, as Cadre checks over a simulated run (read from the nodes' facts and
 * their mirrored lists, `list/<topic>\0<node>\0<key>` — see presence-process.ts):
 *
 * - {@link presenceConverges} (liveness) and {@link presenceListsExpected} (final): after faults
 *   heal and the run quiesces, every live node lists the same entries for each topic, equal to the
 *   entries tracked by live nodes (since their last start) and not untracked.
 * - {@link diffsReplay} (final): on every live node, the diffs its subscriber received since the
 *   node's last start, applied in order to the empty list, give its final list — no lost diff
 *   (the replay would miss an entry), no phantom (a leave of an unlisted or a join of a listed
 *   entry fails the replay).
 * - {@link crashRemovalDelays} (a measurement over the fault plan): how long after a node crashed
 *   its entries stayed listed on each other node; the campaign asserts the maximum is within
 *   `nodeTimeoutMs` plus a gossip bound.
 */
import type { FactRecord } from '../../core/fact.js';
import type { FaultPlan } from '../../core/fault.js';
import type { FinalCheck, Liveness, WorldView } from '../../core/guarantee.js';
import type { NodeId } from '../../core/ids.js';
import {
  applyDiffs,
  type PresenceEntry,
  type PresenceView,
  type TopicDiff,
  viewLines,
} from './presence.js';
import type { FactEntry } from './presence-process.js';

/** A node's mirrored list as sorted `topic node key meta` lines (`withReplica`: with the owner's
 * incarnation before the meta). */
function listedLines(world: WorldView, node: NodeId, withReplica: boolean): string[] {
  const mem = world.memory(node);
  return mem
    .keys('list/')
    .map((k) => {
      const [topic, owner, key] = k.slice(5).split('\u0000');
      const text = mem.get<string>(k) as string;
      const space = text.indexOf(' ');
      const meta = text.slice(space + 1);
      return withReplica
        ? `${topic} ${owner} ${key} ${text.slice(0, space)} ${meta}`
        : `${topic} ${owner} ${key} ${meta}`;
    })
    .sort();
}

/** Facts of `node` since its last `presence-start` (a restart forgets what it tracked). Shared with
 *  the layers on presence (AP discovery). */
export function sinceStart(world: WorldView, node: NodeId): FactRecord[] {
  const mine = world.facts().filter((f) => f.node === node);
  let start = -1;
  mine.forEach((f, i) => {
    if (f.name === 'presence-start') start = i;
  });
  return mine.slice(start + 1);
}

/** What live nodes own, as sorted `topic node key value` lines: the replay of each live node's
 *  `added` / `removed` facts (args: topic, key, …) since its last start; `value` renders the rest
 *  of an `added` fact. Shared with the layers on presence. */
export function ownedLines(
  world: WorldView,
  added: string,
  removed: string,
  value: (f: FactRecord) => string,
): string[] {
  const lines: string[] = [];
  for (const node of world.nodes.filter((n) => world.up(n))) {
    const owned = new Map<string, string>();
    for (const f of sinceStart(world, node)) {
      const id = `${f.args[0]} ${node} ${f.args[1]}`;
      if (f.name === added) owned.set(id, value(f));
      else if (f.name === removed) owned.delete(id);
    }
    for (const [id, rest] of owned) lines.push(`${id} ${rest}`);
  }
  return lines.sort();
}

/** The first live node whose `listed` lines differ from `expected`, named with what is missing
 *  and extra (`noun`: what a line is, e.g. "entries"), or undefined when all agree. */
export function listMismatchOf(
  world: WorldView,
  expected: readonly string[],
  listed: (node: NodeId) => readonly string[],
  noun: string,
): string | undefined {
  for (const node of world.nodes.filter((n) => world.up(n))) {
    const got = listed(node);
    const missing = expected.filter((l) => !got.includes(l));
    const extra = got.filter((l) => !expected.includes(l));
    if (missing.length > 0 || extra.length > 0)
      return `${node} lists ${got.length} ${noun}, live nodes own ${expected.length}; missing [${missing.slice(0, 3).join('; ')}], extra [${extra.slice(0, 3).join('; ')}]`;
  }
  return undefined;
}

function listMismatch(world: WorldView): string | undefined {
  const expected = ownedLines(world, 'tracked', 'untracked', (f) => f.args[2] as string);
  return listMismatchOf(world, expected, (node) => listedLines(world, node, false), 'entries');
}

/** Liveness: every node is up and lists exactly what the live nodes track. */
export const presenceConverges: Liveness = {
  name: 'presence-converges',
  holds: (world) => world.nodes.every((n) => world.up(n)) && listMismatch(world) === undefined,
};

/** Final: every live node lists exactly what the live nodes track (differences named). */
export const presenceListsExpected: FinalCheck = {
  name: 'presence-lists-expected',
  check: listMismatch,
};

function decodeEntries(topic: string, json: string): PresenceEntry[] {
  return (JSON.parse(json) as FactEntry[]).map(([node, key, replica, meta]) => ({
    topic,
    node,
    key,
    replica,
    meta: Object.fromEntries(JSON.parse(meta) as [string, string][]),
  }));
}

/** A `presence-diff` fact as a diff. */
function diffOfFact(f: FactRecord): TopicDiff {
  const topic = f.args[0] as string;
  return {
    topic,
    joins: decodeEntries(topic, f.args[1] as string),
    leaves: decodeEntries(topic, f.args[2] as string),
  };
}

/** Final: each live node's diffs, replayed from empty, give its final list. */
export const diffsReplay: FinalCheck = {
  name: 'diffs-replay',
  check(world) {
    for (const node of world.nodes.filter((n) => world.up(n))) {
      let view: PresenceView = new Map();
      for (const f of sinceStart(world, node)) {
        if (f.name !== 'presence-diff') continue;
        try {
          view = applyDiffs(view, [diffOfFact(f)]);
        } catch (e) {
          return `${node}: diff at ${f.time} ms does not apply: ${(e as Error).message}`;
        }
      }
      const replayed = viewLines(view);
      const listed = listedLines(world, node, true);
      if (replayed.join('\n') !== listed.join('\n'))
        return `${node}: replayed diffs give ${replayed.length} entries, it lists ${listed.length} (first replayed: ${replayed[0] ?? '-'}; first listed: ${listed[0] ?? '-'})`;
    }
    return undefined;
  },
};

/** Crash-removal measurement of one run. */
export interface CrashRemoval {
  /** For each (crash, other node listing the crashed node's entries at the crash): ms until the
   * last of them left that node's list. */
  readonly delaysMs: number[];
  /** Such entries still listed at the end of the run (a violation). */
  readonly unremoved: string[];
}

/** Measures, from the plan's crashes and the nodes' `presence-diff` facts, how long entries of a
 * crashed node stayed listed elsewhere. Observers that restart before the removal are skipped
 * (their list was reset), and so are observers that crash at all in the plan. */
export function crashRemovalDelays(plan: FaultPlan, facts: readonly FactRecord[]): CrashRemoval {
  const delaysMs: number[] = [];
  const unremoved: string[] = [];
  const nodes = [...new Set(facts.filter((f) => f.name === 'presence-start').map((f) => f.node))];
  for (const fault of plan.faults) {
    if (fault.kind !== 'crash') continue;
    const crashed = fault.node;
    let replica: string | undefined;
    for (const f of facts) {
      if (f.time > fault.at) break;
      if (f.node === crashed && (f.name === 'presence-start' || f.name === 'presence-reincarnate'))
        replica = f.args[0] as string;
    }
    if (replica === undefined) continue;
    // An observer that crashes itself may be down at the crash: its list says nothing then.
    const crashing = new Set(plan.faults.flatMap((f) => (f.kind === 'crash' ? [f.node] : [])));
    for (const observer of nodes.filter((n) => n !== crashed && !crashing.has(n))) {
      let held = new Set<string>();
      let measuring = false;
      let done = false;
      for (const f of facts) {
        if (f.node !== observer) continue;
        if (f.name === 'presence-start') {
          held = new Set();
          if (measuring) {
            measuring = false;
            done = true; // the observer restarted: its list was reset, not measured
            break;
          }
        }
        if (!measuring && f.time >= fault.at) {
          if (held.size === 0) {
            done = true;
            break;
          }
          measuring = true;
        }
        if (f.name !== 'presence-diff') continue;
        const d = diffOfFact(f);
        for (const e of d.leaves) if (e.replica === replica) held.delete(`${d.topic} ${e.key}`);
        for (const e of d.joins) if (e.replica === replica) held.add(`${d.topic} ${e.key}`);
        if (measuring && held.size === 0) {
          delaysMs.push(f.time - fault.at);
          done = true;
          break;
        }
      }
      if (!done && (measuring || held.size > 0))
        unremoved.push(
          `${observer} still lists ${held.size} entries of ${replica} (crashed at ${fault.at} ms)`,
        );
    }
  }
  return { delaysMs, unremoved };
}
