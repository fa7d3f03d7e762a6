/**
 * The available registry, the pure core: unique names on the cache's CRDT kernel, registrable on
 * any node even while it is cut off from the others. Each node owns the registrations made on it
 * (one entry per name and owner, stamped with the node's hybrid logical clock); the replicated
 * state is presence's add-wins dot kernel with incarnations ({@link PresenceState}: topic = name,
 * key = owner), so a node's registrations die with it and never come back through a stale peer.
 *
 * A node registers a name only when its own view shows no owner for it, but two nodes that cannot
 * hear each other (a partition, or gossip not yet arrived) may both register it: a **duplicate**.
 * Once both registrations are in one node's view, a **conflict resolver** picks the winner — a
 * pure function of the competing registrations, so every node picks the same one. The default,
 * {@link lowestRegistrationWins}, keeps the earliest registration by (registeredAt HLC, node,
 * owner); never "newest wall clock wins", which depends on skewed clocks. The loser's node is
 * told, exactly once per losing registration ({@link Conflict}), and removes the losing entry;
 * the resolver's `action` says explicitly what becomes of the losing owner:
 *
 * - `keep`: the owner goes on running but no longer holds the name (its other names stay);
 * - `kill`: the registry asks the owner's host to stop it, and drops every name the owner held on
 *   that node (a stopped process holds nothing).
 *
 * Until the loser's node has seen the winner, lookups on different nodes may name different
 * owners: the duplicate window, measured by registry-available-guarantees.ts. Entries of peers
 * the caller considers down are hidden (so their names may be registered again here: a source of
 * duplicates after a partition longer than the node timeout). Deterministic: no clock is read.
 */
import type { NodeId } from '../../core/ids.js';
import { compareHlc, type Hlc, HybridClock } from '../cache/crdt/hlc.js';
import { type PresenceEntry, PresenceState, type PresenceWire } from './presence.js';

/** One registration: `owner` holds `name`, registered on `node` at `registeredAt`. */
export interface Registration {
  readonly name: string;
  readonly owner: string;
  readonly node: NodeId;
  /** When it was registered, on the registering node's hybrid clock. */
  readonly registeredAt: Hlc;
}

/** What becomes of a losing owner: `keep` (it runs on without the name) or `kill` (its host is
 *  asked to stop it; all its names on that node are dropped). */
export type LoserAction = 'kill' | 'keep';

/** A resolver's decision for one contested name: the winner (one of the candidates) and what
 *  becomes of every loser. */
export interface Resolution {
  readonly winner: Registration;
  readonly action: LoserAction;
}

/**
 * Chooses among the registrations of one name. Must be a pure function of `candidates` as a set:
 * they come in this node's arrival order, which differs between nodes, so a resolver that depends
 * on the order (or on a clock, or on which node runs it) makes nodes disagree forever.
 */
export type ConflictResolver = (name: string, candidates: readonly Registration[]) => Resolution;

/** A losing registration, reported on its own node. `released`: other names the owner held on
 *  that node, dropped with it because the action is `kill`. */
export interface Conflict {
  readonly name: string;
  readonly winner: Registration;
  readonly loser: Registration;
  readonly action: LoserAction;
  readonly released: readonly string[];
}

/** Total order of registrations: registeredAt (HLC, whose last tie-breaker is the node), then
 *  node, then owner. */
function compareRegistrations(a: Registration, b: Registration): number {
  const byTime = compareHlc(a.registeredAt, b.registeredAt);
  if (byTime !== 0) return byTime;
  if (a.node !== b.node) return a.node < b.node ? -1 : 1;
  return a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0;
}

/** The same registration (name, owner, node and timestamp). */
function sameRegistration(a: Registration, b: Registration): boolean {
  return a.name === b.name && a.node === b.node && compareRegistrations(a, b) === 0;
}

/** A registration as one line: `name owner@node wall.logical` (facts and messages). */
export function registrationText(r: Registration): string {
  return `${r.name} ${r.owner}@${r.node} ${r.registeredAt.wallMs}.${r.registeredAt.logical}`;
}

/** The default resolver: the earliest registration wins (lowest {@link compareRegistrations}),
 *  and losers are killed — the registry's promise is one process per name, so a duplicate that
 *  kept running would do the named process's work twice. */
