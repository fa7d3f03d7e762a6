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
 * 16 KiB or more. Smaller than the interface-wide KEY_BYTES_MAX, hence checked here.
 */
export const LMDB_KEY_BYTES_MAX = 4026;

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

// LMDB rejects zero-length keys, so the empty key lives alone in a second database of the same
// environment (same transactions), under this key; all other keys are stored as they are, which
// keeps reads and scans free of copies. (Prefixing every key with a byte would allow the empty key
// too, but cost a copy per key, 1.5x on scans.)
const EMPTY_SLOT = Buffer.from([0]);
/** The lowest non-empty key. */
const LOWEST_KEY = Buffer.from([0]);

/**
 * `bytes` typed as the Buffer lmdb-js declares. lmdb-js 3.5 reads any Uint8Array (offset views
 * included) as a binary key or value, and copies it into its pages; converting with Buffer.from
 * would cost about 190 ns per key (measured), a third of a point read.
 */
function asBuffer(bytes: Uint8Array): Buffer {
  return bytes as Buffer;
}

type Db = Database<Buffer, Buffer>;

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
  #env: { root: RootDatabase<Buffer, Buffer>; data: Db; empty: Db } | undefined;
  readonly #snapshots = new Set<{ done(): void }>();
  readonly #released = new FinalizationRegistry<{ done(): void }>((txn) => this.#release(txn));

  private constructor(
    /** The data file, for error messages. */
    readonly file: string,
    root: RootDatabase<Buffer, Buffer>,
  ) {
    const sub = { encoding: 'binary', keyEncoding: 'binary', cache: false } as const;
    this.#env = {
      root,
      data: root.openDB<Buffer, Buffer>('data', sub),
      empty: root.openDB<Buffer, Buffer>('empty-key', sub),
    };
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
        maxDbs: 4,
        // No cache: a returned value is a fresh Buffer, never shared with a later read.
        cache: false,
      });
      const kv = new LmdbKV(file, root);
      // Touch the data so a damaged file fails here, not at the first read.
      kv.#live('open').data.getKeysCount({ limit: 1 });
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
    const env = this.#live('get');
    return key.length === 0 ? env.empty.getBinary(EMPTY_SLOT) : env.data.getBinary(asBuffer(key));
  }

  range(options: RangeOptions = {}): Entry[] {
    const env = this.#live('range');
    return scan(env.data, env.empty, options, undefined);
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
    const { root, data, empty } = this.#live(where);
    root.transactionSync(() => {
      for (const op of ops) {
        if (op.type === 'put') {
          if (op.key.length === 0) empty.putSync(EMPTY_SLOT, asBuffer(op.value));
          else data.putSync(asBuffer(op.key), asBuffer(op.value));
        } else if (op.type === 'delete') {
          if (op.key.length === 0) empty.removeSync(EMPTY_SLOT);
          else data.removeSync(asBuffer(op.key));
        } else removeRange(data, empty, op.start, op.end);
      }
    });
  }

  snapshot(): OrderedKVReader & { release(): void } {
    const { root } = this.#live('snapshot');
    const txn = root.useReadTransaction();
    this.#snapshots.add(txn);
    const token = {};
    const reader = {
      get: (key: Uint8Array) => {
        checkKey(key, 'snapshot get');
        checkLmdbKey(key, 'snapshot get');
        this.#checkSnapshot(txn);
        const env = this.#live('snapshot get');
        const opts = { transaction: txn } as never;
        return (
          key.length === 0 ? env.empty.get(EMPTY_SLOT, opts) : env.data.get(asBuffer(key), opts)
        ) as Buffer | undefined;
      },
      range: (options: RangeOptions = {}) => {
        this.#checkSnapshot(txn);
        const env = this.#live('snapshot range');
        return scan(env.data, env.empty, options, txn);
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
    const env = this.#env;
    if (env === undefined) return;
    for (const txn of this.#snapshots) txn.done();
    this.#snapshots.clear();
    this.#env = undefined;
    // lmdb-js closes synchronously and returns a promise only for API symmetry.
    void env.root.close();
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#env === undefined;
  }

  #release(txn: { done(): void }): void {
    if (this.#snapshots.delete(txn)) txn.done();
  }

  #checkSnapshot(txn: { done(): void }): void {
    if (!this.#snapshots.has(txn)) {
      throw new StorageClosedError(`snapshot of ${this.file} was released or its store closed`);
    }
  }

  #live(where: string): { root: RootDatabase<Buffer, Buffer>; data: Db; empty: Db } {
    if (this.#env === undefined) {
      throw new StorageClosedError(`${where}: the store at ${this.file} is closed`);
    }
    return this.#env;
  }
}

/** A range scan: the empty key (first in order) from its own database, the rest from `data`. */
function scan(data: Db, empty: Db, options: RangeOptions, txn: unknown): Entry[] {
  const limit = checkRange(options, 'range');
  const { start, end } = options;
  if (start !== undefined) checkLmdbKey(start, 'range start');
  if (end !== undefined) checkLmdbKey(end, 'range end');
  if (limit === 0) return [];
  if (start !== undefined && end !== undefined && Buffer.compare(start, end) >= 0) return [];
  if (end !== undefined && end.length === 0) return [];
  const withTxn = txn === undefined ? {} : { transaction: txn as never };
  const out: Entry[] = [];
  const emptyFirst = start === undefined || start.length === 0;
  const emptyValue = !emptyFirst
    ? undefined
    : txn === undefined
      ? empty.getBinary(EMPTY_SLOT)
      : (empty.get(EMPTY_SLOT, withTxn) as Buffer | undefined);
  const high = end === undefined ? {} : { end: asBuffer(end) };
  const low = start === undefined || start.length === 0 ? {} : { start: asBuffer(start) };
  const pushEmpty = () => {
    if (emptyValue !== undefined && out.length < limit)
      out.push({ key: new Uint8Array(), value: emptyValue });
  };
  if (options.reverse === true) {
    // lmdb-js scans from `start` (inclusive unless exclusiveStart) towards `end` (exclusive unless
    // inclusiveEnd), so the reverse of [low, high) starts at high, excluded, and ends at low, included.
    const bounds = {
      ...(end === undefined ? {} : { start: asBuffer(end), exclusiveStart: true }),
      // Without a low bound lmdb-js stops before the key 0x00, so give the lowest key explicitly.
      end: low.start ?? LOWEST_KEY,
      inclusiveEnd: true,
      reverse: true,
    };
    for (const e of data.getRange({ ...bounds, ...limitOf(limit), ...withTxn })) out.push(e);
    pushEmpty();
  } else {
    pushEmpty();
    const rest = limit - out.length;
    if (rest > 0)
      for (const e of data.getRange({ ...low, ...high, ...limitOf(rest), ...withTxn })) out.push(e);
  }
  return out;
}

function limitOf(limit: number): { limit?: number } {
  return Number.isFinite(limit) ? { limit } : {};
}

function removeRange(data: Db, empty: Db, start: Uint8Array, end: Uint8Array): void {
  if (Buffer.compare(start, end) >= 0) return;
  if (start.length === 0) empty.removeSync(EMPTY_SLOT);
  // Collect first: removing while a cursor walks the same range is not safe in lmdb-js.
  const low = start.length === 0 ? {} : { start: asBuffer(start) };
  const doomed = [...data.getKeys({ ...low, end: asBuffer(end) })];
  for (const k of doomed) data.removeSync(k);
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
