/**
 * The cache node: a Cadre {@link Process} holding one replica of the delta-CRDT map
 * (`crdt/cache-map.ts`) and keeping it in step with its peers. The same process runs in the
 * simulator, under LDFI and on real machines behind the RESP server.
 *
 * - **Client protocol**: requests (`get`, `set`, …; see messages.ts) from any endpoint, answered
 *   with `ctx.send(from, reply)`. Writes apply locally first: a node reads its own writes.
 * - **Delta gossip** (Almeida et al. 2018, Alg. 2): every write appends the keys it changed to a
 *   delta buffer; every `gossipIntervalMs` the node sends each of `fanout` up peers the current
 *   states of the keys changed since what it last sent that peer (pipelined: no waiting for
 *   acknowledgements). What stays unacknowledged is re-sent from the last acknowledgement, so
 *   loss and duplication are harmless — except to a peer silent since it was sent, which is
 *   probed instead (copies would pile up behind a partition that holds traffic). Received
 *   changes are buffered again for relay when fan-out does not reach every peer.
 * - **Anti-entropy** for what gossip missed (buffer overflow, restarts, long partitions): every
 *   `antiEntropyIntervalMs` the node sends one peer its bucket digests; only differing buckets'
 *   keys travel, both ways (digest → repair → fill). A complete exchange proves the responder
 *   contains the initiator's state as of the digest, so it adopts the initiator's knowledge
 *   vector. Each side sends only what the other lacks (see the `repair` case). A node that
 *   starts empty bootstraps through the same exchange at once.
 * - **SCAN** cursors are live iterators kept by the node (see `#scan`); SET NX/XX are decided
 *   against this replica.
 * - **Causal stability**: the frontier is the minimum knowledge over all members; key contexts
 *   below it are pruned and tombstones collected.
 * - **Membership**: temporarily-down peers are skipped by gossip but still hold back stability;
 *   permanently-down peers are dropped (acks, knowledge) and told to rejoin as fresh replicas if
 *   they return.
 * - **TTL and eviction**: expired keys read as absent and are removed by a periodic sweep; when
 *   `maxKeys` or `maxBytes` is exceeded the least recently used keys are evicted. Both are
 *   replicated removals (add-wins: a write concurrent with them survives), so replicas stay
 *   equal and the bound holds cluster-wide — an evicted key is a cache miss everywhere, not a
 *   divergence. Deletes are counted as deletes, evictions and expirations separately.
 */
import { fact } from '../../core/fact.js';
import { ENVIRONMENT, type NodeId } from '../../core/ids.js';
import type { Context, Process, ProcessFactory } from '../../core/process.js';
import { globMatch } from '../../resp/glob.js';
import { fromUtf8, utf8 } from '../../storage/bytes.js';
import type { OrderedKVReader } from '../../storage/ordered-kv.js';
import {
  type CacheDelta,
  CacheMap,
  type CacheResolver,
  type KeyState,
  NotAnIntegerError,
  stateBytes,
} from './crdt/cache-map.js';
import { DEFAULT_BUCKETS } from './crdt/digest.js';
import { compareHlc, type Hlc, HybridClock } from './crdt/hlc.js';
import { Membership } from './membership.js';
import {
  type CacheMsg,
  type CacheReply,
  type CacheRequest,
  decodeKey,
  decodeKeys,
  decodeVector,
  encodeKey,
  encodeKeys,
  encodeVector,
  isRequest,
  type PeerMessage,
  WireFormatError,
  type WireKeys,
  WireKeysBuilder,
} from './messages.js';

/** Options of the cache process. Every field has a default. */
export interface CacheOptions {
  /** Delta gossip period, ms (ticks in the synchronous model). Default 50. */
  readonly gossipIntervalMs?: number;
  /** Least time before an unacknowledged delta interval is sent to the same peer again, ms; it
   * doubles with each unanswered retransmission, up to one anti-entropy period. Default: 5
   * gossip periods. */
  readonly retransmitMs?: number;
  /** Peers sent deltas per gossip round. Default 3. */
  readonly fanout?: number;
  /** Digest anti-entropy period, ms. Default 1000. */
  readonly antiEntropyIntervalMs?: number;
  /** False builds the fixture variant without anti-entropy: each write's delta is sent once to
   * every peer, with no buffer, acknowledgement, retransmission or digest exchange. Default true. */
  readonly antiEntropy?: boolean;
  /** Silence after which a peer is temporarily down, ms. Default 5,000. */
  readonly downAfterMs?: number;
  /** Silence after which a peer is permanently down, ms. Default 300,000. */
  readonly permDownAfterMs?: number;
  /** Most live keys; 0 = unbounded. Default 0. */
  readonly maxKeys?: number;
  /** Most approximate state bytes (see `stateBytes`); 0 = unbounded. Default 0. */
  readonly maxBytes?: number;
  /** Expiry sweep period, ms. Default 1000. */
  readonly sweepIntervalMs?: number;
  /** Most keys with a TTL examined per sweep. Default 1000. */
  readonly sweepKeysMax?: number;
  /** Most delta-buffer positions kept; peers further behind are repaired by anti-entropy.
   * Default 10,000. */
  readonly deltaBufferMax?: number;
  /** Most keys in one repair or fill message; the rest follow in later rounds. Default 20,000. */
  readonly syncKeysMax?: number;
  /** About the most bytes of key states in one repair or fill message (peer frames are bounded).
   * Default 4 MiB. */
  readonly syncBytesMax?: number;
  /** Digest buckets. Default 256. */
  readonly buckets?: number;
  /** Write every changed key to `ctx.storage`, and reload it at restart. Default false (a
   * restarted node rejoins empty under a new replica id and bootstraps from its peers). */
  readonly persist?: boolean;
  /** Mirror each key's resolved value into `ctx.memory` under `v/<key>` as `[value, expiresAtMs]`
   * (for checkers). Default false. */
  readonly mirror?: boolean;
  /** Emit `write(node, key, dot)` and `seen(node, dot)` facts for staleness measurement. Default
   * false. */
  readonly trackVisibility?: boolean;
  /** Resolves concurrent SETs of a key. Must be a pure function of its arguments. Default: larger
   * hybrid timestamp (ties by node id). */
  readonly resolve?: CacheResolver;
  /** Ignore a request whose `(sender, id)` was seen among the sender's last 256 requests. The
   * simulator's duplication fault duplicates client requests too, and INCRBY is not idempotent;
   * TCP clients (the RESP server) never see duplicates, so it is off by default. */
  readonly dedupeRequests?: boolean;
  /** Longest key, bytes of UTF-16 text. Default 4096. */
  readonly keyLengthMax?: number;
  /** Longest value, characters. Default 512 KiB. */
  readonly valueLengthMax?: number;
}

/** Counters of one node since it started. */
export interface CacheStats {
  deltasSent: number;
  deltaKeysSent: number;
  deltasReceived: number;
  repairRounds: number;
  repairKeysSent: number;
  evictions: number;
  expirations: number;
  tombstonesCollected: number;
  badPeerMessages: number;
  rejoins: number;
}

