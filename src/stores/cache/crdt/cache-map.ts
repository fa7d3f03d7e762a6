/**
 * The cache's replicated state: an add-wins map from keys to LWW values with embedded counters,
 * as a delta-state CRDT whose causal context is kept **per key** (like Riak's dotted version
 * vectors) plus one **knowledge vector** for the whole replica.
 *
 * Why per-key contexts: anti-entropy repairs one bucket of keys at a time. With a single
 * map-wide context (Almeida's AWMap) a partial state cannot carry its context without claiming
 * dots of keys it does not include — the lost-update trap of naive Merkle repair. A key's own
 * context describes exactly that key, so joining any subset of keys is safe.
 *
 * Dots: every write gets `(replica, seq)` with `seq` counting the replica's writes (all keys). A
 * replica's later write to a key always supersedes its earlier writes to that key (it observes
 * them; an increment folds its earlier contribution in), so a key's context is a version vector:
 * replica → highest seq seen for this key.
 *
 * Knowledge: `knowledge[r] = n` means this replica's state reflects every write of `r` with
 * `seq <= n` (holds it, or holds what superseded or removed it). It advances only when the state
 * provably contains another replica's state (after a complete anti-entropy exchange), and the
 * replica's own entry is its own seq. Entries at or below it that are not held are stale
 * re-deliveries and are refused. The cluster-wide minimum of the members' knowledge is the
 * causal-stability frontier: key contexts at or below it carry no information anyone lacks, so
 * they are pruned, and a deleted key whose context is fully pruned (a tombstone) is collected.
 *
 * Values: an entry carries a base (a SET's value, its hybrid timestamp and expiry) and `add`, the
 * increments its replica made on top of that base. A key's value is the winning base (conflict
 * resolver; default: larger timestamp) plus the increments of every entry on that same base. So
 * concurrent INCRBYs on different replicas all count; an INCRBY concurrent with a SET elsewhere
 * is dropped if that SET wins.
 */
import { assert } from '../../../core/assert.js';
import { BucketDigest, bucketOf, DEFAULT_BUCKETS } from './digest.js';
import { compareHlc, type Hlc, ZERO_HLC } from './hlc.js';

/** One write held for a key. Immutable; the dot `(replica, seq)` identifies it. */
export interface CacheEntry {
  readonly replica: string;
  readonly seq: number;
  /** Timestamp of the base write (ZERO_HLC for a counter started on an absent key). */
  readonly hlc: Hlc;
  /** Base value; null when the key was absent when counting started. */
  readonly value: string | null;
  /** Absolute expiry of the base, ms on the writer's clock; 0 = never. */
  readonly expiresAtMs: number;
  /** Increments by `replica` on top of the base. */
  readonly add: number;
}

/** A key's replicated state. Immutable. No entries and a non-empty context: a tombstone. */
export interface KeyState {
  readonly entries: readonly CacheEntry[];
  /** replica → highest seq of this key seen (pruned below the stability frontier). */
  readonly context: ReadonlyMap<string, number>;
}

/** A delta or a (partial) state: key → key state. */
export type CacheDelta = Map<string, KeyState>;

/** A base competing for a key (for conflict resolution). */
export interface CacheCandidate {
  readonly value: string | null;
  readonly hlc: Hlc;
  readonly expiresAtMs: number;
}

/** Picks the winning base of a key among concurrent ones, sorted by timestamp. Must be a pure
 * function of its arguments — the same on every replica — so never read a clock here. */
export type CacheResolver = (key: string, candidates: readonly CacheCandidate[]) => CacheCandidate;

/** A key's resolved value. */
export interface ResolvedValue {
  readonly value: string;
  readonly expiresAtMs: number;
  /** Timestamp of the winning base. */
  readonly hlc: Hlc;
  /** Number of concurrent bases (siblings) the resolver chose among. */
  readonly siblings: number;
}

/** INCRBY on a value that is not an integer, or a result out of the safe-integer range. */
export class NotAnIntegerError extends Error {
  override readonly name = 'NotAnIntegerError';
}

