/**
 * Presence (Phoenix.Tracker style), the pure core: per topic, entries `(topic, node, key) → meta`
 * owned by the node that tracks them. Each node is the only writer of its own entries, so the
 * replicated state is one add-wins/observed-remove dot kernel (the cache's `crdt/dot-kernel.ts`)
 * whose dots are named by the owner's *incarnation* (`node@n`): a restarted or rejoining node
 * writes under a fresh incarnation, and every replica drops the entries of older incarnations of
 * that node (its processes died with it). Removal keeps the dot in the causal context, so a
 * removed entry never comes back through a stale peer.
 *
 * What a node *lists* is the replicated state filtered by liveness: entries of peers the caller
 * considers down are hidden (they reappear when the peer is heard again), and entries of
 * permanently-down peers are collected from the state. Subscribers get join/leave **diffs** per
 * topic, computed from the listed view before and after each change ({@link diffViews}), so a
 * merge that both adds and removes entries yields both. Deterministic: no clock is read here.
 */
import { assert } from '../../core/assert.js';
import type { NodeId } from '../../core/ids.js';
import { CausalContext, type Dot, dotKey } from '../cache/crdt/causal-context.js';
import { DotKernel } from '../cache/crdt/dot-kernel.js';

/** Per-entry metadata: a flat JSON object (e.g. `{ status: 'away', device: 'phone' }`). */
export type PresenceMeta = Readonly<Record<string, string | number | boolean | null>>;

/** One listed entry. `replica` is the owner's incarnation that tracked it. */
export interface PresenceEntry {
  readonly topic: string;
  readonly node: NodeId;
  readonly key: string;
  readonly meta: PresenceMeta;
  readonly replica: string;
}

/** The listed view: topic → entry id (`node`, `key`) → entry. */
export type PresenceView = ReadonlyMap<string, ReadonlyMap<string, PresenceEntry>>;

/** What changed in one topic: `leaves` are removed first, then `joins` added. A metadata update
 * is a leave of the old entry and a join of the new one (as Phoenix.Presence reports it). */
export interface TopicDiff {
  readonly topic: string;
  readonly joins: readonly PresenceEntry[];
  readonly leaves: readonly PresenceEntry[];
}

/** The replicated state on the wire: entries `[replica, counter, node, topic, key, metaJson]` and
 * the causal context as a version vector `[replica, max]` (contexts here never have gaps: each
 * incarnation's dots are made contiguously by its owner and only whole contexts are joined). */
export interface PresenceWire {
  readonly entries: readonly (readonly [string, number, string, string, string, string])[];
  readonly context: readonly (readonly [string, number])[];
}

/** The identity of an entry inside its topic. */
function entryId(node: NodeId, key: string): string {
  return `${node}\u0000${key}`;
}

/** Metadata as a canonical string (keys sorted): equal metadata ⇔ equal strings. */
export function canonicalMeta(meta: PresenceMeta): string {
  return JSON.stringify(
    Object.keys(meta)
      .sort()
      .map((k) => [k, meta[k]]),
  );
}

function metaFromCanonical(text: string, where: string): PresenceMeta {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new TypeError(`${where}: metadata must be [key, value] pairs`);
  const out: Record<string, string | number | boolean | null> = {};
  for (const pair of parsed) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string')
      throw new TypeError(`${where}: metadata pair ${JSON.stringify(pair)} is not [key, value]`);
    const v: unknown = pair[1];
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v))
      throw new TypeError(`${where}: metadata value of ${pair[0]} must be a scalar`);
    out[pair[0]] = v as string | number | boolean | null;
  }
  return out;
}

/** Checks user-supplied metadata; throws a TypeError naming the bad field. */
export function validateMeta(meta: unknown, where: string): PresenceMeta {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw new TypeError(`${where}: metadata must be an object of scalars`);
  for (const [k, v] of Object.entries(meta)) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v))
      throw new TypeError(
        `${where}: metadata field ${k} must be a string, number, boolean or null`,
      );
  }
  return meta as PresenceMeta;
}