/** Thrown by `init` when the data directory holds a record that cannot be read back: the node
 * refuses to start rather than gossip damaged state to its peers. */
export class CacheDataError extends Error {
  override readonly name = 'CacheDataError';
}

const KEY_PREFIX = 'k/';
/** Sends of one unacknowledged delta interval before anti-entropy takes over. */
const DELTA_TRIES_MAX = 3;
/** Most keys in an unacknowledged interval sent again to a peer that has been silent since (see
 * `#retransmitDue`); larger ones wait for a probe's answer. */
const BLIND_RETRANSMIT_KEYS_MAX = 256;
/** Where the mirror keeps the replica's entry fingerprint (see `#changed`); not a `v/` key. */
export const FINGERPRINT_KEY = 'fingerprint';
/** Most open SCAN cursors per node; starting one more forgets the least recently used. */
export const SCAN_CURSORS_MAX = 1024;
/** A SCAN cursor unused for this long is forgotten, ms. */
export const SCAN_IDLE_MS = 300_000;
const META_INCARNATION = utf8('m/incarnation');
const META_EPOCH = utf8('m/epoch');
const META_SEQ = utf8('m/seq');
const META_KNOWLEDGE = utf8('m/knowledge');

interface Round {
  readonly peer: NodeId;
  readonly startedMs: number;
  readonly knowledge: [string, number][];
  readonly seq: number;
}

/** What a node's storage holds (see {@link readCacheData}). */
export interface CacheData {
  readonly keys: Map<string, KeyState>;
  readonly seq: number;
  readonly knowledge: Map<string, number>;
}

/** The count stored at `key` (0 when absent). Throws naming the key when it holds anything but
 * a whole number. */
function readCount(storage: OrderedKVReader, key: Uint8Array): number {
  const raw = storage.get(key);
  if (raw === undefined) return 0;
  const text = fromUtf8(raw);
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new Error(`${fromUtf8(key)} holds ${JSON.stringify(text.slice(0, 40))}, not a count`);
  }
  return n;
}

/**
 * Reads and validates everything a cache node persisted. Throws {@link CacheDataError} naming the
 * first damaged record: a node must refuse to start rather than gossip damaged state. The server
 * runs it before starting the node (`cadre cache serve`), and `init` runs it on restart.
 */
export function readCacheData(storage: OrderedKVReader, node: NodeId): CacheData {
  const problem = (what: string, e: unknown) =>
    new CacheDataError(
      `node ${node}: refusing to start: ${what} in the data directory is corrupt ` +
        `(${e instanceof Error ? e.message : String(e)}); move the data directory away to rejoin ` +
        'as an empty replica that bootstraps from its peers',
    );
  let seq: number;
  let knowledge = new Map<string, number>();
  try {
    seq = readCount(storage, META_SEQ);
    readCount(storage, META_INCARNATION); // only validated here: `init` reads it for itself
    const k = storage.get(META_KNOWLEDGE);
    if (k !== undefined) knowledge = decodeVector(JSON.parse(fromUtf8(k)), 'knowledge');
  } catch (e) {
    throw problem('the replica metadata', e);
  }
  let records: ReturnType<OrderedKVReader['range']>;
  try {
    records = storage.range({ start: utf8(KEY_PREFIX), end: utf8('k0') });
  } catch (e) {
    throw problem('a key record', e);
  }
  const keys = new Map<string, KeyState>();
  let highest = 0;
  for (const { key, value } of records) {
    let name = '?';
    try {
      name = fromUtf8(key).slice(KEY_PREFIX.length);
      const [k, state] = decodeKey(JSON.parse(fromUtf8(value)), `record ${name}`);
      if (k !== name) throw new WireFormatError(`record ${name} holds key ${k}`);
      for (const e of state.entries)
        if (e.replica.startsWith(`${node}#`)) highest = Math.max(highest, e.seq);
      keys.set(k, state);
    } catch (e) {
      throw problem(`the record of key ${JSON.stringify(name)}`, e);
    }
  }
  if (highest > seq) {
    throw problem('the write counter', new Error(`it is ${seq}, below a stored write ${highest}`));
  }
  return { keys, seq, knowledge };
}

/** One cache node. Build it with {@link cacheProcess}. */
export class CacheNode implements Process<CacheMsg> {
  readonly #o: Required<Omit<CacheOptions, 'resolve'>> & { resolve?: CacheResolver };
  #map!: CacheMap;
  #clock!: HybridClock;
  #membership!: Membership;
  #session = 0;
  /** No peers (a one-node cluster): no delta buffer to keep. */
  #alone = false;
  #epoch = 0;
  /** Delta buffer: position → keys changed. Positions `#bufferStart..#bufferSeq`. */
  #buffer: (readonly string[])[] = [];
  #bufferStart = 1;
  #bufferSeq = 0;
  readonly #acked = new Map<NodeId, number>();
  readonly #needsRepair = new Set<NodeId>();
  readonly #peerKnowledge = new Map<NodeId, Map<string, number>>();
  readonly #rounds = new Map<number, Round>();
  #round = 0;
  readonly #lastSent = new Map<NodeId, number>();
  /** Per peer: the states this node last sent it in a repair, and when (see the `repair`
   * case). */
  readonly #repairSent = new Map<NodeId, { readonly atMs: number; readonly states: CacheDelta }>();
  /** Open SCAN cursors, least recently used first (see `#scan`). */
  readonly #scans = new Map<number, { readonly it: Iterator<string>; readonly usedMs: number }>();
  #nextScan = 1;
  /** Per peer: when it was last probed (see `#probe`). */
  readonly #probedAt = new Map<NodeId, number>();
  /** Per peer: the buffer position of the last delta sent, and when. */
  readonly #sentAt = new Map<
    NodeId,
    { readonly seq: number; readonly atMs: number; readonly tries: number }
  >();
  readonly #expiring = new Set<string>();
  readonly #seenRequests = new Map<NodeId, Set<number>>();
  #lastWipeMs = Number.NEGATIVE_INFINITY;
  /** Set while this node is (or was, until its next completed exchange) cut off from a majority. */
  #cutOff = false;
  /** Set after restoring state from disk, until the first completed exchange. */
  #awaitingWelcome = false;
  readonly stats: CacheStats = {
    deltasSent: 0,
    deltaKeysSent: 0,
    deltasReceived: 0,
    repairRounds: 0,
    repairKeysSent: 0,
    evictions: 0,
    expirations: 0,
    tombstonesCollected: 0,
    badPeerMessages: 0,
    rejoins: 0,
  };