export const lowestRegistrationWins: ConflictResolver = (name, candidates) => {
  let winner: Registration | undefined;
  for (const c of candidates)
    if (winner === undefined || compareRegistrations(c, winner) < 0) winner = c;
  if (winner === undefined) throw new RangeError(`resolver for ${name}: no candidates`);
  return { winner, action: 'kill' };
};

/** {@link lowestRegistrationWins} with losers kept running (they only lose the name). */
export const lowestRegistrationWinsKeep: ConflictResolver = (name, candidates) => ({
  ...lowestRegistrationWins(name, candidates),
  action: 'keep',
});

function checkText(value: unknown, what: string, where: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\0'))
    throw new TypeError(
      `${where}: ${what} must be a non-empty string without NUL, got ${JSON.stringify(value)}`,
    );
  return value;
}

function isStamp(wallMs: unknown, logical: unknown): boolean {
  return (
    typeof wallMs === 'number' &&
    Number.isFinite(wallMs) &&
    wallMs >= 0 &&
    Number.isSafeInteger(logical) &&
    (logical as number) >= 0
  );
}

/** A listed presence entry as a registration; throws a TypeError naming a malformed timestamp. */
function registrationOf(e: PresenceEntry): Registration {
  const { wallMs, logical } = e.meta;
  if (!isStamp(wallMs, logical))
    throw new TypeError(
      `registration of ${e.topic} by ${e.key}@${e.node}: registeredAt needs a finite wallMs >= 0 and a whole logical >= 0, got ${JSON.stringify(e.meta)}`,
    );
  return {
    name: e.topic,
    owner: e.key,
    node: e.node,
    registeredAt: { wallMs: wallMs as number, logical: logical as number, node: e.node },
  };
}

/** One node's replica of the available registry. Mutable. */
export class AvailableRegistry {
  readonly #state: PresenceState;
  readonly #clock: HybridClock;
  readonly #resolver: ConflictResolver;

  /**
   * `incarnation`: a number this node never used before (persist a counter across restarts).
   * `resolver`: default {@link lowestRegistrationWins}; every node must use the same one.
   * `lastHlc`: a timestamp this node issued before (restored after a restart), so registrations
   * never go back in time. Default none.
   */
  constructor(
    readonly node: NodeId,
    incarnation: number,
    resolver: ConflictResolver = lowestRegistrationWins,
    lastHlc?: Hlc,
  ) {
    this.#state = new PresenceState(node, incarnation);
    this.#clock = new HybridClock(node, lastHlc);
    this.#resolver = resolver;
  }

  /** This node's replica name (`node@incarnation`). */
  get replica(): string {
    return this.#state.replica;
  }

  /** The last timestamp this node issued or observed (persist it to restore the clock). */
  get lastHlc(): Hlc {
    return this.#clock.last;
  }

  /**
   * Registers `name` for `owner` at physical time `nowMs`, unless this node's view (own entries
   * and those of peers for which `visible(node)` holds) already resolves the name to an owner:
   * then `taken`, naming the holder (which may be `owner` itself, registered on another node).
   */
  register(
    name: string,
    owner: string,
    nowMs: number,
    visible: (node: NodeId) => boolean,
  ):
    | { readonly kind: 'registered'; readonly registration: Registration }
    | { readonly kind: 'taken'; readonly holder: Registration } {
    checkText(name, 'name', 'register');
    checkText(owner, 'owner', `register ${name}`);
    const holder = this.lookup(name, visible);
    if (holder !== undefined) return { kind: 'taken', holder };
    const at = this.#clock.now(nowMs);
    this.#state.track(name, owner, { wallMs: at.wallMs, logical: at.logical });
    return {
      kind: 'registered',
      registration: { name, owner, node: this.node, registeredAt: at },
    };
  }

  /** Drops `owner`'s registration of `name` made on this node; returns whether there was one. */
  unregister(name: string, owner: string): boolean {
    return this.#state.untrack(name, owner);
  }

  /** The owner `name` resolves to in this node's view, or undefined when it is free. */
  lookup(name: string, visible: (node: NodeId) => boolean): Registration | undefined {
    return this.resolve(visible).get(name)?.winner;
  }

