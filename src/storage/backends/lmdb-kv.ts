import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';
import { checkOps } from '../check-ops.js';
import {
  type BatchOp,
  checkKey,
  checkRange,
  type Entry,
  type OrderedKV,
  type OrderedKVReader,
  type RangeOptions,
  StorageInputError,
} from '../ordered-kv.js';

/**
 * Largest key the LMDB backend accepts, in bytes: LMDB's cap with lmdb-js's build and pages of
 * 16 KiB or more (4026), less the one byte that escapes keys starting with 0x00 (see
 * {@link storedKey}). Smaller than the interface-wide KEY_BYTES_MAX, hence checked here.
 */
export const LMDB_KEY_BYTES_MAX = 4025;

/** Page size of the LMDB file, in bytes: the smallest that allows keys of 4026 bytes. */
const PAGE_SIZE = 16384;

/** Name of the data file inside the store's directory (LMDB adds `data.mdb-lock` beside it). */
export const LMDB_DATA_FILE = 'data.mdb';

/** Thrown by any operation on a closed store. */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
}

/** Thrown when the data directory cannot be opened (not LMDB, corrupted, unreadable). */
export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
}

/** Options of {@link LmdbKV.open}. */
export interface LmdbKVOptions {
  /** Map size reserved up front, in bytes; LMDB grows it when full. Default: 1 GiB. */
  readonly mapSize?: number;
}

// Layout: every key lives in LMDB's root (unnamed) database. LMDB rejects zero-length keys, so
// keys are stored through an escape that preserves order: a key that is empty or starts with 0x00
// is stored as 0x00 + key, every other key as it is (see storedKey). Common keys thus cost no copy
// on writes, reads or scans. (Prefixing every key with a byte would cost a copy per key, 1.5x on
// scans; keeping the empty key in a named database, as an earlier layout did, made every commit
// write one more page, the named database's record in the root: +9% bytes per 1000-put commit,
// measured.) Stores written in that earlier layout are converted on open (migrateNamedLayout).
/** The stored form of the empty key, and the lowest stored key. */
const LOWEST_KEY = Buffer.from([0]);
/** Names of the named databases of the earlier layout (data, and the empty key's value). */
const OLD_DATA_DB = 'data';
const OLD_EMPTY_DB = 'empty-key';
const OLD_EMPTY_SLOT = Buffer.from([0]);

/**
 * `bytes` typed as the Buffer lmdb-js declares. lmdb-js 3.5 reads any Uint8Array (offset views
 * included) as a binary key or value, and copies it into its pages; converting with Buffer.from
 * would cost about 190 ns per key (measured), a third of a point read.
 */
function asBuffer(bytes: Uint8Array): Buffer {
  return bytes as Buffer;
}

type Db = Database<Buffer, Buffer>;
type Root = RootDatabase<Buffer, Buffer>;

/**
 * The LMDB key for user key `key`: `key` itself when it is non-empty and does not start with 0x00,
 * else 0x00 + `key`. Order-preserving and injective: the escaped keys (empty first) sort below
 * every key starting with 0x01 or more, in their own order; so a range [a, b) of user keys is the
 * range [storedKey(a), storedKey(b)) of LMDB keys.
 */
function storedKey(key: Uint8Array): Buffer {
  if (key.length > 0 && key[0] !== 0) return asBuffer(key);
  const out = Buffer.allocUnsafe(key.length + 1);
  out[0] = 0;
  out.set(key, 1);
  return out;
}

/** The user key of LMDB key `stored` (the inverse of {@link storedKey}). */
function userKey(stored: Buffer): Uint8Array {
  // A fresh copy, never a view: returned keys are the caller's (see PrefixKV on on-heap keys).
  return stored[0] !== 0 ? stored : new Uint8Array(stored.subarray(1));
}

/**
 * The on-disk `OrderedKV`: LMDB through lmdb-js (see docs/design/storage.md for why LMDB).
 *
 * How it serves the synchronous contract: reads are synchronous memory-mapped lookups; every write
 * (`put`, `delete`, `deleteRange`, `batch`) is one `transactionSync` whose commit fsyncs before it
 * returns (`overlappingSync: false`), so a returned write survives a crash or power loss, and a
 * batch is one LMDB transaction: all or nothing. `snapshot()` pins an LMDB read transaction (MVCC),
 * released by the snapshot's `release()`, by garbage collection, or by `close()`.
 *
 * Keys are limited to {@link LMDB_KEY_BYTES_MAX} bytes. LMDB has no page checksums: a torn or
 * bit-flipped page in the middle of the file is not always detected; a file that is not LMDB at all
 * (or has a bad header) is rejected on open with a {@link StorageOpenError} naming the file.
 * One process may write the directory at a time.
 */
export class LmdbKV implements OrderedKV {
  #root: Root | undefined;
  readonly #snapshots = new Set<{ done(): void }>();
  readonly #released = new FinalizationRegistry<{ done(): void }>((txn) => this.#release(txn));

