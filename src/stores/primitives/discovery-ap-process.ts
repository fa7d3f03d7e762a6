/**
 * AP service discovery as a Cadre process: a presence node (presence-process.ts) — the same
 * gossip, liveness, collection and rejoin — with a typed front. Clients send `register`,
 * `deregister` and `list` (discovery-ap.ts); the node turns them into presence's `track`,
 * `update` and `untrack` on its own entries (service = topic, instance id = key), answers `list`
 * from its current list, and hands watchers instance-level join/leave diffs.
 *
 * The front keeps which instances it registered (volatile, like presence's entries: a restarted
 * node has none), so a `register` of an instance already registered here is an update, and one
 * with the same address and labels is acknowledged without a change. Presence messages other than
 * gossip are refused from clients: the node's own registrations go through this front only.
 *
 * For the checks (discovery-ap-guarantees.ts) the node emits `registered(service, id, address,
 * labelsJson)` / `deregistered(service, id)` when an instance it owns changes, one
 * `discovery-diff(service, joinsJson, leavesJson)` per changed service of its list, and mirrors
 * the list in volatile memory under `disc/<service>\0<owner>\0<id>` → `[replica, address, labels]`.
 */
import { fact } from '../../core/fact.js';
import type { NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import {
  type ApInstance,
  type ApServiceDiff,
  type DiscoveryApMsg,
  type DiscoveryApRequest,
  instancesOf,
  presenceMetaOf,
  requestProblem,
  serviceDiffs,
} from './discovery-ap.js';
import { applyDiffs, canonicalMeta, type PresenceView, type TopicDiff } from './presence.js';
import { type PresenceMsg, type PresenceOptions, presenceProcess } from './presence-process.js';

/** Options of {@link discoveryApProcess}: presence's timing, and the watcher. */
export interface DiscoveryApOptions {
  /** Period of state gossip (and heartbeat) to every peer, ms. Default 50. */
  readonly gossipIntervalMs?: number;
  /** A peer silent this long is down: its instances leave this node's list, ms. Default 500. */
  readonly nodeTimeoutMs?: number;
  /** A peer silent this long is permanently down: its instances are collected, ms. Default 5000. */
  readonly permDownAfterMs?: number;
  /** The watch: called with every non-empty change of this node's list, per service. */
  readonly onChange?: (node: NodeId, diffs: readonly ApServiceDiff[]) => void;
}

/** A diff entry inside a `discovery-diff` fact: `[owner, id, replica, address, labelsJson]`. */
export type DiscoveryFactEntry = readonly [string, string, string, string, string];

/** Encodes instances for a `discovery-diff` fact. */
export function encodeFactEntries(instances: readonly ApInstance[]): string {
  return JSON.stringify(
    instances.map(
      (i) => [i.node, i.id, i.replica, i.address, canonicalMeta(i.meta)] as DiscoveryFactEntry,
    ),
  );
}

class DiscoveryApNode implements Process<DiscoveryApMsg> {
  readonly #inner: Process<PresenceMsg>;
  readonly #onChange: DiscoveryApOptions['onChange'];
  /** `service\0instance` → canonical presence metadata of the instances registered here. */
  readonly #registered = new Map<string, string>();
  #listed: PresenceView = new Map();
  /** The context of the handler running now (the inner node reports diffs synchronously). */
  #ctx: Context<DiscoveryApMsg> | undefined;

  constructor(options: DiscoveryApOptions, id: NodeId) {
    const presence: PresenceOptions = {
      ...(options.gossipIntervalMs !== undefined && { gossipIntervalMs: options.gossipIntervalMs }),
      ...(options.nodeTimeoutMs !== undefined && { nodeTimeoutMs: options.nodeTimeoutMs }),
      ...(options.permDownAfterMs !== undefined && { permDownAfterMs: options.permDownAfterMs }),
      onDiff: (_node, diffs) => this.#changed(diffs),
    };
    this.#inner = presenceProcess(presence)(id) as Process<PresenceMsg>;
    this.#onChange = options.onChange;
  }

  init(ctx: Context<DiscoveryApMsg>): void {
    this.#registered.clear();
    this.#listed = new Map();
    this.#with(ctx, () => this.#inner.init(ctx as Context<PresenceMsg>));
  }

  timer(ctx: Context<DiscoveryApMsg>, name: string): void {
    this.#with(ctx, () => this.#inner.timer(ctx as Context<PresenceMsg>, name));
  }

  receive(ctx: Context<DiscoveryApMsg>, from: NodeId, msg: DiscoveryApMsg): void {
    this.#with(ctx, () => {
      // Whatever arrives from the network, a malformed message must not crash the node.
      if (typeof msg !== 'object' || msg === null) return;
      switch (msg.type) {
        case 'gossip':
          this.#inner.receive(ctx as Context<PresenceMsg>, from, msg);
          return;
        case 'register':
        case 'deregister':
        case 'list':
          this.#serve(ctx, from, msg);
          return;
        case 'track':
        case 'update':
        case 'untrack':
          this.#reply(ctx, from, {
            type: 'error',
            id: msg.id,
            message: `${msg.type} is not accepted by a discovery node: use register / deregister`,
          });
          return;
        default:
          // Replies (ok, error, instances) are for clients; a node ignores them.
          return;
      }
    });
  }

  #serve(ctx: Context<DiscoveryApMsg>, from: NodeId, msg: DiscoveryApRequest): void {
    const problem = requestProblem(msg);
    if (problem !== undefined) {
      this.#reply(ctx, from, { type: 'error', id: msg.id, message: problem });
      return;
    }
    const inner = ctx as Context<PresenceMsg>;
    if (msg.type === 'list') {
      this.#reply(ctx, from, {
        type: 'instances',
        id: msg.id,
        service: msg.service,
        instances: instancesOf(this.#listed, msg.service),
      });
      return;
    }
    const key = `${msg.service}\u0000${msg.instance}`;
    if (msg.type === 'deregister') {
      if (!this.#registered.has(key)) {
        this.#reply(ctx, from, {
          type: 'error',
          id: msg.id,
          message: `${msg.instance} is not registered in ${msg.service} on ${ctx.id}`,
        });
        return;
      }
      this.#inner.receive(inner, from, {
        type: 'untrack',
        id: msg.id,
        topic: msg.service,
        key: msg.instance,
      });
      this.#registered.delete(key);
      ctx.emit(fact('deregistered', msg.service, msg.instance));
      return;
    }
    const meta = presenceMetaOf(msg.address, msg.meta);
    const held = this.#registered.get(key);
    if (held === canonicalMeta(meta)) {
      this.#reply(ctx, from, { type: 'ok', id: msg.id });
      return;
    }
    this.#inner.receive(inner, from, {
      type: held === undefined ? 'track' : 'update',
      id: msg.id,
      topic: msg.service,
      key: msg.instance,
      meta,
    });
    this.#registered.set(key, canonicalMeta(meta));
    ctx.emit(fact('registered', msg.service, msg.instance, msg.address, canonicalMeta(msg.meta)));
  }

  /** The inner presence node changed this node's list. */
  #changed(diffs: readonly TopicDiff[]): void {
    const ctx = this.#ctx as Context<DiscoveryApMsg>;
    this.#listed = applyDiffs(this.#listed, diffs);
    const changes = serviceDiffs(diffs);
    for (const d of changes)
      ctx.emit(
        fact('discovery-diff', d.service, encodeFactEntries(d.joins), encodeFactEntries(d.leaves)),
      );
    for (const k of ctx.memory.keys('disc/')) ctx.memory.delete(k);
    for (const service of this.#listed.keys())
      for (const i of instancesOf(this.#listed, service))
        ctx.memory.set(
          `disc/${service}\u0000${i.node}\u0000${i.id}`,
          JSON.stringify([i.replica, i.address, canonicalMeta(i.meta)]),
        );
    this.#onChange?.(ctx.id, changes);
  }

  #with(ctx: Context<DiscoveryApMsg>, run: () => void): void {
    this.#ctx = ctx;
    try {
      run();
    } finally {
      this.#ctx = undefined;
    }
  }

  /** Replies to a client; spec inputs (`$env`) have no one to answer. */
  #reply(ctx: Context<DiscoveryApMsg>, to: NodeId, msg: DiscoveryApMsg): void {
    if (to !== '$env') ctx.send(to, msg);
  }
}

/** The AP discovery process factory. */
export function discoveryApProcess(
  options: DiscoveryApOptions = {},
): ProcessFactory<DiscoveryApMsg> {
  return (id) => new DiscoveryApNode(options, id);
}
