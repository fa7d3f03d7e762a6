import { assert } from '../core/assert.js';
import { checkTimerArgs } from '../core/context-args.js';
import { ContextUsageError, SimulationError } from '../core/errors.js';
import type { Fact, FactRecord } from '../core/fact.js';
import { type Fault, type FaultPlan, NO_FAULTS, validateFaultPlan } from '../core/fault.js';
import type { WorldView } from '../core/guarantee.js';
import type { HistoryEvent, OpValue } from '../core/history.js';
import { ENVIRONMENT, type NodeId } from '../core/ids.js';
import {
  DEFAULT_EVENTS_MAX,
  DEFAULT_LIVENESS_BOUND_MS,
  type LatencyDistribution,
  type Spec,
} from '../core/spec.js';
import { type Tuple, tupleKey } from '../core/value.js';
import type { OrderedKVReader } from '../storage/ordered-kv.js';
import { EventQueue, type Scheduled } from './event-queue.js';
import { FactLog } from './fact-log.js';
import { Prng } from './prng.js';
import type { RunResult, RunStats, Violation } from './result.js';
import { createContext, type SimHost, SimNode } from './sim-context.js';
import { type DiskObserver, SimDisk } from './sim-disk.js';
import { SimMemory } from './sim-memory.js';
import { Buggify, generateSwarmPlan, swarmOptions } from './swarm.js';
import { type EventKind, type LossReason, Trace } from './trace.js';

/** Options of one run. */
export interface RunOptions {
  /** The seed: fixes every random choice of the run. */
  readonly seed: number;
  /** Run exactly these faults (replay, shrinking, LDFI) instead of the spec's plan plus swarm. */
  readonly plan?: FaultPlan;
  /** Record the full trace. Default false (faster; facts, history and checks still work). */
  readonly trace?: boolean;
  /** LDFI's good outcomes: per pre/post guarantee, the failure-free run's `post` tuple keys. When
   * given, only those tuples count (Molly's `isGood`); otherwise every `pre` tuple must be in
   * `post`. */
  readonly goodOutcomes?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Override the spec's event budget. */
  readonly eventsMax?: number;
}

// Kinds of scheduled work.
const DELIVER = 0;
const TIMER = 1;
const INIT = 2;
const FAULT_ON = 3;
const FAULT_OFF = 4;
const RESTART = 5;
const HEAL = 6;

/** Phases order work within one instant (synchronous model: faults, deliveries, timers). */
const PHASE_FAULT = 0;
const PHASE_DELIVER = 1;
const PHASE_TIMER = 2;

class Item implements Scheduled {
  seq = 0;
  constructor(
    public time: number,
    public phase: number,
    readonly kind: number,
    readonly node: number,
    /** DELIVER: sender index (−1 for inputs); TIMER: generation; FAULT_*: fault index. */
    readonly from: number,
    /** DELIVER: payload; TIMER: timer name. */
    readonly payload: unknown,
    /** DELIVER: trace message id (−1 untraced); TIMER: incarnation. */
    readonly ref: number,
  ) {}
}

/** Runs one simulation of `spec` with `options`: a pure function of (spec, seed, plan). */
export function runSimulation<M>(spec: Spec<M>, options: RunOptions): RunResult {
  const result = new Simulator(spec, options).run();
  if (shapeAnchor.length === 0) shapeAnchor.push(...makeShapeAnchor());
  return result;
}

/**
 * Keeps the hidden classes (V8 "maps") of the simulator's own objects alive for the life of the
 * process. V8 holds the maps that class fields create only weakly: when every object of a run is
 * garbage and a full GC happens before the next run (a harness that calls gc() between runs, or
 * any idle time with no simulator alive), they are collected, the next run builds fresh ones, and
 * each inline cache on the hot path sees yet another shape. After a few runs those caches go
 * megamorphic and throughput falls 1.5–2.5× (measured with bench/sim-throughput.ts). Two tiny
 * simulators (untraced and traced), built once and never run, pin those maps. They hold no run
 * state and draw nothing from any run's PRNG streams, so results are unaffected.
 */
const shapeAnchor: unknown[] = [];

function makeShapeAnchor(): readonly unknown[] {
  const spec: Spec<unknown> = {
    name: 'shape-anchor',
    nodes: ['a'],
    process: () => ({ init() {}, receive() {}, timer() {} }),
    time: { model: 'async', horizonMs: 1 },
  };
  return [new Simulator(spec, { seed: 0 }), new Simulator(spec, { seed: 0, trace: true })];
}