  private constructor(
    /** The data file, for error messages. */
    readonly file: string,
    root: Root,
  ) {
    this.#root = root;
  }

  /** Opens (creating when absent) the store in directory `dir`. */
  static open(dir: string, options: LmdbKVOptions = {}): LmdbKV {
    const file = join(dir, LMDB_DATA_FILE);
    try {
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
      else if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      if (existsSync(file)) checkHeader(file);
      const root = open<Buffer, Buffer>({
        path: file,
        encoding: 'binary',
        keyEncoding: 'binary',
        // With overlappingSync (the default) a commit returns before its fsync; we promise
        // durability on return, so it must be off.
        overlappingSync: false,
        pageSize: PAGE_SIZE,
        mapSize: options.mapSize ?? 1 << 30,
        // Only to find (and convert) the named databases of the earlier layout; the store itself
        // uses none.
        maxDbs: 2,
        // No cache: a returned value is a fresh Buffer, never shared with a later read.
        cache: false,
      });
      migrateNamedLayout(root);
      const kv = new LmdbKV(file, root);
      // Touch the data so a damaged file fails here, not at the first read.
      kv.#live('open').getKeysCount({ limit: 1 });
      return kv;
    } catch (error) {
      throw new StorageOpenError(
        `cannot open LMDB data file ${file}: ${(error as Error).message} (corrupted, not an LMDB file, or unreadable)`,
        { cause: error },
      );
    }
  }

  get(key: Uint8Array): Uint8Array | undefined {
    checkKey(key, 'get');
    checkLmdbKey(key, 'get');
    return this.#live('get').getBinary(storedKey(key));
  }

  range(options: RangeOptions = {}): Entry[] {
    return scan(this.#live('range'), options, undefined);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.batch([{ type: 'put', key, value }], 'put');
  }

  delete(key: Uint8Array): void {
    this.batch([{ type: 'delete', key }], 'delete');
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.batch([{ type: 'deleteRange', start, end }], 'deleteRange');
  }

  /** Applies `ops` in one durable LMDB transaction. `where` names the operation in errors. */
  batch(ops: readonly BatchOp[], where = 'batch'): void {
    // Validate everything before the transaction starts, so a bad op leaves the store untouched
    // and the error is ours (naming the op), not LMDB's.
    checkOps(ops, where, LMDB_KEY_BYTES_MAX, ' of the LMDB backend');
    const root = this.#live(where);
    root.transactionSync(() => {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as BatchOp;
        if (op.type === 'put') root.putSync(storedKey(op.key), asBuffer(op.value));
        else if (op.type === 'delete') root.removeSync(storedKey(op.key));
        else removeRange(root, op.start, op.end);
      }
    });
  }

  snapshot(): OrderedKVReader & { release(): void } {
    const txn = this.#live('snapshot').useReadTransaction();
    this.#snapshots.add(txn);
    const token = {};
    const reader = {
      get: (key: Uint8Array) => {
        checkKey(key, 'snapshot get');
        checkLmdbKey(key, 'snapshot get');
        this.#checkSnapshot(txn);
        const root = this.#live('snapshot get');
        return root.get(storedKey(key), { transaction: txn } as never) as Buffer | undefined;
      },
      range: (options: RangeOptions = {}) => {
        this.#checkSnapshot(txn);
        return scan(this.#live('snapshot range'), options, txn);
      },
      /** Ends the snapshot's read transaction early (otherwise garbage collection does). */
      release: () => {
        this.#released.unregister(token);
        this.#release(txn);
      },
    };
    this.#released.register(reader, txn, token);
    return reader;
  }

  /** Closes the store: later calls throw {@link StorageClosedError}. Closing twice is harmless. */
  close(): void {
    const root = this.#root;
    if (root === undefined) return;
    for (const txn of this.#snapshots) txn.done();
    this.#snapshots.clear();
    this.#root = undefined;
    // lmdb-js closes synchronously and returns a promise only for API symmetry.
    void root.close();
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#root === undefined;
  }

  #release(txn: { done(): void }): void {
    if (this.#snapshots.delete(txn)) txn.done();
  }

  #checkSnapshot(txn: { done(): void }): void {
    if (!this.#snapshots.has(txn)) {
      throw new StorageClosedError(`snapshot of ${this.file} was released or its store closed`);
    }
  }

  #live(where: string): Root {
    if (this.#root === undefined) {
      throw new StorageClosedError(`${where}: the store at ${this.file} is closed`);
    }
    return this.#root;
  }
}