const EMPTY_CONTEXT: ReadonlyMap<string, number> = new Map();

/**
 * How an entry is held in the map: the timestamp's fields inline rather than an {@link Hlc}
 * object of their own: one 48-byte object fewer per stored write for one more field, ≈ 40 B net on
 * 64-bit V8 without pointer compression (296 → 260 B/key of live heap in bench/cache.ts). The replica and timestamp node strings are interned per map (see
 * {@link CacheMap}), so entries decoded from peers' messages do not each carry copies of them.
 * Immutable, like every entry; `hlc` builds the timestamp on demand.
 */
class StoredEntry implements CacheEntry {
  readonly replica: string;
  readonly seq: number;
  readonly wallMs: number;
  readonly logical: number;
  readonly node: string;
  readonly value: string | null;
  readonly expiresAtMs: number;
  readonly add: number;

  constructor(
    replica: string,
    seq: number,
    hlc: Hlc,
    node: string,
    value: string | null,
    expiresAtMs: number,
    add: number,
  ) {
    this.replica = replica;
    this.seq = seq;
    this.wallMs = hlc.wallMs;
    this.logical = hlc.logical;
    this.node = node;
    this.value = value;
    this.expiresAtMs = expiresAtMs;
    this.add = add;
  }

  get hlc(): Hlc {
    return { wallMs: this.wallMs, logical: this.logical, node: this.node };
  }
}

/** Interned names are few (one per cluster member); past this many, names are kept as given so a
 * peer sending odd node ids cannot grow the table without bound. */
const MAX_INTERNED_NAMES = 1024;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** Whether `value` is a decimal integer string in the safe-integer range (Redis' rule, minus
 * the 64-bit range: JavaScript numbers are exact up to 2^53). */
