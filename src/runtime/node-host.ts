import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import type { Counter, Histogram, Registry } from 'prom-client';
import { checkedFact, checkTimerArgs } from '../core/context-args.js';
import { ContextUsageError } from '../core/errors.js';
import { type Fact, formatFact } from '../core/fact.js';
import type { HistoryRecorder, OpValue } from '../core/history.js';
import { ENVIRONMENT, type NodeId, nodeIdProblem } from '../core/ids.js';
import type { Context, Process, ProcessFactory } from '../core/process.js';
import { LMDB_KEY_BYTES_MAX, LmdbKV } from '../storage/backends/lmdb-kv.js';
import type { BatchOp, OrderedKV, RangeOptions } from '../storage/ordered-kv.js';
import { type DropReason, RuntimeMetrics } from './metrics.js';
import { type DeliverySource, NodeTraceWriter } from './node-trace.js';
import { RingQueue } from './ring-queue.js';
import { RuntimeMemory } from './runtime-memory.js';
import { StagedKV } from './staged-kv.js';
import { type Address, type TlsSettings, Transport, type TransportTuning } from './transport.js';
import type { WireMessage } from './wire.js';

/** Options of {@link NodeHost.start}. */
export interface NodeHostOptions<M> extends TransportTuning {
  /** This node's id. */
  readonly id: NodeId;
  /** The node-to-node port (port 0: the OS picks; read {@link NodeHost.address}). */
  readonly listen: Address;
  /** The server nodes and their node ports. May include this node (ignored). */
  readonly peers: Readonly<Record<NodeId, Address>>;
  /** All server nodes in spec order, as `ctx.nodes` lists them. Default: this node and the
   * peers, sorted. Give the spec's `nodes` so `ctx.peers` has the simulator's order. */
  readonly nodes?: readonly NodeId[];
  /** The same factory the simulator runs. */
  readonly process: ProcessFactory<M>;
  /** Directory of the node's LMDB store (created if absent); survives `kill -9`. */
  readonly dataDir: string;
  /** Shared secret of the node-to-node handshake (HMAC challenge; never sent in clear). */
  readonly secret?: string;
  /** TLS on the node port and on outgoing links. */
  readonly tls?: TlsSettings;
  /** Append this node's trace to this file (see src/runtime/node-trace.ts). Default: no trace. */
  readonly tracePath?: string;
  /** Spec name written in the trace header. Default "runtime". */
  readonly specName?: string;
  /** Structured logger; every line gets `node`. Default: pino to stdout at `info`. */
  readonly logger?: Logger;
  /** Registry for the metrics. Default: a fresh one labelled `node` (see {@link NodeHost.metrics}). */
  readonly metrics?: Registry;
  /** Most handlers whose writes share one durable commit (group commit). Default 64. */
  readonly commitGroupMax?: number;
  /** Above this many queued deliveries the node stops reading from peers. Default 10,000. */
  readonly inboxMax?: number;
  /** Real ms per unit of `ctx.setTimer` delay. Default 1 (delays are ms). `cadre run` sets it to
   * `--tick-ms` for synchronous-model specs, whose processes count timers in ticks. */
  readonly timerScaleMs?: number;
  /** Messages delivered to this node at start, from `$env` (a spec's inputs). Default none. */
  readonly inputs?: readonly { readonly atMs: number; readonly msg: M }[];
}

type Work<M> =
  | {
      readonly kind: 'deliver';
      readonly from: string;
      readonly msg: M;
      readonly source: DeliverySource;
    }
  | { readonly kind: 'timer'; readonly name: string; readonly generation: number };

/** A message sent by a handler, held until its commit group is durable. */
interface Outgoing<M> {
  readonly to: string;
  readonly msg: M;
  /** Trace sequence number, −1 when untraced. */
  readonly seq: number;
}

