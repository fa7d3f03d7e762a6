/**
 * The available registry as a Cadre process: each node holds an {@link AvailableRegistry},
 * serves `register`, `unregister` and `lookup` requests from clients, and every
 * `gossipIntervalMs` sends its whole state to every peer (the send doubles as the heartbeat).
 * Liveness comes from the cache's {@link Membership}, as in presence: a peer silent for
 * `nodeTimeoutMs` is down and its registrations are hidden here (its names can be registered
 * again here); silent for `permDownAfterMs`, they are collected.
 *
 * After every handler the node settles conflicts — each of its own registrations that lost is
 * removed and reported once, as a `registry-conflict` fact and to `onConflict` (the host kills the
 * owner when the action is `kill`) — then publishes the owner each name resolves to: a
 * `registry-owner(name, owner, node)` fact when it changed, and a mirror in tracked memory
 * (`owner/<name>` → `owner@node`, `own/<name>` → owner for its own registrations) for the checks.
 * Registrations are volatile, as in presence: they die with the node; the incarnation counter and
 * the hybrid clock are durable, so a restarted node never reuses a replica name or goes back in
 * time.
 */
import { fact } from '../../core/fact.js';
import type { NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import type { Hlc } from '../cache/crdt/hlc.js';
import { Membership } from '../cache/membership.js';
import type { PresenceWire } from './presence.js';
import {
  AvailableRegistry,
  type Conflict,
  type ConflictResolver,
  lowestRegistrationWins,
  type Registration,
} from './registry-available.js';

/** Messages: client requests and replies, and peer gossip. */
export type RegistryMsg =
  | {
      readonly type: 'register';
      readonly id: number;
      readonly name: string;
      readonly owner: string;
    }
  | {
      readonly type: 'unregister';
      readonly id: number;
      readonly name: string;
      readonly owner: string;
    }
  | { readonly type: 'lookup'; readonly id: number; readonly name: string }
  | { readonly type: 'registered'; readonly id: number; readonly registration: Registration }
  | { readonly type: 'taken'; readonly id: number; readonly holder: Registration }
  | { readonly type: 'owner'; readonly id: number; readonly owner: Registration | null }
  | { readonly type: 'ok'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  | { readonly type: 'gossip'; readonly replica: string; readonly state: PresenceWire };

/** Options of {@link availableRegistryProcess}. */
export interface AvailableRegistryOptions {
  /** Period of state gossip (and heartbeat) to every peer, ms. Default 50. */
  readonly gossipIntervalMs?: number;
  /** A peer silent this long is down: its registrations are hidden here, ms. Default 500. */
  readonly nodeTimeoutMs?: number;
  /** A peer silent this long is permanently down: its registrations are collected, ms.
   *  Default 5000. */
  readonly permDownAfterMs?: number;
  /** Picks the winner of a contested name. Default {@link lowestRegistrationWins}. Every node
   *  must run the same pure resolver. */
  readonly resolver?: ConflictResolver;
  /** Told about each losing registration of this node, once (in addition to the
   *  `registry-conflict` fact): the host stops the owner when `action` is `kill`. */
  readonly onConflict?: (node: NodeId, conflict: Conflict) => void;
}

const INCARNATION_KEY = new TextEncoder().encode('registry/incarnation');
const CLOCK_KEY = new TextEncoder().encode('registry/hlc');

class RegistryNode implements Process<RegistryMsg> {
  readonly #o: Required<Omit<AvailableRegistryOptions, 'onConflict'>> &
    Pick<AvailableRegistryOptions, 'onConflict'>;
  #registry!: AvailableRegistry;
  #membership!: Membership;
  /** name → `owner@node` as last published. */
  #published = new Map<string, string>();

  constructor(options: AvailableRegistryOptions) {
    this.#o = {
      gossipIntervalMs: 50,
      nodeTimeoutMs: 500,
      permDownAfterMs: 5000,
      resolver: lowestRegistrationWins,
      ...options,
    };
  }

  init(ctx: Context<RegistryMsg>): void {
    const raw = ctx.storage.get(CLOCK_KEY);
    const last = raw === undefined ? undefined : (JSON.parse(new TextDecoder().decode(raw)) as Hlc);
    this.#registry = new AvailableRegistry(
      ctx.id,
      this.#nextIncarnation(ctx),
      this.#o.resolver,
      last,
    );
    this.#membership = new Membership(
      ctx.peers,
      ctx.now(),
      this.#o.nodeTimeoutMs,
      this.#o.permDownAfterMs,
    );
    this.#published = new Map();
    ctx.emit(fact('registry-start', this.#registry.replica));
    ctx.setTimer('gossip', this.#o.gossipIntervalMs);
  }

  receive(ctx: Context<RegistryMsg>, from: NodeId, msg: RegistryMsg): void {
    if (msg.type === 'gossip') {
      if (!ctx.peers.includes(from)) return;
      const before = this.#membership.heard(from, ctx.now());
      if (before === 'perm-down') {
        // Each side collected the other's registrations: re-add ours under fresh dots.
        this.#registry.reincarnate(this.#nextIncarnation(ctx));
        ctx.emit(fact('registry-reincarnate', this.#registry.replica));
      }
      try {
        this.#registry.heard(msg.replica);
        this.#registry.merge(msg.state, ctx.now());
      } catch (e) {
        ctx.log(`dropped malformed gossip from ${from}: ${(e as Error).message}`);
      }
    } else if (msg.type === 'register' || msg.type === 'unregister' || msg.type === 'lookup') {
      this.#serve(ctx, from, msg);
    }
    this.#settle(ctx);
  }

  timer(ctx: Context<RegistryMsg>): void {
    const now = ctx.now();
    for (const peer of this.#membership.peers('perm-down', now)) this.#registry.collect(peer);
    const state = this.#registry.encode();
    for (const peer of ctx.peers)
      ctx.send(peer, { type: 'gossip', replica: this.#registry.replica, state });
    this.#settle(ctx);
    ctx.setTimer('gossip', this.#o.gossipIntervalMs);
  }

  #visible(ctx: Context<RegistryMsg>): (node: NodeId) => boolean {
    const now = ctx.now();
    return (node) => this.#membership.status(node, now) === 'up';
  }

  #serve(
    ctx: Context<RegistryMsg>,
    from: NodeId,
    msg: Extract<RegistryMsg, { type: 'register' | 'unregister' | 'lookup' }>,
  ): void {
    try {
      if (msg.type === 'lookup') {
        const owner = this.#registry.lookup(msg.name, this.#visible(ctx)) ?? null;
        this.#reply(ctx, from, { type: 'owner', id: msg.id, owner });
      } else if (msg.type === 'unregister') {
        if (!this.#registry.unregister(msg.name, msg.owner))
          throw new RangeError(`${msg.owner} holds no registration of ${msg.name} on ${ctx.id}`);
        ctx.emit(fact('unregistered', msg.name, msg.owner));
        this.#reply(ctx, from, { type: 'ok', id: msg.id });
      } else {
        const r = this.#registry.register(msg.name, msg.owner, ctx.now(), this.#visible(ctx));
        if (r.kind === 'taken') {
          this.#reply(ctx, from, { type: 'taken', id: msg.id, holder: r.holder });
          return;
        }
        // Durable before the reply leaves: a restart never issues an earlier timestamp.
        ctx.storage.put(
          CLOCK_KEY,
          new TextEncoder().encode(JSON.stringify(this.#registry.lastHlc)),
        );
        const at = r.registration.registeredAt;
        ctx.emit(fact('registered', msg.name, msg.owner, at.wallMs, at.logical));
        this.#reply(ctx, from, { type: 'registered', id: msg.id, registration: r.registration });
      }
    } catch (e) {
      this.#reply(ctx, from, { type: 'error', id: msg.id, message: (e as Error).message });
    }
  }

  /** Replies to a client; spec inputs (`$env`) have no one to answer. */
  #reply(ctx: Context<RegistryMsg>, to: NodeId, msg: RegistryMsg): void {
    if (to !== '$env') ctx.send(to, msg);
  }

  /** Settles conflicts (reporting each loss of this node once), then publishes owners. */
  #settle(ctx: Context<RegistryMsg>): void {
    const visible = this.#visible(ctx);
    for (const c of this.#registry.settle(visible)) {
      const w = c.winner;
      const l = c.loser;
      ctx.emit(
        fact(
          'registry-conflict',
          c.name,
          w.owner,
          w.node,
          l.owner,
          l.registeredAt.wallMs,
          l.registeredAt.logical,
          c.action,
        ),
      );
      for (const name of c.released) ctx.emit(fact('unregistered', name, l.owner));
      this.#o.onConflict?.(ctx.id, c);
    }
    const now = new Map<string, string>();
    for (const r of this.#registry.list('', visible)) now.set(r.name, `${r.owner}@${r.node}`);
    const names = [...new Set([...this.#published.keys(), ...now.keys()])].sort();
    for (const name of names) {
      const before = this.#published.get(name);
      const after = now.get(name);
      if (before === after) continue;
      const [owner, node] = after === undefined ? ['', ''] : splitOwner(after);
      ctx.emit(fact('registry-owner', name, owner, node));
      if (after === undefined) ctx.memory.delete(`owner/${name}`);
      else ctx.memory.set(`owner/${name}`, after);
    }
    this.#published = now;
    const own = new Map(this.#registry.own().map((r) => [r.name, r.owner]));
    for (const k of ctx.memory.keys('own/'))
      if (own.get(k.slice(4)) === undefined) ctx.memory.delete(k);
    for (const [name, owner] of own)
      if (ctx.memory.get(`own/${name}`) !== owner) ctx.memory.set(`own/${name}`, owner);
  }

  #nextIncarnation(ctx: Context<RegistryMsg>): number {
    const raw = ctx.storage.get(INCARNATION_KEY);
    const next = raw === undefined ? 0 : Number(new TextDecoder().decode(raw)) + 1;
    ctx.storage.put(INCARNATION_KEY, new TextEncoder().encode(String(next)));
    return next;
  }
}

/** `owner@node` split at its last '@'. */
function splitOwner(text: string): [string, string] {
  const at = text.lastIndexOf('@');
  return [text.slice(0, at), text.slice(at + 1)];
}

/** The available registry's process factory. */
export function availableRegistryProcess(
  options: AvailableRegistryOptions = {},
): ProcessFactory<RegistryMsg> {
  return () => new RegistryNode(options);
}
