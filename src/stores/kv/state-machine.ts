import { assert } from '../../core/assert.js';
import type { BatchOp, OrderedKV } from '../../storage/ordered-kv.js';
import type { StateMachine, StateMachineFactory } from '../raft/state-machine.js';
import { ApplyBatch } from './apply-batch.js';
import type {
  CasExpectation,
  KeyValue,
  KvCommand,
  KvEvent,
  KvQuery,
  KvResult,
} from './commands.js';
import {
  bytesOf,
  decodeJson,
  EMPTY_META,
  encodeJson,
  HISTORY,
  LEASE_EXPIRY,
  LEASE_KEYS,
  LEASES,
  type LeaseRecord,
  META_KEY,
  type Meta,
  stringOf,
  userKey,
  userRange,
} from './layout.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import { commandProblem, queryProblem } from './validate.js';

/** Options of {@link kvStateMachine}. */
export interface KvStateMachineOptions {
  /** Revisions of change history kept for watches; older ones are compacted automatically.
   *  Default 10,000. */
  readonly historyMax?: number;
}

/** Default number of revisions of history kept. */
export const HISTORY_MAX_DEFAULT = 10_000;
/** Changes returned by one `changes` query when it gives no limit. */
export const CHANGES_LIMIT_DEFAULT = 1000;

const EMPTY = new Uint8Array(0);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

/**
 * The KV state machine: etcd's key space (revisions, create/mod revisions and versions, ordered
 * and resumable change history, leases) on an `OrderedKV`, driven by Raft through the
 * {@link StateMachine} contract. Pure and deterministic: results depend only on the storage
 * contents, the commands and the entry times Raft passes in — never on a local clock.
 */
export class KvStateMachine implements StateMachine<KvCommand, KvQuery, KvResult> {
  readonly #storage: OrderedKV;
  readonly #historyMax: number;
  /** The persisted meta, cached (this object is the storage's only writer). */
  #meta: Meta;