/** The handler running now: its staged writes and held sends. */
interface Running<M> {
  readonly incarnation: number;
  readonly stage: StagedKV;
  readonly sends: Outgoing<M>[];
  readonly eventId: number;
}

interface Timer {
  readonly handle: NodeJS.Timeout;
  readonly generation: number;
  readonly cause: number;
}

/** Pause before restarting a process whose init or commit failed, in ms. */
const RESTART_PAUSE_MS = 1000;

/** Thrown by context calls made wrongly (outside a handler, unknown node, bad delay): the same
 * class the simulator throws, so one `instanceof` check covers both. */
export { ContextUsageError };

/**
 * Runs one process on a real machine: real time and timers, LMDB storage, TCP to the peers.
 *
 * **Handlers run one at a time**, from one inbox (peer messages, local endpoint messages, timer
 * firings). **Persist before send**: a handler's writes are staged ({@link StagedKV}; its reads see
 * them), and its sends are held; up to `commitGroupMax` queued handlers run back to back, then their
 * writes are committed in one LMDB transaction (one fsync) and only then do their messages leave.
 * A crash therefore never lets a message out whose cause is not on disk.
 *
 * **A handler that throws** is treated as a crash of the process: its writes and sends are
 * discarded, the incarnation's timers cancelled, and a new incarnation starts with `init` over the
 * durable state — exactly the crash-restart the simulator explores. It is logged and counted.
 *
 * **Restart recovery**: `start` opens the same data directory, so `init` sees what was committed.
 */
