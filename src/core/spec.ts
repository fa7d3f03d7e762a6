import type { FaultPlan } from './fault.js';
import { validateFaultPlan } from './fault.js';
import type { Guarantees } from './guarantee.js';
import { ENVIRONMENT, type NodeId, nodeIdProblem } from './ids.js';
import type { ProcessFactory } from './process.js';

/**
 * The synchronous-rounds model (Molly parity): ticks 1..eot; a message sent at tick t arrives at
 * t+1 or is lost; nothing is delayed or reordered; outcomes are read at `eot`.
 */
export interface SyncTimeModel {
  readonly model: 'sync';
  /** End of time: the last tick (Molly's EOT). */
  readonly eot: number;
}

/** Message latency in the asynchronous model, in ms. */
export type LatencyDistribution =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** `minMs` plus an exponential tail of mean `meanMs` (capped at 100× the mean). */
  | { readonly kind: 'exponential'; readonly minMs: number; readonly meanMs: number };

/** The asynchronous network. */
export interface NetworkOptions {
  /** Default: uniform 1–10 ms. */
  readonly latency?: LatencyDistribution;
  /** Deliver each link's messages in send order. Default false: random latency reorders. */
  readonly fifo?: boolean;
}

/** The asynchronous model: virtual ms, latency distributions, reordering. */
export interface AsyncTimeModel {
  readonly model: 'async';
  /** Length of the safety phase in ms: faults act in [0, horizonMs). If the spec has liveness
   * guarantees, all faults heal at `horizonMs` and the liveness phase follows. */
  readonly horizonMs: number;
  readonly network?: NetworkOptions;
}

export type TimeModel = SyncTimeModel | AsyncTimeModel;

/** A message injected from outside at a given time (Molly's `bcast("a","hello")@1`). */
export interface Input<M> {
  /** Delivery time (tick or ms). */
  readonly at: number;
  readonly to: NodeId;
  readonly msg: M;
}

/** Workload clients: processes that issue operations and record them in the history. */
export interface Clients<M> {
  readonly ids: readonly NodeId[];
  readonly process: ProcessFactory<M>;
}

/** Swarm testing (FoundationDB/TigerBeetle): per seed, fault probabilities are drawn and a fault
 * plan is generated from them; `buggify` sites are activated. Every field has a default. */
export interface SwarmOptions {
  /** Fault kinds the swarm may draw. Default: every kind the time model supports. */
  readonly kinds?: readonly (
    | 'crash'
    | 'partition'
    | 'one-way-partition'
    | 'clog'
    | 'loss'
    | 'duplicate'
    | 'clock'
    | 'disk'
    | 'corrupt'
    | 'omission'
  )[];
  /** Most faults in one generated plan. Default 8. */
  readonly faultsMax?: number;
  /** Crash mode of generated crashes. Default: `restart` (async), `send-omission` (sync). */
  readonly crashMode?: 'send-omission' | 'stop' | 'restart';
  /** Most nodes crashed by one plan. Default: a minority, ⌊(n−1)/2⌋ (at least 1). */
  readonly crashesMax?: number;
  /** Probability that a buggify site is active in a run. Default 0.25. */
  readonly buggifyActivation?: number;
  /** Probability that an active site fires each time it is reached. Default 0.25. */
  readonly buggifyFire?: number;
}

/** How faults enter runs. */
export interface FaultSettings {
  /** Faults injected in every run (before swarm faults). Default: none. */
  readonly plan?: FaultPlan;
  /** Draw a fault plan from each seed. Default: off. `true` means all defaults. */
  readonly swarm?: SwarmOptions | boolean;
  /** Asynchronous model with liveness guarantees: how long after the heal (at `horizonMs`) they
   * may take to hold, in ms. Default {@link DEFAULT_LIVENESS_BOUND_MS}. */
  readonly livenessBoundMs?: number;
}

/** Bounds that keep a run from running forever. */
export interface Limits {
  /** Most events one run may process; exceeding it fails the run clearly. Default 5,000,000. */
  readonly eventsMax?: number;
}

/** Settings for lineage-driven fault injection (`cadre verify`). */
export interface LdfiSettings {
  /** Default end of time for `cadre verify` (Molly's EOT). Default: the spec's `time.eot`. */
  readonly eot?: number;
  /** Default end of finite failures (Molly's EFF). Default 0 (fail-stop). */
  readonly eff?: number;
  /** Default crash budget. Default 0. */
  readonly crashes?: number;
  /** Groups of interchangeable nodes: LDFI runs one fault set per class of node permutations
   * within these groups. Only declare nodes the process code treats alike. Default: none. */
  readonly symmetry?: readonly (readonly NodeId[])[];
  /** `tracked` (default): events depend on the tracked state they read. `pcausal`: each event also
   * depends on its node's previous event — for processes that keep state in plain fields. */
  readonly precision?: 'tracked' | 'pcausal';
  /** Molly's negative support (default true): see `VerifyOptions.negativeSupport`. Turn it off
   * only for a monotone `post` (no negation, no "no other value" clauses). */
  readonly negativeSupport?: boolean;
}

/** A simulation spec: what to run and what must hold. Build it with {@link defineSpec}. */
export interface Spec<M = unknown> {
  readonly name: string;
  readonly description?: string;
  /** Server node ids, in order. */
  readonly nodes: readonly NodeId[];
  /** Creates a node's process (at start and at every restart). */
  readonly process: ProcessFactory<M>;
  readonly time: TimeModel;
  readonly inputs?: readonly Input<M>[];
  readonly clients?: Clients<M>;
  readonly guarantees?: Guarantees;
  readonly faults?: FaultSettings;
  readonly limits?: Limits;
  readonly ldfi?: LdfiSettings;
}