/** A range scan over the root database, in stored keys; returns user keys. */
function scan(root: Root, options: RangeOptions, txn: unknown): Entry[] {
  const limit = checkRange(options, 'range');
  const { start, end } = options;
  if (start !== undefined) checkLmdbKey(start, 'range start');
  if (end !== undefined) checkLmdbKey(end, 'range end');
  if (limit === 0) return [];
  if (start !== undefined && end !== undefined && Buffer.compare(start, end) >= 0) return [];
  if (end !== undefined && end.length === 0) return [];
  const withTxn = txn === undefined ? {} : { transaction: txn as never };
  // Without a low bound lmdb-js stops before the key 0x00 (the stored empty key) in reverse
  // scans, so the low bound is always explicit.
  const low = start === undefined || start.length === 0 ? LOWEST_KEY : storedKey(start);
  const high = end === undefined ? undefined : storedKey(end);
  const range =
    options.reverse === true
      ? // lmdb-js scans from `start` (inclusive unless exclusiveStart) towards `end` (exclusive
        // unless inclusiveEnd), so the reverse of [low, high) starts at high, excluded, and ends at
        // low, included.
        {
          ...(high === undefined ? {} : { start: high, exclusiveStart: true }),
          end: low,
          inclusiveEnd: true,
          reverse: true,
        }
      : { start: low, ...(high === undefined ? {} : { end: high }) };
  const out: Entry[] = [];
  for (const e of root.getRange({ ...range, ...limitOf(limit), ...withTxn })) {
    out.push(e.key[0] !== 0 ? e : { key: userKey(e.key), value: e.value });
  }
  return out;
}

function limitOf(limit: number): { limit?: number } {
  return Number.isFinite(limit) ? { limit } : {};
}

function removeRange(root: Root, start: Uint8Array, end: Uint8Array): void {
  if (Buffer.compare(start, end) >= 0) return;
  // Collect first: removing while a cursor walks the same range is not safe in lmdb-js.
  const doomed = [...root.getKeys({ start: storedKey(start), end: storedKey(end) })];
  for (const k of doomed) root.removeSync(k);
}

/**
 * The named database `name` if the root holds one; undefined if it holds nothing under that name
 * or a plain value (a user key of the current layout), which LMDB reports as MDB_INCOMPATIBLE.
 */
function existingNamedDb(root: Root, name: string): Db | undefined {
  const sub = { create: false, encoding: 'binary', keyEncoding: 'binary', cache: false } as const;
  try {
    return root.openDB<Buffer, Buffer>(name, sub) as Db | undefined;
  } catch (error) {
    if (/MDB_INCOMPATIBLE/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/**
 * Converts a store written in the earlier layout (data in a named database `data`, the empty key
 * in a named database `empty-key`) to the current one, in one transaction: all or nothing, so a
 * crash during the conversion leaves the old layout, converted again on the next open. A store in
 * the current layout has no named databases (a user key spelled like a database name is a plain
 * value, not a database record).
 */
function migrateNamedLayout(root: Root): void {
  const data = existingNamedDb(root, OLD_DATA_DB);
  if (data === undefined) return;
  const empty = existingNamedDb(root, OLD_EMPTY_DB);
  root.transactionSync(() => {
    const entries = [...data.getRange({})];
    const emptyValue = empty?.getBinary(OLD_EMPTY_SLOT);
    data.dropSync();
    empty?.dropSync();
    for (const { key, value } of entries) root.putSync(storedKey(key), value);
    if (emptyValue !== undefined) root.putSync(storedKey(new Uint8Array()), emptyValue);
  });
}

// The LMDB meta pages (pages 0 and 1) begin with a page header whose P_META flag is at byte 18 and
// the meta record's magic at byte 24; the page size is stored at byte 48 of each meta page.
const META_FLAG_AT = 18;
const P_META = 0x08;
const MAGIC_AT = 24;
const MAGIC = 0xbeefc0de;
const PSIZE_AT = 48;

/**
 * Checks both meta pages of an existing data file before LMDB maps it: lmdb-js crashes the
 * process (SIGSEGV) on some garbage files instead of returning an error, so a file that is not
 * LMDB, or whose meta pages are damaged or truncated, must be refused here. An empty file is left
 * to LMDB, which initializes it.
 */
function checkHeader(file: string): void {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return;
    const head = Buffer.alloc(64);
    const meta = (at: number, which: string): number => {
      if (readSync(fd, head, 0, head.length, at) < head.length) {
        throw new Error(`the file is truncated (${size} bytes, no ${which} meta page)`);
      }
      if (
        (head.readUInt16LE(META_FLAG_AT) & P_META) === 0 ||
        head.readUInt32LE(MAGIC_AT) !== MAGIC
      ) {
        throw new Error(`the ${which} meta page at byte ${at} has no LMDB magic`);
      }
      return head.readUInt32LE(PSIZE_AT);
    };
    const psize = meta(0, 'first');
    if (psize < 512 || psize > 65536 || (psize & (psize - 1)) !== 0) {
      throw new Error(`the first meta page gives an impossible page size ${psize}`);
    }
    meta(psize, 'second');
  } finally {
    closeSync(fd);
  }
}

function checkLmdbKey(key: Uint8Array, where: string): Uint8Array {
  if (key.length > LMDB_KEY_BYTES_MAX) {
    throw new StorageInputError(
      `${where}: key is ${key.length} bytes; the limit of the LMDB backend is ${LMDB_KEY_BYTES_MAX}`,
    );
  }
  return key;
}
