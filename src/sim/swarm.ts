import type { Fault, FaultPlan } from '../core/fault.js';
import type { NodeId } from '../core/ids.js';
import type { Spec, SwarmOptions } from '../core/spec.js';
import { Prng } from './prng.js';

type SwarmKind = NonNullable<SwarmOptions['kinds']>[number];

const asyncKinds: readonly SwarmKind[] = [
  'crash',
  'partition',
  'one-way-partition',
  'clog',
  'loss',
  'duplicate',
  'clock',
  'disk',
  'corrupt',
];
const syncKinds: readonly SwarmKind[] = ['omission', 'crash'];

/** The swarm settings of a spec with defaults filled in, or undefined when swarm mode is off. */
export function swarmOptions(spec: Spec<unknown>): SwarmOptions | undefined {
  const s = spec.faults?.swarm;
  if (s === undefined || s === false) return undefined;
  return s === true ? {} : s;
}

/**
 * Swarm testing: draws a fault plan from the seed. First the seed picks which fault kinds are on
 * in this run (each with probability ½, so runs differ in *kind* of trouble, not just amount), then
 * how many faults, then each fault's shape and times. Deterministic in (spec, seed).
 */
export function generateSwarmPlan(
  spec: Spec<unknown>,
  seed: number,
  options: SwarmOptions,
): FaultPlan {
  const rng = Prng.derive(seed, 'swarm');
  const sync = spec.time.model === 'sync';
  const end = spec.time.model === 'sync' ? spec.time.eot : spec.time.horizonMs;
  const allowed = (options.kinds ?? (sync ? syncKinds : asyncKinds)).filter((k) =>
    sync ? syncKinds.includes(k) : asyncKinds.includes(k),
  );
  const enabled = allowed.filter(() => rng.chance(0.5));
  if (enabled.length === 0 && allowed.length > 0) enabled.push(rng.pick(allowed));
  const nodes = spec.nodes;
  const crashesMax = options.crashesMax ?? Math.max(1, Math.floor((nodes.length - 1) / 2));
  const count = rng.int(0, options.faultsMax ?? 8);
  const crashed = new Set<NodeId>();
  const faults: Fault[] = [];
  const time = () => (sync ? rng.int(1, Math.max(1, end - 1)) : Math.floor(rng.next() * end));
  const until = (at: number) => Math.min(end, at + Math.floor(rng.next() * (end / 4)) + 1);
  for (let i = 0; i < count && enabled.length > 0; i++) {
    const kind = rng.pick(enabled);
    const at = time();
    switch (kind) {
      case 'omission': {
        if (nodes.length < 2) break;
        const from = rng.pick(nodes);
        const to = rng.pick(nodes.filter((n) => n !== from));
        faults.push({ kind: 'omission', from, to, at });
        break;
      }
      case 'crash': {
        const candidates = crashed.size < crashesMax ? nodes : [...crashed];
        const node = rng.pick(candidates);
        if (crashed.has(node)) break; // one crash per node per plan (Molly: one crash time)
        crashed.add(node);
        const mode = options.crashMode ?? (sync ? 'send-omission' : 'restart');
        if (mode === 'restart' && rng.chance(0.7)) {
          faults.push({ kind: 'crash', node, at, mode, restartAt: until(at) + 1 });
        } else faults.push({ kind: 'crash', node, at, mode });
        break;
      }
      case 'partition': {
        if (nodes.length < 2) break;
        const shuffled = shuffle(nodes, rng);
        const cut = rng.int(1, nodes.length - 1);
        faults.push({
          kind: 'partition',
          groups: [shuffled.slice(0, cut), shuffled.slice(cut)],
          at,
          until: until(at),
        });
        break;
      }
      case 'one-way-partition': {
        if (nodes.length < 2) break;
        const shuffled = shuffle(nodes, rng);
        const cut = rng.int(1, nodes.length - 1);
        faults.push({
          kind: 'one-way-partition',
          from: shuffled.slice(0, cut),
          to: shuffled.slice(cut),
          at,
          until: until(at),
        });
        break;
      }
      case 'clog': {
        if (nodes.length < 2) break;
        const from = rng.pick(nodes);
        const to = rng.pick(nodes.filter((n) => n !== from));
        faults.push({ kind: 'clog', from, to, at, until: until(at) });
        break;
      }
      case 'loss':
        faults.push({
          kind: 'loss',
          probability: round3(0.05 + rng.next() * 0.45),
          at,
          until: until(at),
        });
        break;
      case 'duplicate':
        faults.push({
          kind: 'duplicate',
          probability: round3(0.05 + rng.next() * 0.3),
          at,
          until: until(at),
        });
        break;
      case 'clock':
        faults.push({
          kind: 'clock',
          node: rng.pick(nodes),
          at,
          offsetMs: rng.int(-500, 500),
          driftPpm: rng.int(-2000, 2000),
        });
        break;
      case 'disk':
        faults.push({
          kind: 'disk',
          node: rng.pick(nodes),
          fault: rng.chance(0.5) ? 'unsynced' : 'full',
          at,
          until: until(at),
        });
        break;
      case 'corrupt':
        faults.push({ kind: 'corrupt', node: rng.pick(nodes), at, index: rng.int(0, 1000) });
        break;
    }
  }
  faults.sort((a, b) => faultTime(a) - faultTime(b));
  return { faults };
}

function faultTime(f: Fault): number {
  return f.kind === 'drop' ? 0 : f.at;
}

function shuffle<T>(items: readonly T[], rng: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * FoundationDB's BUGGIFY, two-level: a site is activated once per run with probability
 * `activation`; an active site fires each time it is reached with probability `fire`. Both draws
 * come from streams fixed by (seed, site), so runs replay exactly.
 */
export class Buggify {
  readonly #active = new Map<string, boolean>();
  readonly #fire: Prng;

  constructor(
    readonly seed: number,
    readonly activation: number,
    readonly fireProbability: number,
  ) {
    this.#fire = Prng.derive(seed, 'buggify-fire');
  }

  /** Whether `site` fires now. */
  check(site: string): boolean {
    let active = this.#active.get(site);
    if (active === undefined) {
      active = Prng.derive(this.seed, `buggify:${site}`).chance(this.activation);
      this.#active.set(site, active);
    }
    return active && this.#fire.chance(this.fireProbability);
  }

  /** Sites reached in this run and whether each was active (for reports). */
  sites(): ReadonlyMap<string, boolean> {
    return this.#active;
  }
}