function sameEntry(a: PresenceEntry, b: PresenceEntry): boolean {
  return a.replica === b.replica && canonicalMeta(a.meta) === canonicalMeta(b.meta);
}

/** The diffs that turn `before` into `after`, one per changed topic, sorted by topic; entries in
 * each list sorted by id. */
export function diffViews(before: PresenceView, after: PresenceView): TopicDiff[] {
  const topics = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: TopicDiff[] = [];
  for (const topic of topics) {
    const b = before.get(topic) ?? new Map<string, PresenceEntry>();
    const a = after.get(topic) ?? new Map<string, PresenceEntry>();
    const leaves: PresenceEntry[] = [];
    const joins: PresenceEntry[] = [];
    for (const id of [...b.keys()].sort()) {
      const old = b.get(id) as PresenceEntry;
      const now = a.get(id);
      if (now === undefined || !sameEntry(old, now)) leaves.push(old);
    }
    for (const id of [...a.keys()].sort()) {
      const now = a.get(id) as PresenceEntry;
      const old = b.get(id);
      if (old === undefined || !sameEntry(old, now)) joins.push(now);
    }
    if (joins.length > 0 || leaves.length > 0) out.push({ topic, joins, leaves });
  }
  return out;
}

/** Applies `diffs` to a copy of `view` (leaves first, then joins). Throws when a diff does not fit
 * the view — a leave of an entry that is not listed, or a join of one already listed: a lost or
 * phantom diff. */
export function applyDiffs(view: PresenceView, diffs: readonly TopicDiff[]): PresenceView {
  const out = new Map<string, Map<string, PresenceEntry>>();
  for (const [topic, entries] of view) out.set(topic, new Map(entries));
  for (const d of diffs) {
    const entries = out.get(d.topic) ?? new Map<string, PresenceEntry>();
    for (const e of d.leaves) {
      const held = entries.get(entryId(e.node, e.key));
      if (held === undefined || !sameEntry(held, e))
        throw new RangeError(`leave of ${e.node}/${e.key} in ${d.topic}, which is not listed`);
      entries.delete(entryId(e.node, e.key));
    }
    for (const e of d.joins) {
      if (entries.has(entryId(e.node, e.key)))
        throw new RangeError(`join of ${e.node}/${e.key} in ${d.topic}, which is already listed`);
      entries.set(entryId(e.node, e.key), e);
    }
    if (entries.size === 0) out.delete(d.topic);
    else out.set(d.topic, entries);
  }
  return out;
}

/** Views as sorted `topic node key replica meta` lines — a canonical form for comparisons. */
export function viewLines(view: PresenceView): string[] {
  const lines: string[] = [];
  for (const [topic, entries] of view) {
    for (const e of entries.values())
      lines.push(`${topic} ${e.node} ${e.key} ${e.replica} ${canonicalMeta(e.meta)}`);
  }
  return lines.sort();
}

/** The replica name of incarnation `incarnation` of `node`. */
function replicaName(node: NodeId, incarnation: number): string {
  return `${node}@${incarnation}`;
}

interface Payload {
  readonly node: NodeId;
  readonly topic: string;
  readonly key: string;
  readonly meta: PresenceMeta;
}

function incarnationOf(replica: string): number {
  return Number(replica.slice(replica.lastIndexOf('@') + 1));
}

/** One node's replica of the presence state. Mutable. */
export class PresenceState {
  readonly node: NodeId;
  #incarnation: number;
  readonly #kernel = new DotKernel<Payload>();
  /** node → newest incarnation seen; entries of older ones are dropped. */
  readonly #newest = new Map<NodeId, number>();

  /** `incarnation`: a number this node never used before (persist a counter across restarts). */
  constructor(node: NodeId, incarnation: number) {
    if (node.includes('@')) throw new RangeError(`presence node id ${node} must not contain '@'`);
    if (!Number.isSafeInteger(incarnation) || incarnation < 0)
      throw new RangeError(`presence incarnation ${incarnation} must be a whole number >= 0`);
    this.node = node;
    this.#incarnation = incarnation;
    this.#newest.set(node, incarnation);
  }