export function parseInteger(value: string): number | undefined {
  if (!INTEGER.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

const lastBase: CacheResolver = (_key, candidates) =>
  candidates[candidates.length - 1] as CacheCandidate;

/** Options of {@link CacheMap}. */
export interface CacheMapOptions {
  /** Conflict resolver for concurrent SETs. Default: larger hybrid timestamp wins. */
  readonly resolve?: CacheResolver;
  /** Digest buckets. Default {@link DEFAULT_BUCKETS}. */
  readonly buckets?: number;
}

/** One replica's state. Mutable; mutators return the delta to ship. */
export class CacheMap {
  readonly replica: string;
  readonly digest: BucketDigest;
  readonly #resolve: CacheResolver;
  /** Insertion order is recency order (least recently used first): see {@link touch}. */
  /** A key whose state is one entry and an empty context (the common case once stable) is
   * stored as the bare entry: no state object, no array — about 50 bytes less per key. */
  readonly #keys = new Map<string, KeyState | CacheEntry>();
  readonly #knowledge = new Map<string, number>();
  /** Keys whose context is not empty (candidates for pruning). */
  readonly #unstable = new Set<string>();
  /** Replica and timestamp-node strings, one copy each (see {@link StoredEntry}). */
  readonly #names = new Map<string, string>();
  /** The last causal-stability frontier given to {@link collect}. */
  #frontier: ReadonlyMap<string, number> = new Map();
  #seq = 0;
  #live = 0;
  #bytes = 0;

  constructor(replica: string, options: CacheMapOptions = {}) {
    this.replica = replica;
    this.#resolve = options.resolve ?? lastBase;
    this.digest = new BucketDigest(options.buckets ?? DEFAULT_BUCKETS);
  }

  /** This replica's write counter (the seq of its last write). */
  get seq(): number {
    return this.#seq;
  }

  /** Keys holding a value (tombstones excluded). */
  get liveKeys(): number {
    return this.#live;
  }

  /** Keys stored, tombstones included. */
  get storedKeys(): number {
    return this.#keys.size;
  }

  /** Approximate heap bytes of the stored states (see {@link stateBytes}). */
  get bytes(): number {
    return this.#bytes;
  }

  get knowledge(): ReadonlyMap<string, number> {
    return this.#knowledge;
  }

  /** The stored state of `key` (undefined: never seen, or collected). */
  state(key: string): KeyState | undefined {
    return this.#get(key);
  }

  /** Every stored key, least recently used first. */
  keys(): IterableIterator<string> {
    return this.#keys.keys();
  }

  /** Marks `key` as just used (moves it to the back of the eviction order). */
  touch(key: string): void {
    const s = this.#keys.get(key);
    if (s === undefined) return;
    this.#keys.delete(key);
    this.#keys.set(key, s);
  }

  /** The resolved value of `key`, ignoring expiry; undefined when absent or deleted. */
  resolve(key: string): ResolvedValue | undefined {
    const stored = this.#keys.get(key);
    if (stored === undefined) return undefined;
    if (!('entries' in stored)) {
      const e = stored;
      const value =
        e.value === null ? String(e.add) : e.add === 0 ? e.value : String(Number(e.value) + e.add);
      return { value, expiresAtMs: e.expiresAtMs, hlc: e.hlc, siblings: 1 };
    }
    const s = stored;
    if (s.entries.length === 0) return undefined;
    const bases: CacheCandidate[] = [];
    for (const e of s.entries) {
      if (!bases.some((b) => compareHlc(b.hlc, e.hlc) === 0)) bases.push(e);
    }
    bases.sort((a, b) => compareHlc(a.hlc, b.hlc));
    const winner = bases.length === 1 ? (bases[0] as CacheCandidate) : this.#resolve(key, bases);
    let add = 0;
    for (const e of s.entries) if (compareHlc(e.hlc, winner.hlc) === 0) add += e.add;
    const value =
      winner.value === null
        ? String(add)
        : add === 0
          ? winner.value
          : String(Number(winner.value) + add);
    return { value, expiresAtMs: winner.expiresAtMs, hlc: winner.hlc, siblings: bases.length };
  }

  /** The value of `key` as a reader at `nowMs` sees it: absent when expired. */
  read(key: string, nowMs: number): ResolvedValue | undefined {
    const v = this.resolve(key);
    if (v === undefined || (v.expiresAtMs !== 0 && v.expiresAtMs <= nowMs)) return undefined;
    return v;
  }

  /** SET: replaces every observed write of `key`. `expiresAtMs` 0 = never. */
  set(key: string, value: string, hlc: Hlc, expiresAtMs: number): CacheDelta {
    const seq = this.#nextSeq();
    const prior = this.#get(key);
    const context = new Map(prior?.context ?? EMPTY_CONTEXT);
    for (const e of prior?.entries ?? []) {
      if (e.seq > (context.get(e.replica) ?? 0)) context.set(e.replica, e.seq);
    }
    context.set(this.replica, seq);
    const entry = this.#pack({ replica: this.replica, seq, hlc, value, expiresAtMs, add: 0 });
    const next: KeyState = { entries: [entry], context };
    this.#store(key, prior, next);
    return new Map([[key, next]]);
  }

  /** DEL: removes every observed write of `key`, as a write of its own (it takes a seq). Undefined
   * (no delta) when nothing is held. */
  remove(key: string): CacheDelta | undefined {
    const prior = this.#get(key);
    if (prior === undefined || prior.entries.length === 0) return undefined;
    const context = new Map(prior.context);
    for (const e of prior.entries) {
      if (e.seq > (context.get(e.replica) ?? 0)) context.set(e.replica, e.seq);
    }
    // The removal is an event of its own: without a dot, causal stability could not tell whether
    // every replica has seen it, and the tombstone could be collected while others still hold
    // the removed entries.
    context.set(this.replica, this.#nextSeq());
    const next: KeyState = { entries: [], context };
    this.#store(key, prior, next);
    return new Map([[key, next]]);
  }

  /**
   * INCRBY: adds `by` to the value of `key` (a missing or expired key counts from 0). Throws
   * {@link NotAnIntegerError} when the value is not an integer or the result leaves the
   * safe-integer range; nothing changes then.
   */
  incrBy(key: string, by: number, nowMs: number): { delta: CacheDelta; value: number } {
    if (!Number.isSafeInteger(by)) throw new NotAnIntegerError(`increment ${by} is not an integer`);
    const prior = this.#get(key);
    const current = this.read(key, nowMs);
    if (current === undefined) {
      // Absent or expired: count from nothing, observing (and so removing) any expired writes.
      // Concurrent INCRBYs on other replicas also start from ZERO_HLC, so they add up.
      const seq = this.#nextSeq();
      const context = new Map(prior?.context ?? EMPTY_CONTEXT);
      for (const e of prior?.entries ?? []) {
        if (e.seq > (context.get(e.replica) ?? 0)) context.set(e.replica, e.seq);
      }
      context.set(this.replica, seq);
      const entry: CacheEntry = {
        replica: this.replica,
        seq,
        hlc: ZERO_HLC,
        value: null,
        expiresAtMs: 0,
        add: by,
      };
      const next: KeyState = { entries: [entry], context };
      this.#store(key, prior, next);
      return { delta: new Map([[key, next]]), value: by };
    }
    const base = parseInteger(current.value);
    if (base === undefined) throw new NotAnIntegerError('value is not an integer or out of range');
    const result = base + by;
    if (!Number.isSafeInteger(result)) {
      throw new NotAnIntegerError('increment or decrement would overflow');
    }
    const winner = (prior as KeyState).entries.find((e) => compareHlc(e.hlc, current.hlc) === 0);
    assert(winner !== undefined, 'cache-winner-held', `winning base of ${key} is held`);
    const own = (prior as KeyState).entries.find(
      (e) => e.replica === this.replica && compareHlc(e.hlc, current.hlc) === 0,
    );
    const seq = this.#nextSeq();
    const entry: CacheEntry = {
      replica: this.replica,
      seq,
      hlc: winner.hlc,
      value: winner.value,
      expiresAtMs: winner.expiresAtMs,
      add: (own?.add ?? 0) + by,
    };
    // Only this replica's own earlier writes are superseded; the others' entries stay.
    const entries = (prior as KeyState).entries.filter((e) => e.replica !== this.replica);
    entries.push(entry);
    const context = new Map((prior as KeyState).context);
    context.set(this.replica, seq);
    this.#store(key, prior, { entries, context });
    return {
      delta: new Map([[key, { entries: [entry], context: new Map([[this.replica, seq]]) }]]),
      value: result,
    };
  }

  /** Joins a delta or a (partial) state; returns the keys whose state changed. */
  join(delta: ReadonlyMap<string, KeyState>): string[] {
    const changed: string[] = [];
    for (const [key, incoming] of delta) {
      if (this.#joinKey(key, incoming)) changed.push(key);
    }
    return changed;
  }

  /** Raises the knowledge vector pointwise to `other` — only when this state provably contains a
   * state that `other` described (see the module comment). */
  learn(other: ReadonlyMap<string, number>): void {
    for (const [r, n] of other) {
      if (r === this.replica) continue; // own writes are known exactly
      if (n > (this.#knowledge.get(r) ?? 0)) this.#knowledge.set(r, n);
    }
  }

  /**
   * Drops key contexts wholly at or below `frontier` (the causal-stability frontier: replica → seq
   * every member's knowledge covers) and collects tombstones so emptied. Returns the number
   * collected. A context is dropped whole or not at all: its entries are not independent (a
   * removal's own dot is what makes the removed dots' entries meaningful to others), so pruning
   * part of it would turn a removal into a no-op for replicas that still hold the removed entry.
   */
  collect(frontier: ReadonlyMap<string, number>): number {
    let collected = 0;
    this.#frontier = new Map(frontier);
    for (const key of [...this.#unstable]) {
      const s = this.#get(key) as KeyState;
      if (!isStable(s.context, frontier)) continue;
      if (s.entries.length === 0) collected++;
      this.#store(key, s, { entries: s.entries, context: EMPTY_CONTEXT }, false);
    }
    return collected;
  }

  /** The states of every key in `buckets` (tombstones included), for anti-entropy. */
  statesInBuckets(buckets: ReadonlySet<number>): CacheDelta {
    const out: CacheDelta = new Map();
    // Every bucket differs after a heal: then no key needs hashing.
    const all = buckets.size >= this.digest.buckets;
    for (const [key, s] of this.#keys) {
      if (all || buckets.has(bucketOf(key, this.digest.buckets))) out.set(key, wrap(s));
    }
    return out;
  }

  /** Restores state read back from storage after a restart. */
  restore(key: string, state: KeyState): void {
    for (const e of state.entries)
      if (e.replica === this.replica && e.seq > this.#seq) this.#seq = e.seq;
    this.#store(key, this.#get(key), state);
  }

  /** Restores the write counter and knowledge after a restart. */
  restoreCounters(seq: number, knowledge: ReadonlyMap<string, number>): void {
    if (seq > this.#seq) this.#seq = seq;
    this.#knowledge.set(this.replica, this.#seq);
    this.learn(knowledge);
  }

  #get(key: string): KeyState | undefined {
    const s = this.#keys.get(key);
    return s === undefined ? undefined : wrap(s);
  }

  /** `e` in its stored form, with interned names. */
  #pack(e: CacheEntry): StoredEntry {
    if (e instanceof StoredEntry) return e;
    const hlc = e.hlc;
    return new StoredEntry(
      this.#intern(e.replica),
      e.seq,
      hlc,
      this.#intern(hlc.node),
      e.value,
      e.expiresAtMs,
      e.add,
    );
  }

  #intern(name: string): string {
    const known = this.#names.get(name);
    if (known !== undefined) return known;
    if (this.#names.size < MAX_INTERNED_NAMES) this.#names.set(name, name);
    return name;
  }

  #nextSeq(): number {
    this.#seq++;
    this.#knowledge.set(this.replica, this.#seq);
    return this.#seq;
  }

  #joinKey(key: string, incoming: KeyState): boolean {
    const prior = this.#get(key);
    if (prior === undefined) return this.#joinNewKey(key, incoming);
    const context = prior?.context ?? EMPTY_CONTEXT;
    const held = prior?.entries ?? [];
    const kept = held.filter(
      (e) =>
        e.seq > (incoming.context.get(e.replica) ?? 0) ||
        incoming.entries.some((i) => i.replica === e.replica && i.seq === e.seq),
    );
    const added = incoming.entries.filter(
      (i) =>
        i.seq > (context.get(i.replica) ?? 0) &&
        i.seq > (this.#knowledge.get(i.replica) ?? 0) &&
        !held.some((e) => e.replica === i.replica && e.seq === i.seq),
    );
    let merged: Map<string, number> | undefined;
    // Merged even when the knowledge vector covers it (the context is what tells *other*
    // replicas that their older entries of this key were removed), unless all of it is causally
    // stable: then every member already knows it, and it would only be pruned again.
    if (!isStable(incoming.context, this.#frontier)) {
      for (const [r, n] of incoming.context) {
        if (n > (context.get(r) ?? 0)) {
          merged ??= new Map(context);
          merged.set(r, n);
        }
      }
    }
    if (added.length === 0 && kept.length === held.length && merged === undefined) return false;
    const entries = added.length === 0 ? kept : [...kept, ...added];
    let next: KeyState = { entries, context: merged ?? context };
    for (const e of added) {
      if (
        e.seq > (next.context.get(e.replica) ?? 0) &&
        e.seq > (this.#frontier.get(e.replica) ?? 0)
      ) {
        // Contexts cover their entries unless pruned below the stability frontier.
        const c = new Map(next.context);
        c.set(e.replica, e.seq);
        next = { entries, context: c };
      }
    }
    this.#store(key, prior, next);
    return true;
  }

  /** {@link #joinKey} for a key not held here (most keys of a heal or a bootstrap): the same
   * result without the comparisons against held entries. The incoming context is shared, not
   * copied: stored contexts are never mutated. */
  #joinNewKey(key: string, incoming: KeyState): boolean {
    let entries: CacheEntry[] | readonly CacheEntry[] = incoming.entries;
    for (const i of incoming.entries) {
      if (i.seq <= (this.#knowledge.get(i.replica) ?? 0)) {
        entries = incoming.entries.filter((e) => e.seq > (this.#knowledge.get(e.replica) ?? 0));
        break;
      }
    }
    let context = isStable(incoming.context, this.#frontier) ? EMPTY_CONTEXT : incoming.context;
    if (entries.length === 0 && context === EMPTY_CONTEXT) return false;
    for (const e of entries) {
      if (e.seq > (context.get(e.replica) ?? 0) && e.seq > (this.#frontier.get(e.replica) ?? 0)) {
        // Contexts cover their entries unless pruned below the stability frontier.
        const c = new Map(context);
        c.set(e.replica, e.seq);
        context = c;
      }
    }
    this.#store(key, undefined, { entries, context });
    return true;
  }

  /** Replaces `key`'s state, keeping digest, counts, byte total and the unstable set in step. */
  #store(key: string, prior: KeyState | undefined, next: KeyState, touch = true): void {
    const bucket = bucketOf(key, this.digest.buckets);
    if (prior !== undefined) {
      for (const e of prior.entries) {
        if (!next.entries.includes(e)) this.digest.toggle(bucket, key, e.replica, e.seq);
      }
      if (prior.entries.length > 0) this.#live--;
      this.#bytes -= stateBytes(key, prior);
    }
    for (const e of next.entries) {
      if (prior === undefined || !prior.entries.includes(e))
        this.digest.toggle(bucket, key, e.replica, e.seq);
    }
    if (next.entries.length === 0 && next.context.size === 0) {
      this.#keys.delete(key);
      this.#unstable.delete(key);
      return;
    }
    if (next.entries.length > 0) this.#live++;
    this.#bytes += stateBytes(key, next);
    // Packing keeps an entry's identity once stored (a StoredEntry packs to itself), which the
    // digest bookkeeping above relies on when the next state carries it over.
    const entries = next.entries.every((e) => e instanceof StoredEntry)
      ? next.entries
      : next.entries.map((e) => this.#pack(e));
    const stored: KeyState | CacheEntry =
      next.context.size === 0 && entries.length === 1
        ? (entries[0] as CacheEntry)
        : { entries, context: next.context.size === 0 ? EMPTY_CONTEXT : next.context };
    if (touch) this.#keys.delete(key); // re-insert: a written key becomes the most recently used
    this.#keys.set(key, stored);
    if (next.context.size > 0) this.#unstable.add(key);
    else this.#unstable.delete(key);
  }
}

/** Whether every entry of `context` is at or below `frontier`. */
function isStable(
  context: ReadonlyMap<string, number>,
  frontier: ReadonlyMap<string, number>,
): boolean {
  for (const [r, n] of context) if (n > (frontier.get(r) ?? 0)) return false;
  return true;
}

/** Approximate heap bytes of a key's state: strings at 2 bytes a character (an upper bound:
 * Latin-1 strings take one) plus fixed overheads measured on 64-bit V8 without pointer
 * compression (stored entry with its boxed timestamp ≈ 104 B, map slot and key state ≈ 64 B,
 * context slot ≈ 32 B). With 16-byte keys and values this gives 232 B, against 233 B/key of
 * live heap measured by bench/cache.ts at ~1M keys. */
export function stateBytes(key: string, s: KeyState): number {
  let n = 64 + 2 * key.length + 32 * s.context.size;
  for (const e of s.entries) n += 104 + 2 * (e.value?.length ?? 0);
  return n;
}

/** A stored value as a key state (a bare entry stands for one entry and an empty context). */
function wrap(s: KeyState | CacheEntry): KeyState {
  return 'entries' in s ? s : { entries: [s], context: EMPTY_CONTEXT };
}