/** Liveness bound when the spec gives none: 10 seconds of virtual time. */
export const DEFAULT_LIVENESS_BOUND_MS = 10_000;
/** Event budget when the spec gives none. */
export const DEFAULT_EVENTS_MAX = 5_000_000;

/** Thrown for an invalid spec; the message names the spec and the field. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
}

/**
 * Validates and returns a spec (identity on valid input, so specs stay plain data). Throws
 * {@link SpecError} naming the spec and the offending field.
 */
export function defineSpec<M>(spec: Spec<M>): Spec<M> {
  const fail = (field: string, what: string): never => {
    throw new SpecError(`spec ${JSON.stringify(spec?.name ?? '?')}: ${field}: ${what}`);
  };
  if (spec === null || typeof spec !== 'object') throw new SpecError('spec must be an object');
  if (typeof spec.name !== 'string' || spec.name.length === 0)
    fail('name', 'must be a non-empty string');
  if (!Array.isArray(spec.nodes) || spec.nodes.length === 0)
    fail('nodes', 'must be a non-empty array');
  const all = new Set<NodeId>();
  const addId = (id: unknown, field: string) => {
    const problem = nodeIdProblem(id);
    if (problem !== undefined) fail(field, problem);
    if (all.has(id as NodeId)) fail(field, `duplicate node id ${JSON.stringify(id)}`);
    all.add(id as NodeId);
  };
  spec.nodes.forEach((id, i) => {
    addId(id, `nodes[${i}]`);
  });
  if (typeof spec.process !== 'function') fail('process', 'must be a function (id) => Process');
  if (spec.clients !== undefined) {
    if (!Array.isArray(spec.clients.ids)) fail('clients.ids', 'must be an array of node ids');
    spec.clients.ids.forEach((id, i) => {
      addId(id, `clients.ids[${i}]`);
    });
    if (typeof spec.clients.process !== 'function') fail('clients.process', 'must be a function');
  }
  const time = spec.time as TimeModel | undefined;
  if (time === undefined || (time.model !== 'sync' && time.model !== 'async')) {
    fail('time.model', 'must be "sync" or "async"');
  } else if (time.model === 'sync') {
    if ((spec.guarantees?.liveness ?? []).length > 0) {
      fail(
        'guarantees.liveness',
        'needs the asynchronous model: the synchronous model has no heal and no liveness phase',
      );
    }
    if (!Number.isInteger(time.eot) || time.eot < 1)
      fail('time.eot', `must be a whole tick >= 1, got ${time.eot}`);
  } else {
    if (!(time.horizonMs > 0) || !Number.isFinite(time.horizonMs)) {
      fail('time.horizonMs', `must be a finite number > 0, got ${time.horizonMs}`);
    }
    checkLatency(time.network?.latency, fail);
  }
  (spec.inputs ?? []).forEach((input, i) => {
    if (!all.has(input.to)) fail(`inputs[${i}].to`, `unknown node ${JSON.stringify(input.to)}`);
    if (!(input.at >= 0) || !Number.isFinite(input.at))
      fail(`inputs[${i}].at`, 'must be a finite time >= 0');
    if (time?.model === 'sync' && (!Number.isInteger(input.at) || input.at < 1)) {
      fail(`inputs[${i}].at`, `the synchronous model needs a whole tick >= 1, got ${input.at}`);
    }
  });
  if (spec.faults?.plan !== undefined && time !== undefined) {
    try {
      validateFaultPlan(spec.faults.plan, [...all], time.model);
    } catch (e) {
      fail('faults.plan', (e as Error).message);
    }
  }
  const bound = spec.faults?.livenessBoundMs;
  if (bound !== undefined && !(bound > 0 && Number.isFinite(bound)))
    fail('faults.livenessBoundMs', 'must be > 0');
  const eventsMax = spec.limits?.eventsMax;
  if (eventsMax !== undefined && !(Number.isInteger(eventsMax) && eventsMax > 0)) {
    fail('limits.eventsMax', 'must be a whole number > 0');
  }
  if (all.has(ENVIRONMENT)) fail('nodes', `${ENVIRONMENT} is reserved`);
  return spec;
}

function checkLatency(
  latency: LatencyDistribution | undefined,
  fail: (f: string, w: string) => never,
): void {
  if (latency === undefined) return;
  const ok = (v: number) => Number.isFinite(v) && v >= 0;
  switch (latency.kind) {
    case 'fixed':
      if (!ok(latency.ms)) fail('time.network.latency.ms', 'must be a finite number >= 0');
      return;
    case 'uniform':
      if (!ok(latency.minMs) || !ok(latency.maxMs) || latency.maxMs < latency.minMs) {
        fail('time.network.latency', 'uniform needs 0 <= minMs <= maxMs');
      }
      return;
    case 'exponential':
      if (!ok(latency.minMs) || !(latency.meanMs > 0))
        fail('time.network.latency', 'exponential needs minMs >= 0, meanMs > 0');
      return;
    default:
      fail('time.network.latency.kind', 'must be fixed, uniform or exponential');
  }
}

/**
 * The spec with its end of time replaced: the last tick (synchronous model) or the horizon in ms
 * (asynchronous). This is how `cadre verify` runs a spec at a chosen EOT, and how `cadre replay
 * --eot` reproduces those runs; everything else, buggify settings included, stays as written.
 */
export function withEndOfTime<M>(spec: Spec<M>, eot: number): Spec<M> {
  const time: TimeModel =
    spec.time.model === 'sync' ? { model: 'sync', eot } : { ...spec.time, horizonMs: eot };
  return defineSpec({ ...spec, time });
}