  /** This node's current replica name. */
  get replica(): string {
    return replicaName(this.node, this.#incarnation);
  }

  get incarnation(): number {
    return this.#incarnation;
  }

  /** This node's own entries (what it tracks), as a view. */
  own(): PresenceView {
    return this.view(() => false);
  }

  /** Starts tracking `key` in `topic` with `meta`. Throws when already tracked (use update). */
  track(topic: string, key: string, meta: PresenceMeta): void {
    validateMeta(meta, `track(${topic}, ${key})`);
    if (this.#find(topic, key) !== undefined)
      throw new RangeError(`${key} is already tracked in ${topic} on ${this.node}; use update`);
    this.#kernel.add(this.replica, { node: this.node, topic, key, meta });
  }

  /** Replaces the metadata of a tracked entry. Throws when it is not tracked. */
  update(topic: string, key: string, meta: PresenceMeta): void {
    validateMeta(meta, `update(${topic}, ${key})`);
    if (this.#find(topic, key) === undefined)
      throw new RangeError(`${key} is not tracked in ${topic} on ${this.node}`);
    this.#removeOwn(topic, key);
    this.#kernel.add(this.replica, { node: this.node, topic, key, meta });
  }

  /** Stops tracking; returns whether it was tracked. */
  untrack(topic: string, key: string): boolean {
    if (this.#find(topic, key) === undefined) return false;
    this.#removeOwn(topic, key);
    return true;
  }

  /** Re-adds every own entry under a fresh incarnation (after peers may have collected them as
   * permanently down: the old dots are removed everywhere and cannot come back). */
  reincarnate(incarnation: number): void {
    if (!(incarnation > this.#incarnation))
      throw new RangeError(
        `new incarnation ${incarnation} must exceed the current ${this.#incarnation}`,
      );
    const own = [...this.#kernel.entries.values()].filter((e) => e.value.node === this.node);
    this.#kernel.removeWhere((p) => p.node === this.node);
    this.#incarnation = incarnation;
    this.#newest.set(this.node, incarnation);
    for (const e of own) this.#kernel.add(this.replica, e.value);
  }

  /** Drops every entry of `node` from the state (it is permanently down). */
  collect(node: NodeId): void {
    assert(node !== this.node, 'presence-never-collects-self', `${node} collecting itself`);
    this.#kernel.removeWhere((p) => p.node === node);
  }

  /** Records that `replica` is alive (a message from it); older incarnations of its node are
   * dropped. */
  heard(replica: string): void {
    const node = replica.slice(0, replica.lastIndexOf('@'));
    this.#noteIncarnation(node, incarnationOf(replica));
  }

  /** Joins a peer's state (validated). Returns how many of this node's own entries the peer had
   * collected; they are re-added under fresh dots. */
  merge(wire: PresenceWire): number {
    const other = decodeState(wire);
    const own = [...this.#kernel.entries.values()].filter((e) => e.dot.replica === this.replica);
    this.#kernel.join(other);
    // A node is the only writer of its entries, so a peer that has seen one of ours and no longer
    // holds it collected us as permanently down (our messages to it were lost while we still
    // heard it, so we never saw it down and never reincarnated). We are alive: re-add them under
    // fresh dots, which every replica accepts — else they would be gone everywhere, here too.
    const collected = own.filter((e) => !this.#kernel.entries.has(dotKey(e.dot)));
    for (const e of collected) this.#kernel.add(this.replica, e.value);
    for (const { dot } of [...this.#kernel.entries.values()])
      this.#noteIncarnation(nodeOfReplica(dot.replica), incarnationOf(dot.replica));
    this.#dropSuperseded();
    return collected.length;
  }

  /** The listed view: own entries plus entries of nodes for which `visible(node)` holds. */
  view(visible: (node: NodeId) => boolean): PresenceView {
    const out = new Map<string, Map<string, PresenceEntry>>();
    for (const { dot, value } of this.#kernel.entries.values()) {
      if (value.node !== this.node && !visible(value.node)) continue;
      let entries = out.get(value.topic);
      if (entries === undefined) out.set(value.topic, (entries = new Map()));
      const id = entryId(value.node, value.key);
      assert(!entries.has(id), 'presence-one-entry-per-key', `${value.topic} ${id} twice`);
      entries.set(id, { ...value, replica: dot.replica });
    }
    return out;
  }

  /** The whole state as plain data. */
  encode(): PresenceWire {
    const entries = [...this.#kernel.entries.values()].map(
      ({ dot, value }) =>
        [
          dot.replica,
          dot.counter,
          value.node,
          value.topic,
          value.key,
          canonicalMeta(value.meta),
        ] as const,
    );
    assert(
      this.#kernel.context.cloudSize === 0,
      'presence-context-contiguous',
      `${this.node}: causal context has gaps`,
    );
    return { entries, context: [...this.#kernel.context.versionVector] };
  }

  #find(topic: string, key: string): Dot | undefined {
    for (const { dot, value } of this.#kernel.entries.values())
      if (value.node === this.node && value.topic === topic && value.key === key) return dot;
    return undefined;
  }

  #removeOwn(topic: string, key: string): void {
    this.#kernel.removeWhere((p) => p.node === this.node && p.topic === topic && p.key === key);
  }

  #noteIncarnation(node: NodeId, incarnation: number): void {
    if (incarnation > (this.#newest.get(node) ?? -1)) {
      this.#newest.set(node, incarnation);
      this.#dropSuperseded();
    }
  }

  #dropSuperseded(): void {
    const stale: Dot[] = [];
    for (const { dot } of this.#kernel.entries.values()) {
      const node = nodeOfReplica(dot.replica);
      if (incarnationOf(dot.replica) < (this.#newest.get(node) ?? -1)) stale.push(dot);
    }
    if (stale.length === 0) return;
    const dead = new Set(stale.map((d) => d.replica));
    // Removing by payload would also hit the live incarnation's entries: match on the dot.
    for (const [k, e] of [...this.#kernel.entries]) {
      if (dead.has(e.dot.replica)) {
        this.#kernel.entries.delete(k);
        this.#kernel.context.add(e.dot);
      }
    }
  }
}

function nodeOfReplica(replica: string): NodeId {
  return replica.slice(0, replica.lastIndexOf('@'));
}

/** Decodes and validates a peer's state; throws a TypeError naming what is malformed. */
export function decodeState(wire: PresenceWire): DotKernel<Payload> {
  const fail = (what: string): never => {
    throw new TypeError(`presence state from peer: ${what}`);
  };
  if (typeof wire !== 'object' || wire === null) fail('must be an object');
  if (!Array.isArray(wire.entries) || !Array.isArray(wire.context))
    fail('needs entries and context arrays');
  const kernel = new DotKernel<Payload>();
  const context = new CausalContext();
  wire.context.forEach((pair, i) => {
    const [replica, max] = Array.isArray(pair) ? pair : [];
    if (typeof replica !== 'string' || !replica.includes('@') || !Number.isSafeInteger(max))
      fail(`context[${i}] must be [replica, max]`);
    // CausalContext has no constructor from a version vector: rebuild the contiguous prefix.
    for (let c = 1; c <= (max as number); c++)
      context.add({ replica: replica as string, counter: c });
  });
  kernel.context.join(context);
  wire.entries.forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 6) fail(`entries[${i}] must have 6 fields`);
    const [replica, counter, node, topic, key, metaText] = e;
    if (
      typeof replica !== 'string' ||
      !Number.isSafeInteger(counter) ||
      counter < 1 ||
      typeof node !== 'string' ||
      nodeOfReplica(replica) !== node ||
      typeof topic !== 'string' ||
      typeof key !== 'string' ||
      typeof metaText !== 'string'
    )
      fail(`entries[${i}] is malformed`);
    const dot = { replica, counter };
    if (!context.contains(dot)) fail(`entries[${i}] is outside the context`);
    const meta = metaFromCanonical(metaText, `entries[${i}]`);
    kernel.entries.set(dotKey(dot), { dot, value: { node, topic, key, meta } });
  });
  return kernel;
}
