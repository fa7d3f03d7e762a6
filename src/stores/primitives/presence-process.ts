/**
 * Presence as a Cadre process: each node holds a {@link PresenceState}, serves `track`,
 * `untrack` and `update` requests from clients for its own entries, and every
 * `gossipIntervalMs` sends its whole state to every peer (the send doubles as the heartbeat).
 * Liveness comes from the cache's {@link Membership}: a peer silent for `nodeTimeoutMs` is down
 * and its entries leave this node's list; heard again, they join back; silent for
 * `permDownAfterMs`, its entries are collected, and when it returns both sides re-add their own
 * entries under a fresh incarnation (the collected dots are gone for good).
 *
 * After every handler the node recomputes its list and hands the diff to its subscribers; under
 * the simulator the subscriber is a fact (`presence-diff`), which the guarantees replay.
 * Volatile entries, as in Phoenix: a crashed node's entries die with it; only the incarnation
 * counter is durable (storage), so a restarted node never reuses a replica name.
 */
import { fact } from '../../core/fact.js';
import type { NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import { Membership } from '../cache/membership.js';
import {
  canonicalMeta,
  diffViews,
  type PresenceMeta,
  PresenceState,
  type PresenceView,
  type PresenceWire,
  type TopicDiff,
  validateMeta,
} from './presence.js';

/** Messages: client requests and replies, and peer gossip. */
export type PresenceMsg =
  | {
      readonly type: 'track' | 'update';
      readonly id: number;
      readonly topic: string;
      readonly key: string;
      readonly meta: PresenceMeta;
    }
  | { readonly type: 'untrack'; readonly id: number; readonly topic: string; readonly key: string }
  | { readonly type: 'ok'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  | { readonly type: 'gossip'; readonly replica: string; readonly state: PresenceWire };

/** Options of {@link presenceProcess}. */
export interface PresenceOptions {
  /** Period of state gossip (and heartbeat) to every peer, ms. Default 50. */
  readonly gossipIntervalMs?: number;
  /** A peer silent this long is down: its entries leave the list, ms. Default 500. */
  readonly nodeTimeoutMs?: number;
  /** A peer silent this long is permanently down: its entries are collected, ms. Default 5000. */
  readonly permDownAfterMs?: number;
  /** Called with every non-empty diff of this node's list (in addition to the `presence-diff`
   * facts). */
  readonly onDiff?: (node: NodeId, diffs: readonly TopicDiff[]) => void;
}

const INCARNATION_KEY = new TextEncoder().encode('presence/incarnation');

/** A diff entry inside a `presence-diff(topic, joinsJson, leavesJson)` fact:
 * `[node, key, replica, canonicalMeta]`. */
export type FactEntry = readonly [string, string, string, string];

class PresenceNode implements Process<PresenceMsg> {
  readonly #o: Required<Omit<PresenceOptions, 'onDiff'>> & Pick<PresenceOptions, 'onDiff'>;
  #state!: PresenceState;
  #membership!: Membership;
  #listed: PresenceView = new Map();

  constructor(options: PresenceOptions) {
    this.#o = { gossipIntervalMs: 50, nodeTimeoutMs: 500, permDownAfterMs: 5000, ...options };
  }

  init(ctx: Context<PresenceMsg>): void {
    this.#state = new PresenceState(ctx.id, this.#nextIncarnation(ctx));
    this.#membership = new Membership(
      ctx.peers,
      ctx.now(),
      this.#o.nodeTimeoutMs,
      this.#o.permDownAfterMs,
    );
    this.#listed = new Map();
    ctx.emit(fact('presence-start', this.#state.replica));
    ctx.setTimer('gossip', this.#o.gossipIntervalMs);
  }

  receive(ctx: Context<PresenceMsg>, from: NodeId, msg: PresenceMsg): void {
    if (msg.type === 'gossip') {
      if (!ctx.peers.includes(from)) return;
      const before = this.#membership.heard(from, ctx.now());
      if (before === 'perm-down') {
        // Each side collected the other's entries: re-add ours under fresh dots.
        this.#state.reincarnate(this.#nextIncarnation(ctx));
        ctx.emit(fact('presence-reincarnate', this.#state.replica));
      }
      try {
        this.#state.heard(msg.replica);
        this.#state.merge(msg.state);
      } catch (e) {
        ctx.log(`dropped malformed gossip from ${from}: ${(e as Error).message}`);
      }
    } else if (msg.type === 'track' || msg.type === 'update' || msg.type === 'untrack') {
      this.#serve(ctx, from, msg);
    }
    this.#publish(ctx);
  }

  timer(ctx: Context<PresenceMsg>): void {
    const now = ctx.now();
    for (const peer of this.#membership.peers('perm-down', now)) this.#state.collect(peer);
    const state = this.#state.encode();
    for (const peer of ctx.peers)
      ctx.send(peer, { type: 'gossip', replica: this.#state.replica, state });
    this.#publish(ctx);
    ctx.setTimer('gossip', this.#o.gossipIntervalMs);
  }

  #serve(
    ctx: Context<PresenceMsg>,
    from: NodeId,
    msg: Extract<PresenceMsg, { type: 'track' | 'update' | 'untrack' }>,
  ): void {
    try {
      if (msg.type === 'untrack') {
        if (!this.#state.untrack(msg.topic, msg.key))
          throw new RangeError(`${msg.key} is not tracked in ${msg.topic}`);
        ctx.emit(fact('untracked', msg.topic, msg.key));
      } else {
        const meta = validateMeta(msg.meta, `${msg.type}(${msg.topic}, ${msg.key})`);
        if (msg.type === 'track') this.#state.track(msg.topic, msg.key, meta);
        else this.#state.update(msg.topic, msg.key, meta);
        ctx.emit(fact('tracked', msg.topic, msg.key, canonicalMeta(meta)));
      }
      this.#reply(ctx, from, { type: 'ok', id: msg.id });
    } catch (e) {
      this.#reply(ctx, from, { type: 'error', id: msg.id, message: (e as Error).message });
    }
  }

  /** Replies to a client; spec inputs (`$env`) have no one to answer. */
  #reply(ctx: Context<PresenceMsg>, to: NodeId, msg: PresenceMsg): void {
    if (to !== '$env') ctx.send(to, msg);
  }

  /** Recomputes the list and delivers the diff from the previous one. */
  #publish(ctx: Context<PresenceMsg>): void {
    const now = ctx.now();
    const listed = this.#state.view((n) => this.#membership.status(n, now) === 'up');
    const diffs = diffViews(this.#listed, listed);
    this.#listed = listed;
    if (diffs.length === 0) return;
    for (const d of diffs) {
      const enc = (es: TopicDiff['joins']): FactEntry[] =>
        es.map((e) => [e.node, e.key, e.replica, canonicalMeta(e.meta)] as const);
      ctx.emit(
        fact('presence-diff', d.topic, JSON.stringify(enc(d.joins)), JSON.stringify(enc(d.leaves))),
      );
    }
    this.#o.onDiff?.(ctx.id, diffs);
    // Mirror the list for the convergence checks.
    for (const k of ctx.memory.keys('list/')) ctx.memory.delete(k);
    for (const [topic, entries] of listed) {
      for (const e of entries.values())
        ctx.memory.set(
          `list/${topic}\u0000${e.node}\u0000${e.key}`,
          `${e.replica} ${canonicalMeta(e.meta)}`,
        );
    }
  }

  #nextIncarnation(ctx: Context<PresenceMsg>): number {
    const raw = ctx.storage.get(INCARNATION_KEY);
    const next = raw === undefined ? 0 : Number(new TextDecoder().decode(raw)) + 1;
    ctx.storage.put(INCARNATION_KEY, new TextEncoder().encode(String(next)));
    return next;
  }
}

/** The presence process factory. */
export function presenceProcess(options: PresenceOptions = {}): ProcessFactory<PresenceMsg> {
  return () => new PresenceNode(options);
}