  constructor(options: CacheOptions = {}) {
    this.#o = {
      gossipIntervalMs: options.gossipIntervalMs ?? 50,
      fanout: options.fanout ?? 3,
      retransmitMs: options.retransmitMs ?? 5 * (options.gossipIntervalMs ?? 50),
      antiEntropyIntervalMs: options.antiEntropyIntervalMs ?? 1000,
      antiEntropy: options.antiEntropy ?? true,
      downAfterMs: options.downAfterMs ?? 5000,
      permDownAfterMs: options.permDownAfterMs ?? 300_000,
      maxKeys: options.maxKeys ?? 0,
      maxBytes: options.maxBytes ?? 0,
      sweepIntervalMs: options.sweepIntervalMs ?? 1000,
      sweepKeysMax: options.sweepKeysMax ?? 1000,
      deltaBufferMax: options.deltaBufferMax ?? 10_000,
      syncKeysMax: options.syncKeysMax ?? 20_000,
      syncBytesMax: options.syncBytesMax ?? 4 * 1024 * 1024,
      buckets: options.buckets ?? DEFAULT_BUCKETS,
      persist: options.persist ?? false,
      mirror: options.mirror ?? false,
      trackVisibility: options.trackVisibility ?? false,
      dedupeRequests: options.dedupeRequests ?? false,
      keyLengthMax: options.keyLengthMax ?? 4096,
      valueLengthMax: options.valueLengthMax ?? 512 * 1024,
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    };
    if (!(this.#o.fanout >= 1)) throw new RangeError(`fanout must be >= 1, got ${this.#o.fanout}`);
  }

  /** This node's replica (undefined before init). */
  get replica(): CacheMap | undefined {
    return this.#map;
  }

  init(ctx: Context<CacheMsg>): void {
    const incarnation = this.#readCount(ctx, META_INCARNATION) + 1;
    ctx.storage.put(META_INCARNATION, utf8(String(incarnation)));
    this.#session = incarnation;
    this.#alone = ctx.peers.length === 0;
    // Without persistence every start is a new replica; with it, only a wipe (rejoin) is.
    this.#epoch = this.#o.persist ? this.#readCount(ctx, META_EPOCH) : incarnation;
    this.#membership = new Membership(
      ctx.peers,
      ctx.now(),
      this.#o.downAfterMs,
      this.#o.permDownAfterMs,
    );
    this.#reset(ctx);
    if (this.#o.persist) this.#load(ctx);
    if (this.#o.mirror) ctx.memory.set(FINGERPRINT_KEY, this.#map.digest.fingerprint());
    if (!this.#o.antiEntropy) return;
    ctx.setTimer('gossip', this.#o.gossipIntervalMs);
    ctx.setTimer('sweep', this.#o.sweepIntervalMs);
    // Bootstrap: start an exchange at once, so a node joining during traffic catches up now
    // rather than one anti-entropy period later.
    this.#startRepair(ctx);
    ctx.setTimer('anti-entropy', this.#o.antiEntropyIntervalMs);
  }

  receive(ctx: Context<CacheMsg>, from: NodeId, msg: CacheMsg): void {
    if (isRequest(msg)) {
      this.#request(ctx, from, msg);
      return;
    }
    if (!ctx.peers.includes(from)) return; // replies and peer traffic only come from peers
    const heardBeforeMs = this.#membership.lastHeardMs(from) ?? Number.NEGATIVE_INFINITY;
    const before = this.#membership.heard(from, ctx.now());
    if (before === 'perm-down') {
      // It may hold writes whose tombstones we collected: it must start over as a new replica.
      ctx.send(from, { type: 'rejoin' });
      this.#forget(from);
      return;
    }
    // Hearing from a peer that had been silent since our unacknowledged deltas went out ends a
    // partition (or a crash). What we sent may still be on its way (a partition that holds
    // traffic delivers it at the heal) or lost (one that drops it): resending at once would, in
    // the first case, queue a second full copy behind the first. So the peer is probed: its
    // `pong` leaves after everything it received before our probe, acknowledgements included,
    // so whatever is still unacknowledged when the pong arrives was lost, and goes out next
    // round. Heard from meanwhile (a live, lossy link): a backing-off interval goes out next
    // round. A peer that needs a digest exchange (the buffer moved on, or deltas were given up)
    // gets one at once instead of at the next anti-entropy tick.
    const sent = this.#sentAt.get(from);
    const acked = this.#acked.get(from) ?? 0;
    let repairNow = false;
    if (sent !== undefined && sent.seq > acked) {
      // Strictly before: a re-armed clock starts at the moment the peer was heard.
      const cameBack = heardBeforeMs < sent.atMs;
      if (msg.type === 'pong') {
        this.#sentAt.set(from, { seq: sent.seq, atMs: Number.NEGATIVE_INFINITY, tries: 1 });
      } else if (cameBack) {
        this.#sentAt.set(from, { seq: sent.seq, atMs: ctx.now(), tries: 1 });
        this.#probe(ctx, from, Number.NEGATIVE_INFINITY, true);
      } else if (sent.tries > 1) {
        this.#sentAt.delete(from);
      }
      repairNow = cameBack && (this.#needsRepair.has(from) || acked + 1 < this.#bufferStart);
    }
    try {
      this.#peer(ctx, from, msg as PeerMessage);
    } catch (e) {
      if (!(e instanceof WireFormatError)) throw e;
      // A malformed peer message is dropped whole (validation precedes any change).
      this.stats.badPeerMessages++;
      ctx.log(`dropped a malformed message from ${from}: ${e.message}`);
    }
    // After the message: if it completed an exchange, that exchange is not repeated.
    if (repairNow && this.#o.antiEntropy) {
      this.#needsRepair.add(from);
      this.#startRepair(ctx, from);
    }
  }

  timer(ctx: Context<CacheMsg>, name: string): void {
    switch (name) {
      case 'gossip':
        this.#gossip(ctx);
        ctx.setTimer('gossip', this.#o.gossipIntervalMs);
        return;
      case 'anti-entropy':
        for (const [peer, r] of this.#repairSent)
          if (ctx.now() - r.atMs >= this.#roundTimeoutMs) this.#repairSent.delete(peer);
        this.#startRepair(ctx);
        this.#collect(ctx);
        ctx.setTimer('anti-entropy', this.#o.antiEntropyIntervalMs);
        return;
      case 'sweep':
        this.#sweep(ctx);
        ctx.setTimer('sweep', this.#o.sweepIntervalMs);
        return;
    }
  }

  // ---- client requests ---------------------------------------------------------------------

  #request(ctx: Context<CacheMsg>, from: NodeId, req: CacheRequest): void {
    if (this.#o.dedupeRequests) {
      let seen = this.#seenRequests.get(from);
      if (seen === undefined) this.#seenRequests.set(from, (seen = new Set()));
      if (seen.has(req.id)) return;
      seen.add(req.id);
      if (seen.size > 256) seen.delete(seen.values().next().value as number);
    }
    const reply = this.#answer(ctx, req);
    if (from !== ENVIRONMENT) ctx.send(from, reply);
  }

  #answer(ctx: Context<CacheMsg>, req: CacheRequest): CacheReply {
    const now = ctx.now();
    const id = req.id;
    if (req.type === 'scan') return this.#scan(ctx, req);
    const keys = req.type === 'del' || req.type === 'mget' ? req.keys : [req.key];
    if (!Array.isArray(keys) || keys.length === 0)
      return { type: 'error', id, message: 'no keys given' };
    for (const k of keys) {
      const problem = this.#keyProblem(k);
      if (problem !== undefined) return { type: 'error', id, message: problem };
    }
    switch (req.type) {
      case 'get': {
        const v = this.#map.read(req.key, now);
        if (v !== undefined) this.#map.touch(req.key);
        return { type: 'value', id, value: v?.value ?? null };
      }
      case 'mget':
        return {
          type: 'values',
          id,
          values: req.keys.map((k) => this.#map.read(k, now)?.value ?? null),
        };
      case 'set': {
        if (typeof req.value !== 'string')
          return { type: 'error', id, message: 'value must be a string' };
        if (req.value.length > this.#o.valueLengthMax) {
          return {
            type: 'error',
            id,
            message: `value is ${req.value.length} characters, more than the limit of ${this.#o.valueLengthMax}`,
          };
        }
        if (req.ttlMs !== undefined && !(Number.isSafeInteger(req.ttlMs) && req.ttlMs > 0)) {
          return {
            type: 'error',
            id,
            message: `invalid expire time ${req.ttlMs} ms: must be a whole number > 0`,
          };
        }
        if (req.condition !== undefined) {
          if (req.condition !== 'NX' && req.condition !== 'XX') {
            return {
              type: 'error',
              id,
              message: `condition must be NX or XX, got ${String(req.condition)}`,
            };
          }
          // Decided here, against this replica: on an AP cache NX cannot see a concurrent write
          // to another node, so two nodes may both accept an NX for the same key; the merge
          // then keeps one of the two values (the resolver's pick; by default the later
          // hybrid timestamp), on every node alike.
          const present = this.#map.read(req.key, now) !== undefined;
          if ((req.condition === 'NX') === present) return { type: 'value', id, value: null };
        }
        const expiresAt = req.ttlMs === undefined ? 0 : now + req.ttlMs;
        this.#write(ctx, this.#map.set(req.key, req.value, this.#clock.now(now), expiresAt));
        return { type: 'ok', id };
      }
      case 'del': {
        let removed = 0;
        for (const k of req.keys) {
          if (this.#map.read(k, now) === undefined) continue;
          const delta = this.#map.remove(k);
          if (delta !== undefined) {
            removed++;
            this.#write(ctx, delta);
          }
        }
        return { type: 'int', id, value: removed };
      }
      case 'expire': {
        if (!Number.isSafeInteger(req.ttlMs)) {
          return { type: 'error', id, message: `invalid expire time ${req.ttlMs} ms` };
        }
        const v = this.#map.read(req.key, now);
        if (v === undefined) return { type: 'int', id, value: 0 };
        if (req.ttlMs <= 0) {
          const delta = this.#map.remove(req.key);
          if (delta !== undefined) this.#write(ctx, delta);
        } else {
          this.#write(ctx, this.#map.set(req.key, v.value, this.#clock.now(now), now + req.ttlMs));
        }
        return { type: 'int', id, value: 1 };
      }
      case 'ttl': {
        const v = this.#map.read(req.key, now);
        const value = v === undefined ? -2 : v.expiresAtMs === 0 ? -1 : v.expiresAtMs - now;
        return { type: 'int', id, value };
      }
      case 'incrby': {
        try {
          const { delta, value } = this.#map.incrBy(req.key, req.by, now);
          this.#write(ctx, delta);
          return { type: 'int', id, value };
        } catch (e) {
          if (e instanceof NotAnIntegerError) return { type: 'error', id, message: e.message };
          throw e;
        }
      }
    }
  }

  /** What is wrong with a client's key, if anything. (A method, not a closure per request: this
   * runs for every request.) */
  #keyProblem(key: unknown): string | undefined {
    if (typeof key !== 'string') return 'key must be a string';
    if (key.length > this.#o.keyLengthMax)
      return `key is ${key.length} characters, more than the limit of ${this.#o.keyLengthMax}`;
    return undefined;
  }

  /**
   * SCAN: a cursor is a live iterator over this replica's keys, kept here between calls. A
   * `Map` iterator visits every key present when it reaches its place, and a key rewritten (or
   * read: reads move keys to the back of the eviction order) is visited again at the back — so
   * every key present for the whole scan is returned at least once, as Redis promises, and some
   * may come twice. Cursor numbers carry the node's session, so a cursor from before a restart
   * is refused rather than continuing someone else's scan; an idle or surplus cursor is
   * forgotten (see {@link SCAN_CURSORS_MAX}, {@link SCAN_IDLE_MS}) and refused the same way.
   */
  #scan(ctx: Context<CacheMsg>, req: Extract<CacheRequest, { type: 'scan' }>): CacheReply {
    const now = ctx.now();
    const id = req.id;
    if (!Number.isSafeInteger(req.count) || req.count < 1) {
      return { type: 'error', id, message: `COUNT must be a whole number >= 1, got ${req.count}` };
    }
    if (req.match !== undefined && typeof req.match !== 'string') {
      return { type: 'error', id, message: 'MATCH pattern must be a string' };
    }
    if (!Number.isSafeInteger(req.cursor) || req.cursor < 0) {
      return {
        type: 'error',
        id,
        message: `invalid cursor ${req.cursor}: must be a whole number >= 0`,
      };
    }
    for (const [c, s] of this.#scans) if (now - s.usedMs >= SCAN_IDLE_MS) this.#scans.delete(c);
    let cursor = req.cursor;
    let it: Iterator<string>;
    if (cursor === 0) {
      it = this.#map.keys();
      cursor = this.#session * 2 ** 32 + (this.#nextScan++ % 2 ** 32);
      if (this.#scans.size >= SCAN_CURSORS_MAX) {
        this.#scans.delete(this.#scans.keys().next().value as number); // the least recently used
      }
    } else {
      const held = this.#scans.get(cursor);
      if (held === undefined) {
        return {
          type: 'error',
          id,
          message: `invalid cursor ${cursor}: not a scan of this node (unknown, idle for ${SCAN_IDLE_MS / 1000} s, or from before a restart); start again from 0`,
        };
      }
      it = held.it;
      this.#scans.delete(cursor);
    }
    const keys: string[] = [];
    let done = false;
    for (let examined = 0; examined < req.count; examined++) {
      const next = it.next();
      if (next.done === true) {
        done = true;
        break;
      }
      const key = next.value;
      if (this.#map.read(key, now) === undefined) continue; // tombstone or expired
      if (req.match === undefined || globMatch(req.match, key)) keys.push(key);
    }
    if (done) return { type: 'scanned', id, cursor: 0, keys };
    this.#scans.set(cursor, { it, usedMs: now });
    return { type: 'scanned', id, cursor, keys };
  }

  /** After a local write: persist, record for gossip, mirror, enforce the memory bound. */
  #write(ctx: Context<CacheMsg>, delta: CacheDelta): void {
    const keys = [...delta.keys()];
    if (this.#o.trackVisibility) {
      for (const [key, s] of delta) {
        for (const e of s.entries) {
          if (e.replica === this.#map.replica)
            ctx.emit(fact('write', ctx.id, key, `${e.replica}/${e.seq}`));
        }
      }
    }
    this.#changed(ctx, keys);
    if (!this.#o.antiEntropy) {
      const wire = encodeKeys(delta);
      for (const peer of ctx.peers)
        ctx.send(peer, { type: 'delta', session: this.#session, from: 0, seq: 0, keys: wire });
      return;
    }
    this.#record(keys);
    this.#enforceBound(ctx);
  }

  // ---- peer protocol -----------------------------------------------------------------------

  #peer(ctx: Context<CacheMsg>, from: NodeId, msg: PeerMessage): void {
    const whole = (v: unknown, field: string): void => {
      if (!Number.isSafeInteger(v) || (v as number) < 0) {
        throw new WireFormatError(`${msg.type} from ${from}: ${field} must be a whole number >= 0`);
      }
    };
    if ('session' in msg) whole(msg.session, 'session');
    if ('seq' in msg) whole(msg.seq, 'seq');
    if (msg.type === 'delta' || msg.type === 'ack') whole(msg.from, 'from');
    if ('round' in msg) whole(msg.round, 'round');
    if (msg.type === 'repair') {
      if (!Array.isArray(msg.buckets))
        throw new WireFormatError(`repair from ${from}: buckets must be an array`);
      for (const [i, b] of msg.buckets.entries()) whole(b, `buckets[${i}]`);
    }
    if (msg.type === 'digest' && !Array.isArray(msg.digest)) {
      throw new WireFormatError(`digest from ${from}: digest must be an array`);
    }
    switch (msg.type) {
      case 'delta': {
        const delta = decodeKeys(msg.keys, `delta from ${from}: keys`);
        this.stats.deltasReceived++;
        this.#merge(ctx, delta);
        if (this.#o.antiEntropy)
          ctx.send(from, { type: 'ack', session: msg.session, from: msg.from, seq: msg.seq });
        return;
      }
      case 'ack':
        // Contiguous only: an ack of positions after a lost delta acknowledges nothing yet (the
        // retransmission from the last acknowledgement will cover the gap).
        if (
          msg.session === this.#session &&
          msg.from <= (this.#acked.get(from) ?? 0) &&
          msg.seq > (this.#acked.get(from) ?? 0)
        ) {
          this.#acked.set(from, Math.min(msg.seq, this.#bufferSeq));
          this.#trimBuffer(ctx);
          // Progress: the peer is working through what it was sent; the rest gets a full
          // retransmission period from now (a backlog is acknowledged piece by piece).
          const sent = this.#sentAt.get(from);
          if (sent !== undefined && sent.seq > msg.seq)
            this.#sentAt.set(from, { seq: sent.seq, atMs: ctx.now(), tries: sent.tries });
        }
        return;
      case 'digest': {
        const knowledge = decodeVector(msg.knowledge, `digest from ${from}: knowledge`);
        this.#peerKnowledge.set(from, knowledge);
        let differing: number[];
        try {
          differing = this.#map.digest.differing(msg.digest);
        } catch (e) {
          throw new WireFormatError(`digest from ${from}: ${(e as Error).message}`);
        }
        const states = this.#map.statesInBuckets(new Set(differing));
        // Keys whose states a delta interval to the initiator is carrying right now are left to
        // it: after a heal the two paths would otherwise both carry every divergent key.
        for (const key of this.#inFlightKeys(from)) states.delete(key);
        const { wire, sent } = this.#bounded(states);
        this.#repairSent.set(from, { atMs: ctx.now(), states: sent });
        ctx.send(from, {
          type: 'repair',
          round: msg.round,
          buckets: differing,
          keys: wire,
          knowledge: encodeVector(this.#map.knowledge),
        });
        return;
      }
      case 'repair': {
        const round = this.#rounds.get(msg.round);
        if (round === undefined || round.peer !== from) return; // stale or duplicate
        // Answer one exchange per peer at a time: replies to older digests still on their way
        // (held behind a partition, all landing at the heal) would repeat the same transfer.
        for (const [r, other] of this.#rounds) if (other.peer === from) this.#rounds.delete(r);
        const theirs = decodeKeys(msg.keys, `repair from ${from}: keys`);
        const known = decodeVector(msg.knowledge, `repair from ${from}: knowledge`);
        this.#merge(ctx, theirs);
        // The responder needs only the keys where it lacks something. Left out, with the fill
        // still complete: a key whose state here, after the join, equals the state it sent (it
        // holds that, and its state only grows); and a key whose every dot its knowledge covers
        // (it reflects each of those writes — holds it or what superseded it — and would refuse
        // the entries as stale anyway). After a heal this leaves each side only the other's keys.
        const mine = this.#map.statesInBuckets(new Set(msg.buckets));
        for (const [key, s] of mine) {
          const sent = theirs.get(key);
          if ((sent !== undefined && sameState(s, sent)) || coveredBy(s, known)) mine.delete(key);
        }
        // Both sides start an exchange when a link comes back, so this node has usually just
        // answered the peer's own digest with these very states. Leaving them out (they are on
        // their way) halves a heal's work, at the price of an incomplete fill: the repair they
        // travel in may be lost, so this exchange cannot vouch for them; the next one will.
        let vouched = true;
        const answered = this.#repairSent.get(from);
        this.#repairSent.delete(from);
        if (answered !== undefined && ctx.now() - answered.atMs < this.#roundTimeoutMs) {
          for (const [key, s] of mine) {
            const sent = answered.states.get(key);
            if (sent !== undefined && sameState(s, sent)) {
              mine.delete(key);
              vouched = false;
            }
          }
        }
        const { wire: keys, sent } = this.#bounded(mine);
        this.stats.repairKeysSent += sent.size;
        ctx.send(from, {
          type: 'fill',
          round: msg.round,
          keys,
          complete: vouched && sent.size === mine.size,
          knowledge: round.knowledge,
          session: this.#session,
          seq: round.seq,
        });
        return;
      }
      case 'fill': {
        const theirs = decodeKeys(msg.keys, `fill from ${from}: keys`);
        const knowledge = decodeVector(msg.knowledge, `fill from ${from}: knowledge`);
        this.#merge(ctx, theirs);
        if (msg.complete) {
          this.#awaitingWelcome = false;
          if (!this.#inMinority(ctx)) this.#cutOff = false;
          this.#map.learn(knowledge);
          if (this.#o.persist)
            ctx.storage.put(
              META_KNOWLEDGE,
              utf8(JSON.stringify(encodeVector(this.#map.knowledge))),
            );
          // Everything in the sender's buffer up to `seq` is now contained: acknowledge it.
          ctx.send(from, { type: 'ack', session: msg.session, from: 0, seq: msg.seq });
        }
        return;
      }
      case 'ping':
        if (msg.probe === true) ctx.send(from, { type: 'pong' });
        return;
      case 'pong':
        return;
      case 'rejoin':
        // Obeyed only by a node that was the cut-off side, or that restarted from disk and has not
        // yet completed an exchange: both sides of a long partition send `rejoin`, and the
        // majority's state must never be thrown away.
        if (this.#cutOff || this.#awaitingWelcome) this.#wipe(ctx);
        return;
    }
  }

  /** Joins peer states; persists, mirrors, relays and bounds what changed. */
  #merge(ctx: Context<CacheMsg>, delta: CacheDelta): void {
    const held = this.#o.trackVisibility ? this.#heldDots(delta) : undefined;
    const changed = this.#map.join(delta);
    if (changed.length === 0) return;
    // The clock observes every timestamp received (read off the delta: no state lookups).
    const newest = newestHlc(delta.values());
    if (held !== undefined) {
      for (const key of changed) {
        for (const e of this.#map.state(key)?.entries ?? []) {
          if (!held.has(`${key}\u0000${e.replica}/${e.seq}`))
            ctx.emit(fact('seen', ctx.id, `${e.replica}/${e.seq}`));
        }
      }
    }
    if (newest !== undefined) this.#clock.observe(newest, ctx.now());
    this.#changed(ctx, changed);
    // Relay (Almeida's Alg. 2 buffers received deltas too) only when fan-out does not reach
    // every peer; with full fan-out it would only echo.
    if (this.#o.antiEntropy && this.#o.fanout < ctx.peers.length) this.#record(changed);
    this.#enforceBound(ctx);
  }

  #heldDots(delta: CacheDelta): Set<string> {
    const out = new Set<string>();
    for (const key of delta.keys()) {
      for (const e of this.#map.state(key)?.entries ?? [])
        out.add(`${key}\u0000${e.replica}/${e.seq}`);
    }
    return out;
  }

  /** Appends one buffer position. */
  #record(keys: readonly string[]): void {
    if (this.#alone) return; // nobody to send it to
    this.#bufferSeq++;
    this.#buffer.push(keys); // callers hand over fresh arrays
    if (this.#buffer.length > this.#o.deltaBufferMax) {
      this.#buffer.shift();
      this.#bufferStart++;
    }
  }

  /** Drops buffer positions every member has acknowledged. */
  #trimBuffer(ctx: Context<CacheMsg>): void {
    let min = this.#bufferSeq;
    for (const p of this.#membership.members(ctx.now()))
      min = Math.min(min, this.#acked.get(p) ?? 0);
    // One splice, not a shift per position: an acknowledgement may cover thousands of them.
    const drop = Math.min(min - this.#bufferStart + 1, this.#buffer.length);
    if (drop <= 0) return;
    this.#buffer.splice(0, drop);
    this.#bufferStart += drop;
  }

  #gossip(ctx: Context<CacheMsg>): void {
    const now = ctx.now();
    if (this.#inMinority(ctx)) this.#cutOff = true;
    const up = this.#membership.peers('up', now);
    const targets = this.#pick(ctx, up, this.#o.fanout);
    for (const peer of targets) {
      const acked = this.#acked.get(peer) ?? 0;
      if (acked >= this.#bufferSeq) continue;
      // Deltas are pipelined: each round sends the positions added since the last send, without
      // waiting for acknowledgements, so a backlog (a partition that holds traffic, a burst of
      // writes) is on its way once, in pieces, rather than after one round trip per interval.
      // What stays unacknowledged is re-sent whole, from the last acknowledgement, at most every
      // `retransmitMs`, doubling with each unanswered retransmission (up to one anti-entropy
      // period); after three, deltas to that peer stop until it acknowledges, and a digest
      // exchange repairs it (the exchange ends with an acknowledgement, which resumes deltas).
      const sent = this.#sentAt.get(peer);
      const unanswered = sent !== undefined && sent.seq > acked;
      if (unanswered && sent.tries >= DELTA_TRIES_MAX) {
        this.#needsRepair.add(peer);
        continue;
      }
      let from = unanswered ? sent.seq : acked;
      if (unanswered && this.#retransmitDue(peer, sent, now)) from = acked;
      else if (unanswered && this.#silentSince(peer, sent.atMs)) this.#probe(ctx, peer, sent.atMs);
      if (from >= this.#bufferSeq) continue;
      if (from + 1 < this.#bufferStart) this.#needsRepair.add(peer); // gap: the buffer moved on
      const keys = new Set<string>();
      for (let i = Math.max(from + 1, this.#bufferStart); i <= this.#bufferSeq; i++) {
        for (const k of this.#buffer[i - this.#bufferStart] ?? []) keys.add(k);
      }
      const batch = new WireKeysBuilder();
      for (const k of keys) {
        const s = this.#map.state(k);
        if (s !== undefined) batch.add(k, s);
      }
      const wire = batch.build();
      ctx.send(peer, {
        type: 'delta',
        session: this.#session,
        from,
        seq: this.#bufferSeq,
        keys: wire,
      });
      this.#lastSent.set(peer, now);
      // `atMs` and `tries` time the oldest unacknowledged position: new positions sent behind it
      // do not restart its clock.
      this.#sentAt.set(
        peer,
        !unanswered
          ? { seq: this.#bufferSeq, atMs: now, tries: 1 }
          : from === acked
            ? { seq: this.#bufferSeq, atMs: now, tries: sent.tries + 1 }
            : { seq: this.#bufferSeq, atMs: sent.atMs, tries: sent.tries },
      );
      this.stats.deltasSent++;
      this.stats.deltaKeysSent += batch.count;
    }
    // Heartbeats keep quiet peers from looking down.
    for (const peer of ctx.peers) {
      if (now - (this.#lastSent.get(peer) ?? Number.NEGATIVE_INFINITY) >= this.#o.downAfterMs / 3) {
        ctx.send(peer, { type: 'ping' });
        this.#lastSent.set(peer, now);
      }
    }
  }

  /**
   * Whether the unacknowledged positions sent to `peer` are due to be sent again: after
   * `retransmitMs`, doubling per unanswered retransmission up to one anti-entropy period. To a
   * peer silent since they were sent, at most once and only a small interval: copies of a
   * backlog would only pile up behind a partition that holds traffic and all land at the heal,
   * each a full interval to decode and join. Such a peer is probed instead (see `#gossip`); the
   * first message heard from it re-arms the clock (see `receive`).
   */
  #retransmitDue(
    peer: NodeId,
    sent: { readonly atMs: number; readonly tries: number },
    now: number,
  ): boolean {
    const waitMs = Math.min(
      this.#o.retransmitMs * 2 ** Math.min(sent.tries - 1, 20),
      Math.max(this.#o.retransmitMs, this.#o.antiEntropyIntervalMs),
    );
    if (now - sent.atMs < waitMs) return false;
    if (!this.#silentSince(peer, sent.atMs)) return true;
    // Silent: one blind retransmission of a small interval (a lost message is the common case,
    // and a probe would cost a round trip); a large one is only probed for.
    return sent.tries < 2 && this.#unackedWithin(peer, BLIND_RETRANSMIT_KEYS_MAX);
  }

  /** Whether the buffer positions `peer` has not acknowledged name at most `max` keys. */
  #unackedWithin(peer: NodeId, max: number): boolean {
    let n = 0;
    for (
      let i = Math.max((this.#acked.get(peer) ?? 0) + 1, this.#bufferStart);
      i <= this.#bufferSeq;
      i++
    ) {
      n += this.#buffer[i - this.#bufferStart]?.length ?? 0;
      if (n > max) return false;
    }
    return true;
  }

  /** Asks a peer silent since `sinceMs` to answer (a `pong`), every `retransmitMs` (at once with
   * `force`): a tiny message where a retransmission would be a whole interval, and its answer
   * ends the silence. */
  #probe(ctx: Context<CacheMsg>, peer: NodeId, sinceMs: number, force = false): void {
    const now = ctx.now();
    const last = Math.max(sinceMs, this.#probedAt.get(peer) ?? Number.NEGATIVE_INFINITY);
    if (!force && now - last < this.#o.retransmitMs) return;
    ctx.send(peer, { type: 'ping', probe: true });
    this.#probedAt.set(peer, now);
    this.#lastSent.set(peer, now);
  }

  /** How long an exchange's reply is awaited before another may start with the same peer: two
   * anti-entropy periods (a lost digest must not stall repair for long). */
  get #roundTimeoutMs(): number {
    return 2 * this.#o.antiEntropyIntervalMs;
  }

  /** Starts a digest exchange with one peer (`only`, if given) that has none pending and is not
   * silent behind an unacknowledged delta: one flagged for repair first, else a random up peer,
   * else (everyone silent) a random member, which doubles as a probe. */
  #startRepair(ctx: Context<CacheMsg>, only?: NodeId): void {
    const now = ctx.now();
    const free = (p: NodeId) =>
      (only === undefined || p === only) &&
      !this.#exchangePending(p, now) &&
      !this.#silentWithDelta(p);
    const flagged = [...this.#needsRepair].filter(
      (p) => this.#membership.status(p, now) === 'up' && free(p),
    );
    const up = this.#membership.peers('up', now).filter(free);
    const pool =
      flagged.length > 0
        ? flagged
        : up.length > 0
          ? up
          : this.#membership.members(now).filter(free);
    const [peer] = this.#pick(ctx, pool, 1);
    if (peer === undefined) return;
    this.#needsRepair.delete(peer);
    const round = ++this.#round;
    const knowledge = encodeVector(this.#map.knowledge);
    this.#rounds.set(round, { peer, knowledge, seq: this.#bufferSeq, startedMs: now });
    // Forget rounds whose replies never came (lost), keeping the table small.
    for (const r of this.#rounds.keys()) if (r < round - 16) this.#rounds.delete(r);
    ctx.send(peer, { type: 'digest', round, digest: this.#map.digest.snapshot(), knowledge });
    this.#lastSent.set(peer, now);
    this.stats.repairRounds++;
  }

  /**
   * Whether a digest exchange with `peer` is still pending: its reply is due (one exchange at a
   * time per peer — another would only queue a second full-bucket transfer behind a slow link),
   * or it timed out but the peer has been silent since it started. A silent peer is partitioned
   * or down; a digest sent each period would be held with the first and all be answered at the
   * heal, every answer a full repair of the differing buckets (dozens after a partition of a few
   * seconds, which is what made healing slow). Anything heard from the peer frees it again.
   */
  #exchangePending(peer: NodeId, now: number): boolean {
    for (const r of this.#rounds.values()) {
      if (r.peer !== peer) continue;
      if (now - r.startedMs < this.#roundTimeoutMs || this.#silentSince(peer, r.startedMs))
        return true;
    }
    return false;
  }

  /** The keys of the delta interval last sent to `peer` and not yet acknowledged, while delta
   * gossip still owns it (no gap in the buffer, not given up to anti-entropy). */
  #inFlightKeys(peer: NodeId): Set<string> {
    const out = new Set<string>();
    const sent = this.#sentAt.get(peer);
    const acked = this.#acked.get(peer) ?? 0;
    if (sent === undefined || sent.seq <= acked || sent.tries >= DELTA_TRIES_MAX) return out;
    if (acked + 1 < this.#bufferStart || this.#needsRepair.has(peer)) return out;
    for (let i = acked + 1; i <= Math.min(sent.seq, this.#bufferSeq); i++) {
      for (const k of this.#buffer[i - this.#bufferStart] ?? []) out.add(k);
    }
    return out;
  }

  /** Whether `peer` has been silent since the delta interval it has not acknowledged was sent:
   * the link is likely cut, and a digest now would only wait behind that interval. */
  #silentWithDelta(peer: NodeId): boolean {
    const sent = this.#sentAt.get(peer);
    return (
      sent !== undefined &&
      sent.seq > (this.#acked.get(peer) ?? 0) &&
      this.#silentSince(peer, sent.atMs)
    );
  }

  /** Whether nothing has been heard from `peer` since `sinceMs` (heard at that very moment
   * counts as heard: a clock re-armed on hearing a peer starts then). */
  #silentSince(peer: NodeId, sinceMs: number): boolean {
    return (this.#membership.lastHeardMs(peer) ?? Number.NEGATIVE_INFINITY) < sinceMs;
  }

  /** Causal stability: prune contexts and collect tombstones below the members' common knowledge. */
  #collect(ctx: Context<CacheMsg>): void {
    const members = this.#membership.members(ctx.now());
    const frontier = new Map(this.#map.knowledge);
    for (const p of members) {
      const k = this.#peerKnowledge.get(p);
      for (const [r, n] of frontier) {
        const theirs = k?.get(r) ?? 0;
        if (theirs < n) frontier.set(r, theirs);
      }
    }
    const before = new Set(this.#o.persist ? this.#map.keys() : []);
    const collected = this.#map.collect(frontier);
    this.stats.tombstonesCollected += collected;
    if (this.#o.persist && collected > 0) {
      for (const key of before)
        if (this.#map.state(key) === undefined) ctx.storage.delete(utf8(KEY_PREFIX + key));
    }
  }

  /** Removes expired keys (a replicated removal). */
  #sweep(ctx: Context<CacheMsg>): void {
    const now = ctx.now();
    let examined = 0;
    for (const key of [...this.#expiring]) {
      if (examined++ >= this.#o.sweepKeysMax) break;
      const v = this.#map.resolve(key);
      if (v === undefined || v.expiresAtMs === 0) {
        this.#expiring.delete(key);
        continue;
      }
      if (v.expiresAtMs > now) continue;
      const delta = this.#map.remove(key);
      if (delta === undefined) continue;
      this.stats.expirations++;
      this.#write(ctx, delta);
    }
  }

  /** Evicts least recently used keys until under `maxKeys` and `maxBytes`, judged by the map's
   *  own key and byte counts after each removal (a removed key leaves a tombstone, which counts
   *  until it is collected). */
  #enforceBound(ctx: Context<CacheMsg>): void {
    const over = () =>
      (this.#o.maxKeys > 0 && this.#map.liveKeys > this.#o.maxKeys) ||
      (this.#o.maxBytes > 0 && this.#map.bytes > this.#o.maxBytes);
    if (!over()) return;
    const victims: string[] = [];
    // Removal re-inserts the key (as a tombstone) at the back of the order: iteration reaches it
    // again later and skips it, having no entries.
    for (const key of this.#map.keys()) {
      if (!over()) break;
      if ((this.#map.state(key) as KeyState).entries.length === 0) continue;
      if (this.#map.remove(key) !== undefined) victims.push(key);
    }
    for (const key of victims) {
      this.stats.evictions++;
      this.#changed(ctx, [key]);
      this.#record([key]);
    }
  }

  /** Keeps storage, the mirror and the expiry index in step with changed keys. */
  #changed(ctx: Context<CacheMsg>, keys: readonly string[]): void {
    for (const key of keys) {
      const s = this.#map.state(key);
      if (s?.entries.some((e) => e.expiresAtMs !== 0)) this.#expiring.add(key);
      if (this.#o.persist) {
        const k = utf8(KEY_PREFIX + key);
        if (s === undefined) ctx.storage.delete(k);
        else ctx.storage.put(k, utf8(JSON.stringify(encodeKey(key, s))));
      }
      if (this.#o.mirror) {
        const v = this.#map.resolve(key);
        if (v === undefined) ctx.memory.delete(`v/${key}`);
        else ctx.memory.set(`v/${key}`, [v.value, v.expiresAtMs]);
      }
    }
    // Equal values can hide unequal states (sibling or counter entries that happen to resolve
    // alike): the checkers also compare this fingerprint of every entry held.
    if (this.#o.mirror) ctx.memory.set(FINGERPRINT_KEY, this.#map.digest.fingerprint());
    if (this.#o.persist) ctx.storage.put(META_SEQ, utf8(String(this.#map.seq)));
  }

  /** Whether this node has lost touch (permanently-down) with a majority of the cluster, or with
   * exactly half and the half without the smallest node id. */
  #inMinority(ctx: Context<CacheMsg>): boolean {
    const now = ctx.now();
    const side = [ctx.id, ...this.#membership.members(now)];
    const n = ctx.nodes.length;
    if (side.length * 2 !== n) return side.length * 2 < n;
    const smallest = [...ctx.nodes].sort()[0];
    return !side.includes(smallest as NodeId);
  }

  /** Drops all state and starts again as a fresh replica (told to rejoin). */
  #wipe(ctx: Context<CacheMsg>): void {
    const now = ctx.now();
    if (now - this.#lastWipeMs < this.#o.downAfterMs) return; // one wipe per rejoin episode
    this.#lastWipeMs = now;
    this.#cutOff = false;
    this.#awaitingWelcome = false;
    this.stats.rejoins++;
    this.#epoch++;
    if (this.#o.persist) {
      ctx.storage.deleteRange(utf8(KEY_PREFIX), utf8('k0'));
      ctx.storage.delete(META_KNOWLEDGE);
      ctx.storage.put(META_EPOCH, utf8(String(this.#epoch)));
    }
    if (this.#o.mirror) for (const k of ctx.memory.keys('v/')) ctx.memory.delete(k);
    this.#reset(ctx);
    if (this.#o.mirror) ctx.memory.set(FINGERPRINT_KEY, this.#map.digest.fingerprint());
    this.#startRepair(ctx);
  }

  #reset(ctx: Context<CacheMsg>): void {
    const replica = `${ctx.id}#${this.#epoch}`;
    this.#map = new CacheMap(replica, {
      buckets: this.#o.buckets,
      ...(this.#o.resolve === undefined ? {} : { resolve: this.#o.resolve }),
    });
    this.#clock = new HybridClock(ctx.id);
    this.#buffer = [];
    this.#bufferStart = 1;
    this.#bufferSeq = 0;
    this.#acked.clear();
    this.#needsRepair.clear();
    this.#rounds.clear();
    this.#sentAt.clear();
    this.#probedAt.clear();
    this.#scans.clear(); // they iterate the replica being replaced
    this.#repairSent.clear();
    this.#expiring.clear();
  }

  /** A permanently-down peer's tracking state is collected. */
  #forget(peer: NodeId): void {
    this.#acked.delete(peer);
    this.#peerKnowledge.delete(peer);
    this.#needsRepair.delete(peer);
  }

  /** Reloads the replica after a restart; refuses to start on a damaged record. */
  #load(ctx: Context<CacheMsg>): void {
    const data = readCacheData(ctx.storage, ctx.id);
    for (const [key, state] of data.keys) {
      this.#map.restore(key, state);
      const v = this.#map.resolve(key);
      if (v !== undefined && v.expiresAtMs !== 0) this.#expiring.add(key);
      if (this.#o.mirror && v !== undefined) ctx.memory.set(`v/${key}`, [v.value, v.expiresAtMs]);
    }
    this.#map.restoreCounters(data.seq, data.knowledge);
    this.#awaitingWelcome = data.keys.size > 0 && ctx.peers.length > 0;
    const newest = newestHlc(data.keys.values());
    if (newest !== undefined) this.#clock.observe(newest, ctx.now());
  }

  #readCount(ctx: Context<CacheMsg>, key: Uint8Array): number {
    try {
      return readCount(ctx.storage, key);
    } catch (e) {
      throw new CacheDataError(`node ${ctx.id}: refusing to start: ${(e as Error).message}`);
    }
  }

  /** At most `syncKeysMax` keys of `states`, and about `syncBytesMax` bytes, in wire form;
   * `sent` holds the states included. */
  #bounded(states: ReadonlyMap<string, KeyState>): { wire: WireKeys; sent: CacheDelta } {
    const out = new WireKeysBuilder();
    const sent: CacheDelta = new Map();
    let bytes = 0;
    for (const [key, s] of states) {
      if (out.count >= this.#o.syncKeysMax || (out.count > 0 && bytes > this.#o.syncBytesMax))
        break;
      bytes += stateBytes(key, s);
      out.add(key, s);
      sent.set(key, s);
    }
    return { wire: out.build(), sent };
  }

  /** `count` distinct peers drawn from `pool` with the node's seeded stream. */
  #pick(ctx: Context<CacheMsg>, pool: readonly NodeId[], count: number): NodeId[] {
    if (pool.length <= count) return [...pool];
    const rest = [...pool];
    const out: NodeId[] = [];
    while (out.length < count) {
      const i = Math.floor(ctx.random() * rest.length);
      out.push(rest.splice(i, 1)[0] as NodeId);
    }
    return out;
  }
}

/** The largest timestamp of any entry of `states`, or undefined when they hold none. */
function newestHlc(states: Iterable<KeyState>): Hlc | undefined {
  let newest: Hlc | undefined;
  for (const s of states) {
    for (const e of s.entries)
      if (newest === undefined || compareHlc(e.hlc, newest) > 0) newest = e.hlc;
  }
  return newest;
}

/** Whether `knowledge` covers every dot of `s` (its entries' and its context's). */
function coveredBy(s: KeyState, knowledge: ReadonlyMap<string, number>): boolean {
  for (const e of s.entries) if (e.seq > (knowledge.get(e.replica) ?? 0)) return false;
  for (const [r, n] of s.context) if (n > (knowledge.get(r) ?? 0)) return false;
  return true;
}

/** Whether two states of a key hold the same entries (by dot) and the same context. */
function sameState(a: KeyState, b: KeyState): boolean {
  if (a.entries.length !== b.entries.length || a.context.size !== b.context.size) return false;
  for (const [r, n] of a.context) if (b.context.get(r) !== n) return false;
  return a.entries.every((e) => b.entries.some((f) => f.replica === e.replica && f.seq === e.seq));
}

/** The process factory for a cache node. */
export function cacheProcess(options: CacheOptions = {}): ProcessFactory<CacheMsg> {
  return () => new CacheNode(options);
}