class Simulator<M> implements SimHost<M> {
  readonly spec: Spec<M>;
  readonly seed: number;
  readonly plan: FaultPlan;
  readonly sync: boolean;
  readonly nodes: SimNode<M>[] = [];
  readonly nodeIds: readonly NodeId[];
  readonly serverIds: readonly NodeId[];
  readonly #index = new Map<NodeId, number>();
  readonly #queue = new EventQueue<Item>();
  readonly #facts = new FactLog();
  readonly #history: HistoryEvent[] = [];
  readonly #trace: Trace | undefined;
  readonly #net: Prng;
  readonly #buggify: Buggify | undefined;
  readonly #stats: RunStats = {
    events: 0,
    deliveries: 0,
    timers: 0,
    messagesSent: 0,
    messagesLost: 0,
    messagesDuplicated: 0,
    crashes: 0,
    restarts: 0,
  };
  readonly #eventsMax: number;
  readonly #latency: LatencyDistribution;
  readonly #fifo: boolean;
  readonly #n: number;
  // Link state (n × n, row = sender).
  readonly #cut: Int32Array;
  readonly #clogUntil: Float64Array;
  readonly #lastDelivery: Float64Array;
  readonly #omissions = new Set<number>();
  readonly #drops = new Set<number>();
  readonly #activeLoss: Fault[] = [];
  readonly #activeDup: Fault[] = [];
  #now = 0;
  #end: number;
  #healed = false;
  readonly #healAt: number;
  #current: SimNode<M> | undefined;
  #currentEvent = -1;
  readonly #violations: Violation[] = [];
  readonly #livenessPending: Set<string>;
  readonly world: WorldView;
  readonly #goodOutcomes: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  #prePostCache: { pre: Map<string, Tuple[]>; post: Map<string, Tuple[]> } | undefined;

  constructor(spec: Spec<M>, options: RunOptions) {
    this.spec = spec;
    this.seed = options.seed;
    this.#goodOutcomes = options.goodOutcomes;
    if (!Number.isSafeInteger(options.seed)) {
      throw new SimulationError(`seed must be a safe integer, got ${options.seed}`, {
        spec: spec.name,
        seed: 0,
      });
    }
    this.sync = spec.time.model === 'sync';
    const clients = spec.clients?.ids ?? [];
    this.serverIds = [...spec.nodes];
    this.nodeIds = [...spec.nodes, ...clients];
    this.#n = this.nodeIds.length;
    this.nodeIds.forEach((id, i) => {
      this.#index.set(id, i);
    });
    this.plan = this.#resolvePlan(options);
    const traced = options.trace === true;
    this.#trace = traced
      ? new Trace(
          {
            spec: spec.name,
            seed: this.seed,
            model: spec.time.model,
            nodes: this.serverIds,
            clients,
            plan: this.plan,
          },
          this.#facts.all,
        )
      : undefined;
    this.#net = Prng.derive(this.seed, 'network');
    const swarm = swarmOptions(spec as Spec<unknown>);
    this.#buggify =
      swarm === undefined
        ? undefined
        : new Buggify(this.seed, swarm.buggifyActivation ?? 0.25, swarm.buggifyFire ?? 0.25);
    this.#eventsMax = options.eventsMax ?? spec.limits?.eventsMax ?? DEFAULT_EVENTS_MAX;
    const network = spec.time.model === 'async' ? spec.time.network : undefined;
    this.#latency = network?.latency ?? { kind: 'uniform', minMs: 1, maxMs: 10 };
    this.#fifo = network?.fifo === true;
    this.#cut = new Int32Array(this.#n * this.#n);
    this.#clogUntil = new Float64Array(this.#n * this.#n);
    this.#lastDelivery = new Float64Array(this.#n * this.#n);
    const liveness = spec.guarantees?.liveness ?? [];
    this.#livenessPending = new Set(liveness.map((l) => l.name));
    if (spec.time.model === 'sync') {
      this.#healAt = Number.POSITIVE_INFINITY;
      this.#end = spec.time.eot;
    } else {
      this.#healAt = liveness.length > 0 ? spec.time.horizonMs : Number.POSITIVE_INFINITY;
      this.#end = spec.time.horizonMs;
    }
    this.world = this.#makeWorld();
    for (const id of this.nodeIds) this.#createNode(id);
  }

  run(): RunResult {
    let error: string | undefined;
    try {
      this.#schedulePlan();
      this.#scheduleStart();
      this.#loop();
    } catch (e) {
      if (!(e instanceof SimulationError)) throw e;
      error = e.message;
    }
    if (error === undefined && this.#violations.length === 0) {
      // A checker that throws is a bug in the spec: the run's verdict is unknown (an error).
      try {
        this.#checkEnd();
      } catch (e) {
        if (!(e instanceof SimulationError)) throw e;
        error = e.message;
      }
    }
    this.#finishTrace();
    const status = error !== undefined ? 'error' : this.#violations.length > 0 ? 'fail' : 'pass';
    const { pre, post } = this.#prePostTuplesOrEmpty();
    return {
      spec: this.spec.name,
      seed: this.seed,
      plan: this.plan,
      status,
      violations: this.#violations,
      ...(error === undefined ? {} : { error }),
      endTime: this.#now,
      stats: this.#stats,
      facts: this.#facts.all,
      history: this.#history,
      world: this.world,
      crashed: this.nodes.filter((n) => n.crashedEver).map((n) => n.id),
      ...(this.#trace === undefined ? {} : { trace: this.#trace }),
      preTuples: pre,
      postTuples: post,
    };
  }

  // ---- setup -------------------------------------------------------------------------------

  #resolvePlan(options: RunOptions): FaultPlan {
    const where = { spec: this.spec.name, seed: this.seed };
    let plan: FaultPlan;
    if (options.plan !== undefined) plan = options.plan;
    else {
      const fixed = this.spec.faults?.plan?.faults ?? [];
      const swarm = swarmOptions(this.spec as Spec<unknown>);
      const drawn =
        swarm === undefined
          ? []
          : generateSwarmPlan(this.spec as Spec<unknown>, this.seed, swarm).faults;
      plan =
        fixed.length === 0 && drawn.length === 0 ? NO_FAULTS : { faults: [...fixed, ...drawn] };
    }
    try {
      return validateFaultPlan(plan, this.nodeIds, this.spec.time.model);
    } catch (e) {
      throw new SimulationError(`invalid fault plan: ${(e as Error).message}`, where);
    }
  }

  #createNode(id: NodeId): void {
    const index = this.nodes.length;
    const observer = this.#observer('s');
    const node = new SimNode<M>(
      index,
      id,
      index >= this.serverIds.length,
      new SimDisk(id, observer),
      Prng.derive(this.seed, `node:${id}`),
      this.#n,
    );
    node.disk.guard = (what) => this.checkInHandler(node, what);
    this.nodes.push(node);
    this.#freshIncarnation(node);
  }

  /** A new process, memory and context for `node` (at start and at restart). */
  #freshIncarnation(node: SimNode<M>): void {
    node.memory = new SimMemory(node.id, this.#observer('m'));
    node.memory.guard = (what) => this.checkInHandler(node, what);
    const factory = node.isClient
      ? (this.spec.clients?.process as Spec<M>['process'])
      : this.spec.process;
    try {
      node.process = factory(node.id);
    } catch (e) {
      throw new SimulationError(
        `process factory threw for ${node.id}: ${describeError(e)}`,
        { spec: this.spec.name, seed: this.seed, node: node.id, time: this.#now },
        { cause: e },
      );
    }
    node.ctx = createContext(this, node, this.serverIds);
  }

  #observer(store: 's' | 'm'): DiskObserver | undefined {
    const trace = this.#trace;
    if (trace === undefined) return undefined;
    return {
      read: (key, writer) => trace.addRead(store, key, writer),
      write: (key, sameAs) => trace.addWrite(store, key, sameAs),
    };
  }

  #scheduleStart(): void {
    const t0 = this.sync ? 1 : 0;
    for (const node of this.nodes)
      this.#queue.push(new Item(t0, PHASE_DELIVER, INIT, node.index, -1, null, -1));
    for (const input of this.spec.inputs ?? []) {
      const to = this.#index.get(input.to) as number;
      const msgId = this.#trace === undefined ? -1 : this.#trace.addMessage(-1, to, input.msg);
      this.#queue.push(new Item(input.at, PHASE_DELIVER, DELIVER, to, -1, input.msg, msgId));
    }
    if (Number.isFinite(this.#healAt)) {
      this.#queue.push(new Item(this.#healAt, PHASE_FAULT, HEAL, -1, -1, null, -1));
    }
  }

  #schedulePlan(): void {
    this.plan.faults.forEach((f, i) => {
      switch (f.kind) {
        case 'omission':
          this.#omissions.add(this.#omissionKey(this.#idx(f.from), this.#idx(f.to), f.at));
          return;
        case 'drop':
          this.#drops.add(this.#dropKey(this.#idx(f.from), this.#idx(f.to), f.index));
          return;
        case 'crash':
          if (f.at <= this.#end)
            this.#queue.push(new Item(f.at, PHASE_FAULT, FAULT_ON, this.#idx(f.node), i, f, -1));
          return;
        case 'clock':
        case 'corrupt':
          this.#queue.push(new Item(f.at, PHASE_FAULT, FAULT_ON, -1, i, f, -1));
          return;
        default: {
          this.#queue.push(new Item(f.at, PHASE_FAULT, FAULT_ON, -1, i, f, -1));
          const until = f.until;
          if (until !== undefined)
            this.#queue.push(new Item(until, PHASE_FAULT, FAULT_OFF, -1, i, f, -1));
        }
      }
    });
  }

  // ---- the loop ----------------------------------------------------------------------------

  #loop(): void {
    const queue = this.#queue;
    for (;;) {
      const item = queue.peek();
      if (item === undefined || item.time > this.#end) break;
      queue.pop();
      // The detail string is built only on failure: formatting two numbers per event is costly.
      if (!(item.time >= this.#now))
        assert(false, 'simulator: time never goes backwards', `${item.time} < ${this.#now}`);
      this.#now = item.time;
      switch (item.kind) {
        case DELIVER:
          this.#deliver(item);
          break;
        case TIMER:
          this.#fireTimer(item);
          break;
        case INIT:
          this.#init(item);
          break;
        case FAULT_ON:
          this.#faultOn(item.payload as Fault, item.node);
          break;
        case FAULT_OFF:
          this.#faultOff(item.payload as Fault);
          break;
        case RESTART:
          this.#restart(this.nodes[item.node] as SimNode<M>, item.ref);
          break;
        case HEAL:
          this.#heal();
          break;
      }
      if (this.#violations.length > 0) return;
      if (this.#healed && this.#livenessPending.size === 0) return;
    }
  }

  #deliver(item: Item): void {
    const node = this.nodes[item.node] as SimNode<M>;
    if (node.status !== 'up') {
      this.#lost(item.ref, 'receiver-down');
      return;
    }
    if (!this.sync && item.from >= 0 && this.#cut[item.from * this.#n + item.node] !== 0) {
      this.#lost(item.ref, 'partition');
      return;
    }
    this.#stats.deliveries++;
    const from = item.from < 0 ? ENVIRONMENT : (this.nodeIds[item.from] as NodeId);
    this.#runHandler(node, 'deliver', item.ref, DELIVER, from, item.payload);
    this.#trace?.messageDelivered(item.ref, this.#now);
  }

  #fireTimer(item: Item): void {
    const node = this.nodes[item.node] as SimNode<M>;
    const name = item.payload as string;
    if (
      node.status !== 'up' ||
      node.incarnation !== item.ref ||
      node.timers.get(name) !== item.from
    )
      return;
    node.timers.delete(name);
    this.#stats.timers++;
    const cause = node.timerCause.get(name) ?? -1;
    this.#runHandler(node, 'timer', name, TIMER, name, null, cause);
  }

  #init(item: Item): void {
    const node = this.nodes[item.node] as SimNode<M>;
    if (node.status !== 'up') return;
    this.#runHandler(node, 'init', null, INIT, null, null);
  }

  /**
   * Runs one handler as one event: stamps writers, catches throws, syncs, checks invariants.
   * `call` picks the handler (DELIVER: `receive(ctx, arg, payload)`; TIMER: `timer(ctx, arg)`;
   * INIT: `init(ctx)`, also at restart). Dispatching here rather than taking a closure saves an
   * allocation and an indirect call per event, the simulator's hottest path.
   */
  #runHandler(
    node: SimNode<M>,
    kind: EventKind,
    trigger: number | string | null,
    call: number,
    arg: NodeId | string | null,
    payload: unknown,
    cause = -1,
  ): void {
    const eventId = this.#beginEvent(node.index, kind, trigger, cause);
    node.disk.writer = eventId;
    node.memory.writer = eventId;
    this.#current = node;
    try {
      if (call === DELIVER) node.process.receive(node.ctx, arg as NodeId, payload as M);
      else if (call === TIMER) node.process.timer(node.ctx, arg as string);
      else node.process.init(node.ctx);
    } catch (e) {
      const problem =
        e instanceof ContextUsageError ? e.message : `handler ${kind} threw: ${describeError(e)}`;
      throw new SimulationError(problem, this.#where(node, eventId, kind), { cause: e });
    } finally {
      this.#current = undefined;
    }
    // Persist before send: the handler's writes become durable before its messages can arrive.
    // Its messages are already queued, but nothing is delivered before this event ends.
    node.disk.sync();
    this.#checkInvariants(eventId);
  }

  #beginEvent(node: number, kind: EventKind, trigger: number | string | null, cause = -1): number {
    const eventId = this.#stats.events++;
    if (eventId >= this.#eventsMax) {
      throw new SimulationError(
        `event budget of ${this.#eventsMax} events exhausted before the end of the run (an event storm?` +
          ' raise limits.eventsMax or shorten the run)',
        { spec: this.spec.name, seed: this.seed, time: this.#now },
      );
    }
    this.#currentEvent = eventId;
    this.#trace?.beginEvent(node, this.#now, kind, trigger, cause);
    return eventId;
  }

  #where(node: SimNode<M> | undefined, eventId: number, kind: string) {
    return {
      spec: this.spec.name,
      seed: this.seed,
      ...(node === undefined ? {} : { node: node.id }),
      eventId,
      eventKind: kind,
      time: this.#now,
    };
  }

  // ---- SimHost: what contexts call ---------------------------------------------------------

  checkInHandler(node: SimNode<M>, what: string): void {
    if (this.#current !== node) {
      const problem =
        `ctx.${what} called on ${node.id} outside one of its handlers` +
        ' (a callback kept after the handler returned?)';
      // Inside another node's handler: the handler wrapper adds that event's node, id and time.
      if (this.#current !== undefined) throw new ContextUsageError(problem);
      throw new SimulationError(problem, { spec: this.spec.name, seed: this.seed, node: node.id });
    }
  }

  send(node: SimNode<M>, to: NodeId, msg: M): void {
    this.checkInHandler(node, 'send');
    const r = this.#index.get(to);
    if (r === undefined) {
      throw new ContextUsageError(
        `send to unknown node ${JSON.stringify(to)} (nodes: ${this.nodeIds.join(', ')})`,
      );
    }
    const s = node.index;
    this.#stats.messagesSent++;
    const msgId = this.#trace === undefined ? -1 : this.#trace.addMessage(s, r, msg);
    const channelIndex = (node.channelSends[r] as number) + 0;
    node.channelSends[r] = channelIndex + 1;
    if (s !== r) {
      if (this.#now >= node.sendsBlockedFrom) {
        this.#lost(msgId, 'sender-crashed');
        return;
      }
      if (this.#drops.size > 0 && this.#drops.has(this.#dropKey(s, r, channelIndex as number))) {
        this.#lost(msgId, 'drop');
        return;
      }
    }
    const link = s * this.#n + r;
    if (s !== r) {
      if (this.#omissions.size > 0 && this.#omissions.has(this.#omissionKey(s, r, this.#now))) {
        this.#lost(msgId, 'omission');
        return;
      }
      if (this.#cut[link] !== 0) {
        this.#lost(msgId, 'partition');
        return;
      }
      if (this.#activeLoss.length > 0 && this.#lossHits(node.id, to)) {
        this.#lost(msgId, 'loss');
        return;
      }
    }
    if (this.sync) {
      this.#queue.push(new Item(this.#now + 1, PHASE_DELIVER, DELIVER, r, s, msg, msgId));
      return;
    }
    this.#queue.push(new Item(this.#arrival(link), PHASE_DELIVER, DELIVER, r, s, msg, msgId));
    if (this.#activeDup.length > 0 && s !== r && this.#dupHits()) {
      this.#stats.messagesDuplicated++;
      this.#queue.push(new Item(this.#arrival(link), PHASE_DELIVER, DELIVER, r, s, msg, msgId));
    }
  }

  setTimer(node: SimNode<M>, name: string, afterMs: number): void {
    this.checkInHandler(node, 'setTimer');
    checkTimerArgs(name, afterMs);
    let delay = afterMs;
    if (this.sync) {
      if (!Number.isInteger(afterMs) || afterMs < 1) {
        throw new ContextUsageError(
          `setTimer(${JSON.stringify(name)}): the synchronous model counts whole ticks >= 1, got ${afterMs}`,
        );
      }
    } else if (node.clock.driftPpm !== 0) {
      delay = afterMs / (1 + node.clock.driftPpm / 1e6);
    }
    const generation = ++node.timerGeneration;
    node.timers.set(name, generation);
    node.timerCause.set(name, this.#currentEvent);
    const phase = this.sync ? PHASE_TIMER : PHASE_DELIVER;
    this.#queue.push(
      new Item(this.#now + delay, phase, TIMER, node.index, generation, name, node.incarnation),
    );
  }

  cancelTimer(node: SimNode<M>, name: string): void {
    this.checkInHandler(node, 'cancelTimer');
    node.timers.delete(name);
  }

  emit(node: SimNode<M>, f: Fact): void {
    this.checkInHandler(node, 'emit');
    const record: FactRecord = {
      name: f.name,
      args: f.args,
      node: node.id,
      time: this.#now,
      eventId: this.#currentEvent,
    };
    this.#facts.add(record);
  }

  nodeNow(node: SimNode<M>): number {
    if (this.sync) return this.#now;
    const c = node.clock;
    if (c.offsetMs === 0 && c.driftPpm === 0) return this.#now;
    return this.#now + c.offsetMs + ((this.#now - c.since) * c.driftPpm) / 1e6;
  }

  buggify(site: string): boolean {
    if (this.#current === undefined)
      throw new ContextUsageError('buggify called outside a handler');
    return this.#buggify?.check(site) ?? false;
  }

  note(node: SimNode<M>, text: string): void {
    this.checkInHandler(node, 'log');
    this.#trace?.addNote(text);
  }

  historyInvoke(node: SimNode<M>, f: string, value: OpValue): number {
    if (typeof f !== 'string' || f.length === 0)
      throw new ContextUsageError('history.invoke: f must be a non-empty string');
    const index = this.#history.length;
    this.#history.push({ index, type: 'invoke', process: node.id, f, value, time: this.#now });
    return index;
  }

  historyComplete(
    node: SimNode<M>,
    handle: number,
    type: 'ok' | 'fail' | 'info',
    value: OpValue,
  ): void {
    const invoke = this.#history[handle] as HistoryEvent;
    this.#history.push({
      index: this.#history.length,
      type,
      process: node.id,
      f: invoke.f,
      value,
      time: this.#now,
      invokeIndex: handle,
    });
  }

  // ---- network -----------------------------------------------------------------------------

  #arrival(link: number): number {
    let t = this.#now + this.#sampleLatency();
    const clog = this.#clogUntil[link] as number;
    if (clog > t) t = clog;
    if (this.#fifo) {
      const last = this.#lastDelivery[link] as number;
      if (last > t) t = last;
      this.#lastDelivery[link] = t;
    }
    return t;
  }

  #sampleLatency(): number {
    const l = this.#latency;
    switch (l.kind) {
      case 'fixed':
        return l.ms;
      case 'uniform':
        return l.minMs + this.#net.next() * (l.maxMs - l.minMs);
      case 'exponential':
        return l.minMs + Math.min(this.#net.exponential(l.meanMs), 100 * l.meanMs);
    }
  }

  #lossHits(from: NodeId, to: NodeId): boolean {
    for (const f of this.#activeLoss) {
      if (f.kind !== 'loss') continue;
      if (f.from !== undefined && f.from !== from) continue;
      if (f.to !== undefined && f.to !== to) continue;
      if (this.#net.chance(f.probability)) return true;
    }
    return false;
  }

  #dupHits(): boolean {
    for (const f of this.#activeDup)
      if (f.kind === 'duplicate' && this.#net.chance(f.probability)) return true;
    return false;
  }

  #lost(msgId: number, reason: LossReason): void {
    this.#stats.messagesLost++;
    if (msgId >= 0) this.#trace?.messageLost(msgId, reason);
  }

  #omissionKey(s: number, r: number, t: number): number {
    return (s * this.#n + r) * 0x100000 + t;
  }

  #dropKey(s: number, r: number, index: number): number {
    return (s * this.#n + r) * 0x10000000 + index;
  }

  #idx(id: NodeId): number {
    return this.#index.get(id) as number;
  }

  // ---- faults ------------------------------------------------------------------------------

  #faultOn(f: Fault, nodeIndex: number): void {
    if (this.#healed) return; // faults scheduled after the heal never happen
    switch (f.kind) {
      case 'crash':
        this.#crash(this.nodes[nodeIndex] as SimNode<M>, f);
        return;
      case 'partition':
      case 'one-way-partition':
        this.#systemEvent('fault', describeShort(f));
        this.#applyCut(f, 1);
        return;
      case 'clog': {
        this.#systemEvent('fault', describeShort(f));
        const link = this.#idx(f.from) * this.#n + this.#idx(f.to);
        this.#clogUntil[link] = Math.max(this.#clogUntil[link] as number, f.until);
        return;
      }
      case 'loss':
        this.#systemEvent('fault', describeShort(f));
        this.#activeLoss.push(f);
        return;
      case 'duplicate':
        this.#systemEvent('fault', describeShort(f));
        this.#activeDup.push(f);
        return;
      case 'clock': {
        const node = this.nodes[this.#idx(f.node)] as SimNode<M>;
        this.#systemEvent('fault', describeShort(f), node.index);
        node.clock = { offsetMs: f.offsetMs, driftPpm: f.driftPpm ?? 0, since: this.#now };
        return;
      }
      case 'disk': {
        const node = this.nodes[this.#idx(f.node)] as SimNode<M>;
        this.#systemEvent('fault', describeShort(f), node.index);
        if (f.fault === 'full') node.disk.full = true;
        else node.disk.unsynced = true;
        return;
      }
      case 'corrupt': {
        const node = this.nodes[this.#idx(f.node)] as SimNode<M>;
        this.#systemEvent('fault', describeShort(f), node.index);
        const key = node.disk.corrupt(f.index);
        this.#trace?.addNote(
          key === undefined ? 'nothing to corrupt: storage empty' : `corrupted one record`,
        );
        return;
      }
      default:
        return;
    }
  }

  #faultOff(f: Fault): void {
    if (this.#healed) return;
    switch (f.kind) {
      case 'partition':
      case 'one-way-partition':
        this.#systemEvent('heal', describeShort(f));
        this.#applyCut(f, -1);
        return;
      case 'clog':
        // Clog end is already in clogUntil; nothing to undo.
        return;
      case 'loss':
        this.#removeActive(this.#activeLoss, f);
        return;
      case 'duplicate':
        this.#removeActive(this.#activeDup, f);
        return;
      case 'disk': {
        const node = this.nodes[this.#idx(f.node)] as SimNode<M>;
        this.#systemEvent('heal', describeShort(f), node.index);
        if (f.fault === 'full') node.disk.full = false;
        else {
          node.disk.unsynced = false;
          node.disk.sync();
        }
        return;
      }
      default:
        return;
    }
  }

  #removeActive(list: Fault[], f: Fault): void {
    const i = list.indexOf(f);
    if (i >= 0) list.splice(i, 1);
  }

  #applyCut(f: Fault, delta: 1 | -1): void {
    const n = this.#n;
    if (f.kind === 'partition') {
      const group = new Int32Array(n).fill(-1);
      f.groups.forEach((g, gi) => {
        for (const id of g) group[this.#idx(id)] = gi;
      });
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          const ga = group[a] as number;
          const gb = group[b] as number;
          if (ga >= 0 && gb >= 0 && ga !== gb) this.#addCut(a * n + b, delta);
        }
      }
    } else if (f.kind === 'one-way-partition') {
      for (const a of f.from)
        for (const b of f.to) if (a !== b) this.#addCut(this.#idx(a) * n + this.#idx(b), delta);
    }
  }

  #addCut(link: number, delta: number): void {
    const next = (this.#cut[link] as number) + delta;
    assert(next >= 0, 'simulator: a link is never healed more times than it was cut');
    this.#cut[link] = next;
  }

  #crash(node: SimNode<M>, f: Fault & { kind: 'crash' }): void {
    if (node.status !== 'up') return;
    const mode = f.mode ?? (this.sync ? 'send-omission' : 'restart');
    this.#stats.crashes++;
    node.crashedEver = true;
    this.#systemEvent('crash', mode, node.index);
    if (mode === 'send-omission') {
      node.sendsBlockedFrom = Math.min(node.sendsBlockedFrom, this.#now);
      return;
    }
    node.incarnation++;
    node.timers.clear();
    node.timerCause.clear();
    if (mode === 'stop') {
      node.status = 'stopped';
      return;
    }
    node.status = 'down';
    node.disk.crash();
    node.memory = new SimMemory(node.id, undefined);
    if (f.restartAt !== undefined) {
      this.#queue.push(
        new Item(f.restartAt, PHASE_FAULT, RESTART, node.index, -1, null, node.incarnation),
      );
    }
  }

  #restart(node: SimNode<M>, incarnation: number): void {
    if (node.status !== 'down' || node.incarnation !== incarnation) return;
    node.status = 'up';
    node.sendsBlockedFrom = Number.POSITIVE_INFINITY;
    this.#stats.restarts++;
    this.#freshIncarnation(node);
    this.#runHandler(node, 'restart', null, INIT, null, null);
  }

  /** End of the safety phase: every fault heals, downed nodes restart, the liveness phase runs. */
  #heal(): void {
    this.#systemEvent('heal', 'all faults healed; liveness phase');
    this.#cut.fill(0);
    this.#clogUntil.fill(0);
    this.#activeLoss.length = 0;
    this.#activeDup.length = 0;
    this.#omissions.clear();
    this.#drops.clear();
    for (const node of this.nodes) {
      node.disk.full = false;
      node.disk.unsynced = false;
      node.sendsBlockedFrom = Number.POSITIVE_INFINITY;
    }
    this.#healed = true;
    this.#end = this.#now + (this.spec.faults?.livenessBoundMs ?? DEFAULT_LIVENESS_BOUND_MS);
    for (const node of this.nodes)
      if (node.status === 'down') this.#restart(node, node.incarnation);
    this.#checkLiveness();
  }

  #systemEvent(kind: EventKind, description: string, node = -1): void {
    this.#beginEvent(node, kind, description);
  }

  // ---- guarantees --------------------------------------------------------------------------

  #checkInvariants(eventId: number): void {
    const invariants = this.spec.guarantees?.invariants;
    if (invariants !== undefined) {
      for (const inv of invariants) {
        const message = this.#guard(inv.name, () => inv.check(this.world));
        if (message !== undefined) {
          this.#violations.push({
            guarantee: inv.name,
            kind: 'invariant',
            message,
            time: this.#now,
            eventId,
          });
          return;
        }
      }
    }
    if (this.#healed) this.#checkLiveness();
  }

  #checkLiveness(): void {
    for (const l of this.spec.guarantees?.liveness ?? []) {
      if (this.#livenessPending.has(l.name) && this.#guard(l.name, () => l.holds(this.world))) {
        this.#livenessPending.delete(l.name);
      }
    }
  }

  /** Runs a checker; a checker that throws is a bug in the spec, reported as a run error. */
  #guard<T>(name: string, check: () => T): T {
    try {
      return check();
    } catch (e) {
      throw new SimulationError(`guarantee ${JSON.stringify(name)} threw: ${describeError(e)}`, {
        spec: this.spec.name,
        seed: this.seed,
        time: this.#now,
      });
    }
  }

  /** End-of-run checks. A checker that throws propagates to run(), which reports an error. */
  #checkEnd(): void {
    for (const name of this.#livenessPending) {
      if (!this.#healed) break;
      this.#violations.push({
        guarantee: name,
        kind: 'liveness',
        message: `did not hold within ${this.spec.faults?.livenessBoundMs ?? DEFAULT_LIVENESS_BOUND_MS} ms after the heal`,
        time: this.#now,
      });
    }
    const { pre, post } = this.#prePostTuples();
    for (const pp of this.spec.guarantees?.prePost ?? []) {
      const postKeys = new Set((post.get(pp.name) ?? []).map(tupleKey));
      const good = this.#goodOutcomes?.get(pp.name);
      const missing = (pre.get(pp.name) ?? []).filter((t) => {
        const key = tupleKey(t);
        return !postKeys.has(key) && (good === undefined || good.has(key));
      });
      if (missing.length > 0) {
        this.#violations.push({
          guarantee: pp.name,
          kind: 'pre-post',
          message: `pre holds but post does not for ${missing.map((t) => tupleKey(t)).join(', ')}`,
          time: this.#now,
          missing,
        });
      }
    }
    for (const check of this.spec.guarantees?.final ?? []) {
      const message = this.#guard(check.name, () => check.check(this.world));
      if (message !== undefined) {
        this.#violations.push({ guarantee: check.name, kind: 'final', message, time: this.#now });
      }
    }
  }

  /** For the result: a pre/post that throws was already reported (by #checkEnd, or the run had
   * already failed), so it must not escape runSimulation. */
  #prePostTuplesOrEmpty(): { pre: Map<string, Tuple[]>; post: Map<string, Tuple[]> } {
    try {
      return this.#prePostTuples();
    } catch (e) {
      if (!(e instanceof SimulationError)) throw e;
      return { pre: new Map(), post: new Map() };
    }
  }

  #prePostTuples(): { pre: Map<string, Tuple[]>; post: Map<string, Tuple[]> } {
    if (this.#prePostCache !== undefined) return this.#prePostCache;
    const pre = new Map<string, Tuple[]>();
    const post = new Map<string, Tuple[]>();
    for (const pp of this.spec.guarantees?.prePost ?? []) {
      pre.set(pp.name, dedupe(this.#guard(`${pp.name}.pre`, () => [...pp.pre(this.world)])));
      post.set(pp.name, dedupe(this.#guard(`${pp.name}.post`, () => [...pp.post(this.world)])));
    }
    this.#prePostCache = { pre, post };
    return this.#prePostCache;
  }

  #finishTrace(): void {
    if (this.#trace === undefined) return;
    // Messages still queued when the run ended never arrived.
    let item = this.#queue.pop();
    while (item !== undefined) {
      if (item.kind === DELIVER && item.ref >= 0 && item.time > this.#end)
        this.#trace.messageLost(item.ref, 'after-end');
      item = this.#queue.pop();
    }
  }

  #makeWorld(): WorldView {
    const sim = this;
    return {
      get time() {
        return sim.#now;
      },
      nodes: this.serverIds,
      facts: (name) => this.#facts.facts(name),
      has: (name, ...args) => this.#facts.has(name, args),
      crashed: (id) => this.#nodeById(id).crashedEver,
      up: (id) => this.#nodeById(id).status === 'up',
      memory: (id) => {
        const node = this.#nodeById(id);
        return {
          get: <T>(key: string) => (node.status === 'up' ? node.memory.peek<T>(key) : undefined),
          keys: (prefix?: string) => (node.status === 'up' ? node.memory.peekKeys(prefix) : []),
        };
      },
      storage: (id): OrderedKVReader => this.#nodeById(id).disk.currentView(),
      history: this.#history,
    };
  }

  #nodeById(id: NodeId): SimNode<M> {
    const i = this.#index.get(id);
    if (i === undefined) throw new TypeError(`unknown node ${JSON.stringify(id)}`);
    return this.nodes[i] as SimNode<M>;
  }
}

function dedupe(tuples: readonly Tuple[]): Tuple[] {
  const seen = new Set<string>();
  const out: Tuple[] = [];
  for (const t of tuples) {
    const key = tupleKey(t);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  }
  return out;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function describeShort(f: Fault): string {
  return JSON.stringify(f);
}