  constructor(storage: OrderedKV, options: KvStateMachineOptions = {}) {
    this.#storage = storage;
    this.#historyMax = options.historyMax ?? HISTORY_MAX_DEFAULT;
    assert(
      Number.isSafeInteger(this.#historyMax) && this.#historyMax >= 1,
      'kv historyMax is a whole number >= 1',
      String(this.#historyMax),
    );
    const raw = storage.get(META_KEY);
    this.#meta = raw === undefined ? EMPTY_META : decodeJson<Meta>(raw);
  }

  appliedIndex(): number {
    return this.#meta.applied;
  }

  apply(index: number, command: KvCommand, timeMs: number): KvResult {
    assert(
      Number.isSafeInteger(index) && index > this.#meta.applied,
      'kv entries apply in increasing index order',
      `entry ${index} after ${this.#meta.applied}`,
    );
    const tx = new Transition(this.#storage, this.#meta, this.#historyMax);
    // Entry time never moves the lease clock back (a new leader's clock may be behind).
    tx.advanceClock(timeMs);
    // A new leader renews every lease before any can expire on its clock (see 'promote').
    if ((command as { op?: unknown } | null)?.op === 'promote') tx.renewLeases();
    tx.expireLeases();
    const problem = commandProblem(command);
    const result = problem === undefined ? tx.run(command) : tx.error('bad-request', problem);
    tx.autoCompact();
    this.#meta = tx.commit(index);
    return result;
  }

  query(query: KvQuery): KvResult {
    const revision = this.#meta.revision;
    const problem = queryProblem(query);
    if (problem !== undefined)
      return { type: 'error', revision, code: 'bad-request', message: problem };
    const read = new ApplyBatch(this.#storage);
    switch (query.op) {
      case 'get':
        return { type: 'get', revision, kv: readKey(read, query.key) };
      case 'range': {
        const { start, end } = userRange(query.start, query.end);
        const limit = query.limit ?? Number.POSITIVE_INFINITY;
        const entries = read.range(
          start,
          end,
          limit === Number.POSITIVE_INFINITY ? limit : limit + 1,
        );
        const kvs = entries.slice(0, limit).map((e) => {
          const kv = decodeJson<KeyValue>(e.value);
          return query.keysOnly === true ? { ...kv, value: '' } : kv;
        });
        return { type: 'range', revision, kvs, more: entries.length > limit };
      }
      case 'exists': {
        let count = 0;
        for (const key of query.keys) if (this.#storage.get(userKey(key)) !== undefined) count++;
        return { type: 'count', revision, count };
      }
      case 'changes':
        return this.#changes(query);
      case 'leaseInfo': {
        const lease = readLease(read, query.id);
        if (lease === undefined) {
          return {
            type: 'error',
            revision,
            code: 'no-lease',
            message: `lease ${query.id} does not exist`,
          };
        }
        const keys = read
          .range(LEASE_KEYS.range([lease.id]).start, LEASE_KEYS.range([lease.id]).end)
          .map((e) => stringOf(LEASE_KEYS.unpack(e.key)[1] as Uint8Array));
        return {
          type: 'lease',
          revision,
          id: lease.id,
          ttlMs: lease.ttlMs,
          expiresAtMs: lease.expiresAtMs,
          keys,
        };
      }
      case 'status': {
        const m = this.#meta;
        return {
          type: 'status',
          revision,
          compactRevision: m.compacted,
          keys: m.keys,
          leases: m.leases,
          appliedIndex: m.applied,
          clockMs: m.clockMs,
        };
      }
    }
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.#storage.range());
  }

  restore(index: number, data: Uint8Array): void {
    const entries = decodeSnapshot(data);
    const metaEntry = entries.find((e) => stringOf(e.key) === stringOf(META_KEY));
    const meta: Meta = {
      ...(metaEntry === undefined ? EMPTY_META : decodeJson<Meta>(metaEntry.value)),
      applied: index,
    };
    const incoming = new Set(entries.map((e) => stringOf(e.key)));
    const ops: BatchOp[] = [];
    for (const e of this.#storage.range()) {
      if (!incoming.has(stringOf(e.key))) ops.push({ type: 'delete', key: e.key });
    }
    for (const e of entries) {
      if (stringOf(e.key) !== stringOf(META_KEY))
        ops.push({ type: 'put', key: e.key, value: e.value });
    }
    ops.push({ type: 'put', key: META_KEY, value: encodeJson(meta) });
    this.#storage.batch(ops);
    this.#meta = meta;
  }

  #changes(query: Extract<KvQuery, { op: 'changes' }>): KvResult {
    const m = this.#meta;
    if (query.fromRevision <= m.compacted) {
      return {
        type: 'error',
        revision: m.revision,
        code: 'compacted',
        message: `revision ${query.fromRevision} has been compacted; the oldest revision kept is ${m.compacted + 1}`,
      };
    }
    const lo = query.start ?? '';
    const hi = query.end ?? '';
    const limit = query.limit ?? CHANGES_LIMIT_DEFAULT;
    const events: (KvEvent & { revision: number })[] = [];
    let from = HISTORY.pack([query.fromRevision]);
    const end = HISTORY.range().end;
    let cutAt: number | undefined;
    for (;;) {
      const chunk = this.#storage.range({ start: from, end, limit: 256 });
      for (const e of chunk) {
        const revision = HISTORY.unpack(e.key)[0] as number;
        // Stop at a revision boundary only, so a revision's changes are never split (etcd's
        // "atomic" watch guarantee).
        if (cutAt !== undefined && revision !== cutAt) return done(cutAt + 1);
        const event = decodeJson<KvEvent>(e.value);
        const key = event.kv.key;
        if (key >= lo && (hi === '' || key < hi)) {
          events.push({ ...event, revision });
          if (events.length >= limit) cutAt = revision;
        }
      }
      const last = chunk[chunk.length - 1];
      if (chunk.length < 256 || last === undefined) break;
      from = new Uint8Array([...last.key, 0]);
    }
    return done(cutAt === undefined ? m.revision + 1 : cutAt + 1);

    function done(nextRevision: number): KvResult {
      return { type: 'changes', revision: m.revision, events, nextRevision };
    }
  }
}

/** Builds a {@link KvStateMachine} per node: the factory Raft's process takes. */
export function kvStateMachine(
  options: KvStateMachineOptions = {},
): StateMachineFactory<KvCommand, KvQuery, KvResult> {
  return (storage) => new KvStateMachine(storage, options);
}

function readKey(read: ApplyBatch, key: string): KeyValue | null {
  const raw = read.get(userKey(key));
  return raw === undefined ? null : decodeJson<KeyValue>(raw);
}

function readLease(read: ApplyBatch, id: number): LeaseRecord | undefined {
  const raw = read.get(LEASES.pack([id]));
  return raw === undefined ? undefined : decodeJson<LeaseRecord>(raw);
}

/** The effects of one entry, buffered until {@link Transition.commit}. */
class Transition {
  readonly #storage: OrderedKV;
  readonly #batch: ApplyBatch;
  readonly #historyMax: number;
  #meta: { -readonly [K in keyof Meta]: Meta[K] };
  /** Events recorded at the current revision so far (their sub-index). */
  #eventsAtRevision = 0;

  constructor(storage: OrderedKV, meta: Meta, historyMax: number) {
    this.#storage = storage;
    this.#batch = new ApplyBatch(storage);
    this.#meta = { ...meta };
    this.#historyMax = historyMax;
  }

  advanceClock(timeMs: number): void {
    if (Number.isFinite(timeMs))
      this.#meta.clockMs = Math.max(this.#meta.clockMs, Math.floor(timeMs));
  }

  error(code: Extract<KvResult, { type: 'error' }>['code'], message: string): KvResult {
    return { type: 'error', revision: this.#meta.revision, code, message };
  }

  run(c: KvCommand): KvResult {
    switch (c.op) {
      case 'put': {
        const prev = readKey(this.#batch, c.key);
        if ((c.ifAbsent === true && prev !== null) || (c.ifPresent === true && prev === null)) {
          return { type: 'put', revision: this.#meta.revision, written: false, prev };
        }
        if (c.lease !== undefined && readLease(this.#batch, c.lease) === undefined) {
          return this.error(
            'no-lease',
            `put ${JSON.stringify(c.key)}: lease ${c.lease} does not exist`,
          );
        }
        this.#bump();
        this.#put(
          prev,
          c.key,
          c.value,
          c.ttlMs !== undefined
            ? { ttlMs: c.ttlMs }
            : { lease: c.keepTtl === true ? (prev?.lease ?? 0) : (c.lease ?? 0) },
        );
        return { type: 'put', revision: this.#meta.revision, written: true, prev };
      }
      case 'delete': {
        const present = [...new Set(c.keys)].filter((k) => readKey(this.#batch, k) !== null);
        const deleted = this.#deleteKeys(present);
        return { type: 'delete', revision: this.#meta.revision, deleted };
      }
      case 'deleteRange': {
        const { start, end } = userRange(c.start, c.end);
        const keys = this.#batch.range(start, end).map((e) => decodeJson<KeyValue>(e.value).key);
        const deleted = this.#deleteKeys(keys);
        return { type: 'delete', revision: this.#meta.revision, deleted };
      }
      case 'cas': {
        const prev = readKey(this.#batch, c.key);
        if (!holds(c.expect, prev)) {
          return { type: 'cas', revision: this.#meta.revision, succeeded: false, prev };
        }
        if (c.value === null) {
          if (prev !== null) this.#deleteKeys([c.key]);
        } else {
          this.#bump();
          this.#put(
            prev,
            c.key,
            c.value,
            c.ttlMs === undefined ? { lease: 0 } : { ttlMs: c.ttlMs },
          );
        }
        return { type: 'cas', revision: this.#meta.revision, succeeded: true, prev };
      }
      case 'incr': {
        const prev = readKey(this.#batch, c.key);
        const text = prev?.value ?? '0';
        if (!DECIMAL.test(text) || text === '-0' || text.length > 20) {
          return this.error(
            'not-integer',
            `incr ${JSON.stringify(c.key)}: value is not an integer or out of range`,
          );
        }
        const sum = BigInt(text) + BigInt(c.by);
        if (
          BigInt(text) < INT64_MIN ||
          BigInt(text) > INT64_MAX ||
          sum < INT64_MIN ||
          sum > INT64_MAX
        ) {
          return this.error(
            'not-integer',
            `incr ${JSON.stringify(c.key)}: increment or decrement would overflow`,
          );
        }
        this.#bump();
        // INCR keeps the key's TTL (Redis), so the lease stays.
        this.#put(prev, c.key, String(sum), { lease: prev?.lease ?? 0 });
        return { type: 'incr', revision: this.#meta.revision, value: String(sum) };
      }
      case 'leaseGrant': {
        const lease = this.#grant(c.ttlMs, false);
        return { type: 'lease', revision: this.#meta.revision, ...lease, keys: [] };
      }
      case 'leaseKeepAlive': {
        const lease = readLease(this.#batch, c.id);
        if (lease === undefined)
          return this.error('no-lease', `lease ${c.id} does not exist (expired or revoked)`);
        const renewed = { ...lease, expiresAtMs: this.#meta.clockMs + lease.ttlMs };
        this.#batch.delete(LEASE_EXPIRY.pack([lease.expiresAtMs, lease.id]));
        this.#writeLease(renewed);
        return {
          type: 'lease',
          revision: this.#meta.revision,
          id: lease.id,
          ttlMs: lease.ttlMs,
          expiresAtMs: renewed.expiresAtMs,
          keys: [],
        };
      }
      case 'leaseRevoke': {
        const lease = readLease(this.#batch, c.id);
        if (lease === undefined)
          return this.error('no-lease', `lease ${c.id} does not exist (expired or revoked)`);
        const deleted = this.#revoke(lease);
        return { type: 'leaseRevoke', revision: this.#meta.revision, deleted };
      }
      case 'compact': {
        if (c.revision > this.#meta.revision) {
          return this.error(
            'bad-request',
            `compact: revision ${c.revision} is in the future (current ${this.#meta.revision})`,
          );
        }
        if (c.revision <= this.#meta.compacted) {
          return this.error(
            'compacted',
            `compact: revision ${c.revision} has already been compacted (up to ${this.#meta.compacted})`,
          );
        }
        this.#compact(c.revision);
        return { type: 'compact', revision: this.#meta.revision, compactRevision: c.revision };
      }
      case 'tick':
        return { type: 'tick', revision: this.#meta.revision, expired: this.expiredCount };
      case 'promote':
        return { type: 'promote', revision: this.#meta.revision, renewed: this.renewedCount };
    }
  }

  /** Leases renewed by this entry (a 'promote'). */
  renewedCount = 0;

  /** Pushes every lease's expiry to at least the lease clock plus its TTL. */
  renewLeases(): void {
    const { start, end } = LEASE_EXPIRY.range();
    for (const e of [...this.#batch.range(start, end)]) {
      const id = LEASE_EXPIRY.unpack(e.key)[1] as number;
      const lease = readLease(this.#batch, id);
      assert(lease !== undefined, 'kv lease expiry index points at live leases', `lease ${id}`);
      const expiresAtMs = this.#meta.clockMs + lease.ttlMs;
      if (expiresAtMs <= lease.expiresAtMs) continue;
      this.#batch.delete(e.key);
      this.#writeLease({ ...lease, expiresAtMs });
      this.renewedCount++;
    }
  }

  /** Leases expired by this entry (before its command ran). */
  expiredCount = 0;

  /** Revokes every lease whose expiry is at or before the lease clock. */
  expireLeases(): void {
    const { start } = LEASE_EXPIRY.range();
    const end = LEASE_EXPIRY.pack([this.#meta.clockMs + 1]);
    for (const e of this.#batch.range(start, end)) {
      const id = LEASE_EXPIRY.unpack(e.key)[1] as number;
      const lease = readLease(this.#batch, id);
      assert(lease !== undefined, 'kv lease expiry index points at live leases', `lease ${id}`);
      this.#revoke(lease);
      this.expiredCount++;
    }
  }

  autoCompact(): void {
    const floor = this.#meta.revision - this.#historyMax;
    if (floor > this.#meta.compacted) this.#compact(floor);
  }

  /** Writes meta with the new applied index and flushes everything as one batch. */
  commit(index: number): Meta {
    this.#meta.applied = index;
    const meta: Meta = { ...this.#meta };
    this.#batch.put(META_KEY, encodeJson(meta));
    this.#storage.batch(this.#batch.ops());
    return meta;
  }

  #bump(): void {
    this.#meta.revision++;
    this.#eventsAtRevision = 0;
  }

  #event(event: KvEvent): void {
    this.#batch.put(HISTORY.pack([this.#meta.revision, this.#eventsAtRevision]), encodeJson(event));
    this.#eventsAtRevision++;
  }

  /** Writes `key` at the current (already bumped) revision. */
  #put(
    prev: KeyValue | null,
    key: string,
    value: string,
    lease: { lease: number } | { ttlMs: number },
  ): void {
    const revision = this.#meta.revision;
    const leaseId = 'ttlMs' in lease ? this.#grant(lease.ttlMs, true).id : lease.lease;
    if (prev !== null && prev.lease !== 0 && prev.lease !== leaseId)
      this.#detach(prev.key, prev.lease);
    if (leaseId !== 0 && leaseId !== prev?.lease) {
      this.#batch.put(LEASE_KEYS.pack([leaseId, bytesOf(key)]), EMPTY);
    }
    const kv: KeyValue = {
      key,
      value,
      createRevision: prev?.createRevision ?? revision,
      modRevision: revision,
      version: (prev?.version ?? 0) + 1,
      lease: leaseId,
    };
    if (prev === null) this.#meta.keys++;
    this.#batch.put(userKey(key), encodeJson(kv));
    this.#event({ type: 'put', kv });
  }

  /** Deletes the given existing keys at one new revision; returns how many. */
  #deleteKeys(keys: readonly string[]): number {
    if (keys.length === 0) return 0;
    this.#bump();
    for (const key of keys) {
      const prev = readKey(this.#batch, key);
      assert(prev !== null, 'kv deletes only existing keys', JSON.stringify(key));
      if (prev.lease !== 0) this.#detach(key, prev.lease);
      this.#batch.delete(userKey(key));
      this.#meta.keys--;
      this.#event({ type: 'delete', kv: { ...prev, modRevision: this.#meta.revision } });
    }
    return keys.length;
  }

  /** Unlinks `key` from lease `id`; a private lease goes with its key. */
  #detach(key: string, id: number): void {
    this.#batch.delete(LEASE_KEYS.pack([id, bytesOf(key)]));
    const lease = readLease(this.#batch, id);
    if (lease?.private === true) this.#dropLease(lease);
  }

  #grant(ttlMs: number, isPrivate: boolean): LeaseRecord {
    const lease: LeaseRecord = {
      id: this.#meta.leaseNext,
      ttlMs,
      expiresAtMs: this.#meta.clockMs + ttlMs,
      private: isPrivate,
    };
    this.#meta.leaseNext++;
    this.#meta.leases++;
    this.#writeLease(lease);
    return lease;
  }

  #writeLease(lease: LeaseRecord): void {
    this.#batch.put(LEASES.pack([lease.id]), encodeJson(lease));
    this.#batch.put(LEASE_EXPIRY.pack([lease.expiresAtMs, lease.id]), EMPTY);
  }

  #dropLease(lease: LeaseRecord): void {
    this.#batch.delete(LEASES.pack([lease.id]));
    this.#batch.delete(LEASE_EXPIRY.pack([lease.expiresAtMs, lease.id]));
    this.#meta.leases--;
  }

  /** Deletes a lease and its keys (at one revision); returns how many keys. */
  #revoke(lease: LeaseRecord): number {
    const { start, end } = LEASE_KEYS.range([lease.id]);
    const keys = this.#batch
      .range(start, end)
      .map((e) => stringOf(LEASE_KEYS.unpack(e.key)[1] as Uint8Array));
    this.#dropLease(lease);
    // The keys' detach finds the lease gone, so it only unlinks them.
    return this.#deleteKeys(keys);
  }

  #compact(revision: number): void {
    this.#batch.deleteRange(HISTORY.range().start, HISTORY.pack([revision + 1]));
    this.#meta.compacted = revision;
  }
}

function holds(expect: CasExpectation, prev: KeyValue | null): boolean {
  if ('value' in expect) return (prev?.value ?? null) === expect.value;
  if ('modRevision' in expect) return (prev?.modRevision ?? 0) === expect.modRevision;
  return (prev?.version ?? 0) === expect.version;
}