export class NodeHost<M> {
  readonly id: NodeId;
  /** Node ids in spec order. */
  readonly nodes: readonly NodeId[];
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  readonly #counted: {
    readonly sentToSelf: Counter.Internal;
    readonly sentToEndpoint: Counter.Internal;
    readonly fromEndpoint: Counter.Internal;
    readonly fromEnvironment: Counter.Internal;
    readonly handlerSeconds: Readonly<
      Record<'init' | 'restart' | 'deliver' | 'timer', Histogram.Internal<'kind'>>
    >;
  };
  readonly #options: NodeHostOptions<M>;
  readonly #kv: LmdbKV;
  readonly #nodeSet: ReadonlySet<NodeId>;
  readonly #inbox = new RingQueue<Work<M>>(1024);
  readonly #endpoints = new Map<string, (msg: M) => void>();
  readonly #timers = new Map<string, Timer>();
  readonly #trace: NodeTraceWriter | undefined;
  #transport: Transport | undefined;
  #process!: Process<M>;
  #ctx!: Context<M>;
  #memory!: RuntimeMemory;
  #incarnation = 0;
  #timerGeneration = 0;
  #running: Running<M> | undefined;
  #drainScheduled = false;
  #stopped = false;
  #restartTimer: NodeJS.Timeout | undefined;
  /** The process crashed in a way that cannot restart at once (init or a commit failed): no
   * handler runs until the restart timer fires. */
  #down = false;
  /** Whether the first incarnation started (a factory that throws at start fails the start). */
  #started = false;
  readonly #inputTimers: NodeJS.Timeout[] = [];
  /** Facts emitted since start (also logged); for status pages and tests. */
  factsEmitted = 0;

  private constructor(options: NodeHostOptions<M>, kv: LmdbKV) {
    this.#options = options;
    this.id = options.id;
    const nodes =
      options.nodes ??
      [...new Set([options.id, ...Object.keys(options.peers)])].sort((a, b) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
    this.nodes = nodes;
    this.#nodeSet = new Set(nodes);
    this.#kv = kv;
    this.logger = (options.logger ?? pino()).child({ node: options.id });
    this.metrics =
      options.metrics === undefined
        ? RuntimeMetrics.forNode(options.id)
        : new RuntimeMetrics(options.metrics);
    // Labelled children looked up once: prom-client's label lookup on every message and handler
    // showed in profiles of the stores' servers.
    this.#counted = {
      sentToSelf: this.metrics.messagesSent.labels(options.id),
      sentToEndpoint: this.metrics.messagesSent.labels('endpoint'),
      fromEndpoint: this.metrics.messagesReceived.labels('endpoint'),
      fromEnvironment: this.metrics.messagesReceived.labels(ENVIRONMENT),
      handlerSeconds: {
        init: this.metrics.handlerSeconds.labels('init'),
        restart: this.metrics.handlerSeconds.labels('restart'),
        deliver: this.metrics.handlerSeconds.labels('deliver'),
        timer: this.metrics.handlerSeconds.labels('timer'),
      },
    };
    this.#trace =
      options.tracePath === undefined
        ? undefined
        : new NodeTraceWriter(options.tracePath, options.id, nodes, options.specName ?? 'runtime');
  }

  /**
   * Opens the store, starts listening and dialing, and runs `init` (which rebuilds from whatever
   * the store holds: this is restart recovery). Spec inputs are delivered `atMs` after start.
   */
  static async start<M>(options: NodeHostOptions<M>): Promise<NodeHost<M>> {
    checkOptions(options);
    const kv = LmdbKV.open(options.dataDir);
    const host = new NodeHost(options, kv);
    const peers = Object.fromEntries(
      Object.entries(options.peers).filter(([peer]) => peer !== options.id),
    );
    try {
      host.#transport = await Transport.start({
        ...options,
        peers,
        logger: host.logger,
        metrics: host.metrics,
        onMessage: (from, message) => host.#onPeerMessage(from, message),
        onDrop: (to, seq, reason) => host.#dropped(to, seq, reason),
      });
    } catch (error) {
      kv.close();
      throw error;
    }
    try {
      host.#newIncarnation('init');
    } catch (error) {
      // The factory threw at start: nothing runs, so release the port and the store.
      await host.#transport.stop(0);
      kv.close();
      throw error;
    }
    host.#drain();
    for (const input of options.inputs ?? []) {
      const t = setTimeout(() => host.deliver(ENVIRONMENT, input.msg), input.atMs);
      host.#inputTimers.push(t);
    }
    host.logger.info(
      { listen: `${host.address.host}:${host.address.port}`, nodes: host.nodes },
      'node started',
    );
    return host;
  }

  /** Where the node port listens. */
  get address(): Address {
    return (this.#transport as Transport).address;
  }

  /** The metrics registry (serve it with {@link serveMetrics}). */
  get registry(): Registry {
    return this.metrics.registry;
  }

  /** Whether the outgoing link to `peer` is connected. */
  connected(peer: NodeId): boolean {
    return this.#transport?.connected(peer) ?? false;
  }

  /**
   * Registers a local endpoint (e.g. one client connection of a server): messages the process
   * sends to `endpointId` are handed to `onMessage` once the handler's writes are durable. Endpoint
   * ids must not look like node ids (use a character node ids lack, e.g. `client:17`), so that a
   * send to an unknown node still throws as in the simulator. Returns the detach function; later
   * sends to the endpoint are dropped and counted (`detached-endpoint`).
   */
  attach(endpointId: string, onMessage: (msg: M) => void): () => void {
    if (typeof endpointId !== 'string' || endpointId.length === 0)
      throw new TypeError('attach: endpoint id must be a non-empty string');
    if (nodeIdProblem(endpointId) === undefined || endpointId === ENVIRONMENT) {
      throw new TypeError(
        `attach: endpoint id ${JSON.stringify(endpointId)} looks like a node id; include a character node ids lack, e.g. "client:17"`,
      );
    }
    if (this.#endpoints.has(endpointId))
      throw new TypeError(`attach: endpoint ${JSON.stringify(endpointId)} is already attached`);
    this.#endpoints.set(endpointId, onMessage);
    return () => {
      if (this.#endpoints.get(endpointId) === onMessage) this.#endpoints.delete(endpointId);
    };
  }

  /**
   * Queues `msg` from local endpoint `from` (or `$env`) for the process's `receive` handler.
   * Handlers run one at a time, in arrival order. Throws if `from` is a node id (peers arrive over
   * the network only).
   */
  deliver(from: string, msg: M): void {
    if (typeof from !== 'string' || this.#nodeSet.has(from)) {
      throw new TypeError(
        `deliver: ${JSON.stringify(from)} is a node id; deliver takes local endpoints only`,
      );
    }
    if (this.#stopped) return;
    (from === ENVIRONMENT ? this.#counted.fromEnvironment : this.#counted.fromEndpoint).inc();
    this.#enqueue({ kind: 'deliver', from, msg, source: { from, payload: msg } });
  }

  /** Graceful shutdown: stops timers, runs what is queued, flushes sends (up to `flushMs`),
   * closes sockets, the trace and the store. */
  async stop(flushMs = 1000): Promise<void> {
    if (this.#stopped) return;
    // Run what has arrived, so acknowledged work is committed and its replies sent.
    // Bounded: a process that keeps messaging itself would otherwise never let the node stop.
    for (let round = 0; round < 100 && this.#inbox.length > 0; round++) this.#drainOnce();
    this.#stopped = true;
    for (const t of this.#inputTimers) clearTimeout(t);
    clearTimeout(this.#restartTimer);
    this.#cancelAllTimers();
    await this.#transport?.stop(flushMs);
    this.#trace?.close();
    this.#kv.close();
    this.logger.info('node stopped');
  }

  // ---- the inbox ---------------------------------------------------------------------------

  #onPeerMessage(from: NodeId, message: WireMessage): void {
    this.#enqueue({
      kind: 'deliver',
      from,
      msg: message.payload as M,
      source: { from, seg: message.segment, seq: message.seq },
    });
  }

  #enqueue(work: Work<M>): void {
    this.#inbox.push(work);
    if (this.#inbox.length > (this.#options.inboxMax ?? 10_000)) this.#transport?.pauseInbound();
    this.#scheduleDrain();
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled || this.#stopped) return;
    this.#drainScheduled = true;
    // setImmediate, not a microtask: socket reads get a turn between commit groups.
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#drainScheduled = false;
    if (this.#stopped || this.#down) return;
    this.#drainOnce();
    this.metrics.inboxDepth.set(this.#inbox.length);
    if (this.#inbox.length < (this.#options.inboxMax ?? 10_000) / 2)
      this.#transport?.resumeInbound();
    if (this.#inbox.length > 0) this.#scheduleDrain();
  }

  /** Runs one commit group: handlers back to back, one durable commit, then their sends. */
  #drainOnce(): void {
    const group = new StagedKV(this.#kv, LMDB_KEY_BYTES_MAX);
    const outbox: Outgoing<M>[] = [];
    const groupMax = this.#options.commitGroupMax ?? 64;
    for (let n = 0; n < groupMax && this.#inbox.length > 0 && !this.#down; n++) {
      const work = this.#inbox.shift() as Work<M>;
      if (work.kind === 'deliver') {
        this.#runHandler(group, outbox, 'deliver', work.source, null, (p, ctx) =>
          p.receive(ctx, work.from, work.msg),
        );
      } else {
        const timer = this.#timers.get(work.name);
        // Cancelled or re-armed after it fired: this firing is stale.
        if (timer === undefined || timer.generation !== work.generation) continue;
        this.#timers.delete(work.name);
        this.#runHandler(group, outbox, 'timer', work.name, timer.cause, (p, ctx) =>
          p.timer(ctx, work.name),
        );
      }
    }
    this.#commit(group, outbox);
  }

  /** Makes the group's writes durable, then releases its sends. A failed commit sends nothing. */
  #commit(group: StagedKV, outbox: Outgoing<M>[]): void {
    if (group.pendingOps > 0) {
      const t0 = performance.now();
      try {
        group.commitTo(this.#kv);
      } catch (error) {
        this.logger.error(
          { err: error },
          'durable commit failed: the group’s messages are discarded and the process restarts from storage',
        );
        for (const out of outbox) this.#trace?.lost(out.seq, 'commit-failed');
        this.#trace?.flush();
        this.#goDown('commit failed');
        return;
      }
      this.metrics.commitSeconds.observe((performance.now() - t0) / 1000);
    }
    this.#trace?.flush();
    for (const out of outbox) this.#dispatch(out);
  }

  #dispatch(out: Outgoing<M>): void {
    if (this.#nodeSet.has(out.to)) {
      if (out.to === this.id) {
        this.#counted.sentToSelf.inc();
        this.#enqueue({
          kind: 'deliver',
          from: this.id,
          msg: out.msg,
          source: { from: this.id, seg: this.#trace?.segment ?? -1, seq: out.seq },
        });
      } else {
        (this.#transport as Transport).send(
          out.to,
          out.msg,
          this.#trace?.segment ?? -1,
          out.seq,
          out.seq,
        );
      }
      return;
    }
    const endpoint = this.#endpoints.get(out.to);
    if (endpoint === undefined) {
      this.#dropped(out.to, out.seq, 'detached-endpoint');
      return;
    }
    this.#counted.sentToEndpoint.inc();
    try {
      endpoint(out.msg);
    } catch (error) {
      this.logger.error({ err: error, endpoint: out.to }, 'endpoint callback threw');
    }
  }

  #dropped(_to: string, seq: number, reason: DropReason): void {
    if (reason === 'detached-endpoint') {
      this.metrics.messagesDropped.labels('endpoint', reason).inc();
    }
    this.#trace?.lost(seq, reason);
  }

  // ---- handlers ----------------------------------------------------------------------------

  #runHandler(
    group: StagedKV,
    outbox: Outgoing<M>[],
    kind: 'init' | 'restart' | 'deliver' | 'timer',
    trigger: unknown,
    cause: number | null,
    call: (p: Process<M>, ctx: Context<M>) => void,
  ): void {
    const trace = this.#trace;
    const eventId = trace?.begin(kind, trigger, cause) ?? -1;
    const stage = new StagedKV(group, LMDB_KEY_BYTES_MAX, trace?.observer('s'));
    const running: Running<M> = { incarnation: this.#incarnation, stage, sends: [], eventId };
    this.#running = running;
    const t0 = performance.now();
    let failure: unknown;
    try {
      call(this.#process, this.#ctx);
    } catch (error) {
      failure = error;
    } finally {
      this.#running = undefined;
    }
    this.#counted.handlerSeconds[kind].observe((performance.now() - t0) / 1000);
    if (failure === undefined) {
      stage.commitTo(group);
      for (const s of running.sends) outbox.push(s);
      trace?.end();
      return;
    }
    const message = failure instanceof Error ? failure.message : String(failure);
    trace?.discardEffects(`handler ${kind} threw: ${message}`);
    trace?.end();
    this.metrics.handlerErrors.inc();
    this.logger.error(
      { err: failure, kind },
      `handler ${kind} threw; its writes and sends are discarded and the process restarts from storage`,
    );
    if (kind === 'init' || kind === 'restart') {
      // Restarting at once would loop; try again after a pause.
      this.#goDown(`${kind} threw`);
      return;
    }
    this.#crashRestart(`handler ${kind} threw`, group, outbox);
  }

  /** A new process, memory and context; runs `init` (in `group` when given, else in its own). */
  #newIncarnation(kind: 'init' | 'restart', group?: StagedKV, outbox?: Outgoing<M>[]): void {
    if (this.#stopped) return;
    this.#incarnation++;
    const incarnation = this.#incarnation;
    const guard = (what: string) => this.#guard(incarnation, what);
    this.#memory = new RuntimeMemory(this.id, guard, this.#trace?.observer('m'));
    try {
      this.#process = this.#options.process(this.id);
    } catch (error) {
      if (!this.#started) throw error;
      this.logger.error({ err: error }, 'process factory threw at a restart');
      this.#goDown('process factory threw');
      return;
    }
    this.#started = true;
    this.#ctx = this.#createContext(incarnation);
    const ownGroup = group ?? new StagedKV(this.#kv, LMDB_KEY_BYTES_MAX);
    const ownOutbox = outbox ?? [];
    this.#runHandler(ownGroup, ownOutbox, kind, null, null, (p, ctx) => p.init(ctx));
    if (group === undefined) this.#commit(ownGroup, ownOutbox);
  }

  /** The process is down (its timers cancelled, its context dead); a new incarnation starts after
   * {@link RESTART_PAUSE_MS}, so a failure that repeats (a full disk, an init that throws) is
   * retried once a second instead of in a loop. Queued deliveries wait. */
  #goDown(why: string): void {
    this.#trace?.note(why);
    this.#down = true;
    this.#cancelAllTimers();
    this.#incarnation++;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#down = false;
      this.#newIncarnation('restart');
      this.#scheduleDrain();
    }, RESTART_PAUSE_MS);
  }

  /** Crash-restart in place: timers of the old incarnation are cancelled, `init` runs again. */
  #crashRestart(why: string, group?: StagedKV, outbox?: Outgoing<M>[]): void {
    this.#trace?.note(why);
    this.#cancelAllTimers();
    this.#newIncarnation('restart', group, outbox);
  }

  #cancelAllTimers(): void {
    for (const t of this.#timers.values()) clearTimeout(t.handle);
    this.#timers.clear();
  }

  #guard(incarnation: number, what: string): Running<M> {
    const running = this.#running;
    if (running === undefined || running.incarnation !== incarnation) {
      throw new ContextUsageError(
        `ctx.${what} called on ${this.id} outside one of its handlers (a callback kept after the handler returned?)`,
      );
    }
    return running;
  }

  #createContext(incarnation: number): Context<M> {
    const guard = (what: string) => this.#guard(incarnation, what);
    const host = this;
    const trace = this.#trace;
    const openOps = new Set<number>();
    let nextOp = 0;
    const complete = (handle: number, type: 'ok' | 'fail' | 'info', value: OpValue) => {
      guard(`history.${type}`);
      if (!openOps.delete(handle))
        throw new ContextUsageError(
          `history.${type}: operation ${handle} is not open on ${host.id}`,
        );
      host.logger.info({ history: { type, handle, value, time: Date.now() } }, 'history');
    };
    const history: HistoryRecorder = {
      invoke(f: string, value: OpValue): number {
        guard('history.invoke');
        if (typeof f !== 'string' || f.length === 0)
          throw new ContextUsageError('history.invoke: f must be a non-empty string');
        if (openOps.size > 0) {
          throw new ContextUsageError(
            `history.invoke: operation ${[...openOps][0]} is still open on ${host.id} (one at a time)`,
          );
        }
        const handle = nextOp++;
        openOps.add(handle);
        host.logger.info(
          { history: { type: 'invoke', handle, f, value, time: Date.now() } },
          'history',
        );
        return handle;
      },
      ok: (handle, value) => complete(handle, 'ok', value),
      fail: (handle, value = null) => complete(handle, 'fail', value),
      info: (handle, value = null) => complete(handle, 'info', value),
    };
    // ctx.storage is fixed for the incarnation, but each handler writes into its own stage.
    const storage: OrderedKV = {
      get: (key: Uint8Array) => guard('storage.get').stage.get(key),
      range: (options?: RangeOptions) => guard('storage.range').stage.range(options),
      put: (key: Uint8Array, value: Uint8Array) => guard('storage.put').stage.put(key, value),
      delete: (key: Uint8Array) => guard('storage.delete').stage.delete(key),
      deleteRange: (start: Uint8Array, end: Uint8Array) =>
        guard('storage.deleteRange').stage.deleteRange(start, end),
      batch: (ops: readonly BatchOp[]) => guard('storage.batch').stage.batch(ops),
      snapshot: () => guard('storage.snapshot').stage.snapshot(),
    };
    const peers = this.nodes.filter((n) => n !== this.id);
    return {
      id: this.id,
      peers,
      nodes: this.nodes,
      now: () => Date.now(),
      random: () => {
        guard('random');
        return Math.random();
      },
      send: (to: NodeId, msg: M) => {
        const running = guard('send');
        if (
          !this.#nodeSet.has(to) &&
          !this.#endpoints.has(to) &&
          (nodeIdProblem(to) === undefined || to === ENVIRONMENT)
        ) {
          throw new ContextUsageError(
            `send to unknown node ${JSON.stringify(to)} (nodes: ${this.nodes.join(', ')})`,
          );
        }
        const seq = trace?.send(to, msg) ?? -1;
        running.sends.push({ to, msg, seq });
      },
      setTimer: (name: string, afterMs: number) => {
        const running = guard('setTimer');
        checkTimerArgs(name, afterMs);
        const old = this.#timers.get(name);
        if (old !== undefined) clearTimeout(old.handle);
        const generation = ++this.#timerGeneration;
        const handle = setTimeout(
          () => {
            if (this.#timers.get(name)?.generation === generation)
              this.#enqueue({ kind: 'timer', name, generation });
          },
          afterMs * (this.#options.timerScaleMs ?? 1),
        );
        this.#timers.set(name, { handle, generation, cause: running.eventId });
      },
      cancelTimer: (name: string) => {
        guard('cancelTimer');
        const old = this.#timers.get(name);
        if (old !== undefined) clearTimeout(old.handle);
        this.#timers.delete(name);
      },
      storage,
      memory: this.#memory,
      emit: (f: Fact) => {
        guard('emit');
        const checked = checkedFact(f);
        this.factsEmitted++;
        trace?.emit(checked);
        this.logger.info({ fact: { name: checked.name, args: checked.args } }, formatFact(checked));
      },
      buggify: () => {
        guard('buggify');
        return false;
      },
      history,
      log: (text: string) => {
        guard('log');
        trace?.note(String(text));
        this.logger.debug({ note: String(text) }, 'process note');
      },
    };
  }
}

function checkOptions<M>(options: NodeHostOptions<M>): void {
  const problem = nodeIdProblem(options.id);
  if (problem !== undefined) throw new TypeError(`NodeHost: id: ${problem}`);
  for (const [peer, address] of Object.entries(options.peers)) {
    const p = nodeIdProblem(peer);
    if (p !== undefined) throw new TypeError(`NodeHost: peers: ${p}`);
    if (
      address === null ||
      typeof address !== 'object' ||
      typeof address.host !== 'string' ||
      !Number.isInteger(address.port) ||
      address.port < 0 ||
      address.port > 65535
    ) {
      throw new TypeError(`NodeHost: peers.${peer}: expected { host, port } with a port 0-65535`);
    }
  }
  if (options.nodes !== undefined) {
    if (!options.nodes.includes(options.id))
      throw new TypeError(`NodeHost: nodes does not include this node ${options.id}`);
    for (const peer of Object.keys(options.peers)) {
      if (!options.nodes.includes(peer))
        throw new TypeError(`NodeHost: peer ${peer} is not in nodes`);
    }
    for (const n of options.nodes) {
      if (n !== options.id && !Object.hasOwn(options.peers, n))
        throw new TypeError(`NodeHost: node ${n} has no address in peers`);
    }
  }
  if (typeof options.process !== 'function')
    throw new TypeError('NodeHost: process must be a factory (id) => Process');
  if (typeof options.dataDir !== 'string' || options.dataDir.length === 0)
    throw new TypeError('NodeHost: dataDir must be a directory path');
}