  /** Every name in this node's view whose name starts with `prefix`, resolved, in name order. */
  list(prefix: string, visible: (node: NodeId) => boolean): Registration[] {
    return [...this.resolve(visible).entries()]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, r]) => r.winner);
  }

  /** Every visible name with its candidates (in this node's arrival order) and the resolver's
   *  decision. Throws when the resolver returns something other than one of the candidates. */
  resolve(visible: (node: NodeId) => boolean): Map<
    string,
    {
      readonly winner: Registration;
      readonly action: LoserAction;
      readonly candidates: Registration[];
    }
  > {
    const out = new Map<
      string,
      { winner: Registration; action: LoserAction; candidates: Registration[] }
    >();
    for (const [name, entries] of this.#state.view(visible)) {
      const candidates = [...entries.values()].map(registrationOf);
      const only = candidates[0];
      if (candidates.length === 1 && only !== undefined) {
        out.set(name, { winner: only, action: 'keep', candidates });
        continue;
      }
      const r = this.#resolver(name, candidates);
      if (
        typeof r !== 'object' ||
        r === null ||
        !candidates.some((c) => sameRegistration(c, r.winner)) ||
        (r.action !== 'kill' && r.action !== 'keep')
      )
        throw new TypeError(
          `conflict resolver for ${name} returned ${JSON.stringify(r)}: it must return { winner: one of the ${candidates.length} candidates, action: 'kill' | 'keep' }`,
        );
      out.set(name, { winner: r.winner, action: r.action, candidates });
    }
    return out;
  }

  /**
   * Settles every conflict this node can see: each of its own registrations that lost is removed
   * and returned as a {@link Conflict} (with `kill`, the owner's other names here go too). Call
   * after every change of the view (a merge, a peer coming up); a losing registration is
   * reported once, since it is gone afterwards.
   */
  settle(visible: (node: NodeId) => boolean): Conflict[] {
    const conflicts: Conflict[] = [];
    for (const [name, { winner, action, candidates }] of this.resolve(visible)) {
      for (const loser of candidates) {
        if (loser.node !== this.node || sameRegistration(loser, winner)) continue;
        // Dropped already as another name of a killed owner.
        if (!this.unregister(name, loser.owner)) continue;
        const released: string[] = [];
        if (action === 'kill') {
          for (const other of this.list('', () => false))
            if (other.owner === loser.owner && other.node === this.node) {
              this.unregister(other.name, other.owner);
              released.push(other.name);
            }
        }
        conflicts.push({ name, winner, loser, action, released });
      }
    }
    return conflicts;
  }

  /** Joins a peer's state (validated first: a malformed state changes nothing and throws a
   *  TypeError naming what is wrong), and moves the clock past every timestamp in it. */
  merge(wire: PresenceWire, nowMs: number): void {
    if (typeof wire !== 'object' || wire === null || !Array.isArray(wire.entries))
      throw new TypeError('registry state from peer: needs an entries array');
    const stamps: Hlc[] = [];
    wire.entries.forEach((e, i) => {
      let meta: unknown;
      try {
        meta = Array.isArray(e) ? JSON.parse(String(e[5])) : undefined;
      } catch {
        meta = undefined;
      }
      const fields = new Map(Array.isArray(meta) ? (meta as [string, unknown][]) : []);
      const wallMs = fields.get('wallMs');
      const logical = fields.get('logical');
      if (!isStamp(wallMs, logical) || fields.size !== 2)
        throw new TypeError(
          `registry state from peer: entries[${i}] needs registeredAt { wallMs, logical }: a finite wallMs >= 0 and a whole logical >= 0`,
        );
      stamps.push({ wallMs: wallMs as number, logical: logical as number, node: String(e[2]) });
    });
    this.#state.merge(wire);
    for (const s of stamps) this.#clock.observe(s, nowMs);
  }

  /** Records that `replica` is alive (a message from it); older incarnations of its node go. */
  heard(replica: string): void {
    this.#state.heard(replica);
  }

  /** Drops every registration of `node` (it is permanently down). */
  collect(node: NodeId): void {
    this.#state.collect(node);
  }

  /** Re-adds own registrations under a fresh incarnation (after peers collected them). */
  reincarnate(incarnation: number): void {
    this.#state.reincarnate(incarnation);
  }

  /** This node's own registrations, in name order. */
  own(): Registration[] {
    return this.list('', () => false).filter((r) => r.node === this.node);
  }

  /** The whole state as plain data, for gossip. */
  encode(): PresenceWire {
    return this.#state.encode();
  }
}
