import { BTree } from './btree.js';
import { copyBytes, describeBytes, fromKeyString, toKeyString } from './bytes.js';
import { checkBatchOp } from './memory-kv.js';
import {
  type BatchOp,
  checkKey,
  checkRange,
  type Entry,
  type OrderedKV,
  type OrderedKVReader,
  type RangeOptions,
} from './ordered-kv.js';
import { overlayGet, overlayRange } from './overlay.js';

/**
 * Thrown by `commit` when a transaction committed after this one began wrote something this one
 * read. Nothing was written; run the transaction again (`retryable` is always true), or use
 * {@link TransactionalKV.transact}, which does.
 */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  /** Whether running the transaction again may succeed: always. */
  readonly retryable = true;
}

/** Thrown by any use of a transaction after `commit` or `abort`. */
export class TransactionClosedError extends Error {
  override readonly name = 'TransactionClosedError';
}

/** Thrown when a transaction's writes exceed {@link TransactionOptions.maxWriteBytes}. Not retryable. */
export class TransactionTooLargeError extends Error {
  override readonly name = 'TransactionTooLargeError';
}

/** Whether `error` says the transaction may succeed if run again. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ConflictError;
}

/** Options of {@link TransactionalKV}. */
export interface TransactionOptions {
  /** Largest total of key and value bytes one transaction may write. Default: 10 MiB (FDB's). */
  readonly maxWriteBytes?: number;
}

/** Keys and ranges (latin1 strings; `hi` undefined = unbounded) one commit wrote or one txn read. */
interface KeySet {
  readonly keys: Set<string>;
  readonly ranges: [lo: string, hi: string | undefined][];
}

function overlaps(a: KeySet, b: KeySet): string | undefined {
  const inRange = (k: string, [lo, hi]: [string, string | undefined]) =>
    k >= lo && (hi === undefined || k < hi);
  for (const k of a.keys) {
    if (b.keys.has(k) || b.ranges.some((r) => inRange(k, r))) return k;
  }
  for (const k of b.keys) if (a.ranges.some((r) => inRange(k, r))) return k;
  for (const [lo, hi] of a.ranges) {
    for (const [lo2, hi2] of b.ranges) {
      if ((hi === undefined || lo2 < hi) && (hi2 === undefined || lo < hi2))
        return [lo, lo2].sort()[1];
    }
  }
  return undefined;
}

/**
 * Optimistic transactions over one `OrderedKV` in one process (FoundationDB's model, on a node):
 * a transaction reads a snapshot taken at `begin` plus its own writes (read-your-writes), buffers
 * its writes, and commits them as one atomic batch unless a transaction that committed after it
 * began wrote a key or range it read; then `commit` throws a retryable {@link ConflictError}.
 * This is serializable provided every writer of the store goes through this object.
 */
export class TransactionalKV {
  readonly #inner: OrderedKV;
  readonly #maxWriteBytes: number;
  /** Commits so far: the version a transaction began at is the count when it began. */
  #version = 0;
  /** Write sets of recent commits, oldest first, kept while an open transaction may need them. */
  #log: { version: number; writes: KeySet }[] = [];
  readonly #open = new Map<Transaction, number>();

  constructor(inner: OrderedKV, options: TransactionOptions = {}) {
    this.#inner = inner;
    this.#maxWriteBytes = options.maxWriteBytes ?? 10 << 20;
  }

  /** Starts a transaction reading the store as of now. */
  begin(): Transaction {
    const tx = new Transaction(this.#inner.snapshot(), this.#maxWriteBytes, {
      commit: (t, ops, reads, writes) => this.#commit(t, ops, reads, writes),
      close: (t) => this.#close(t),
    });
    this.#open.set(tx, this.#version);
    return tx;
  }

  /**
   * Runs `body` in a transaction and commits it, running it again on a conflict, at most
   * `maxAttempts` times (default 10); the last ConflictError propagates. Any other error aborts.
   * `body` must have no effects outside the transaction, since it may run more than once.
   */
  transact<T>(body: (tx: Transaction) => T, maxAttempts = 10): T {
    for (let attempt = 1; ; attempt++) {
      const tx = this.begin();
      try {
        const result = body(tx);
        tx.commit();
        return result;
      } catch (error) {
        tx.abort();
        if (!isRetryable(error) || attempt >= maxAttempts) throw error;
      }
    }
  }

  #commit(tx: Transaction, ops: readonly BatchOp[], reads: KeySet, writes: KeySet): void {
    // A read-only transaction is serializable at its snapshot: nothing to check or write.
    if (ops.length === 0) return;
    const began = this.#open.get(tx) as number;
    for (const c of this.#log) {
      if (c.version <= began) continue;
      const hit = overlaps(reads, c.writes);
      if (hit !== undefined) {
        throw new ConflictError(
          `transaction conflict: key ${describeBytes(fromKeyString(hit))}, read by this transaction, was written by a transaction that committed after it began; nothing was written, retry`,
        );
      }
    }
    this.#inner.batch(ops);
    this.#version++;
    if (this.#open.size > 1) this.#log.push({ version: this.#version, writes });
  }

  #close(tx: Transaction): void {
    this.#open.delete(tx);
    // Drop log entries no open transaction began before.
    let oldest = this.#version;
    for (const v of this.#open.values()) oldest = Math.min(oldest, v);
    this.#log = this.#log.filter((c) => c.version > oldest);
  }
}

interface Owner {
  commit(tx: Transaction, ops: readonly BatchOp[], reads: KeySet, writes: KeySet): void;
  close(tx: Transaction): void;
}

/**
 * One transaction: an `OrderedKV` whose reads see the snapshot at begin plus its own writes, and
 * whose writes stay buffered until {@link Transaction.commit}.
 */
export class Transaction implements OrderedKV {
  readonly #snap: OrderedKVReader;
  readonly #maxWriteBytes: number;
  #owner: Owner | undefined;
  /** Own writes (latin1 key -> value, null for deleted) and own deleted ranges. */
  readonly #own = {
    writes: new BTree<string, Uint8Array | null>(),
    cleared: [] as [string, string][],
  };
  #ops: BatchOp[] = [];
  #writeBytes = 0;
  readonly #reads: KeySet = { keys: new Set(), ranges: [] };
  readonly #writes: KeySet = { keys: new Set(), ranges: [] };

  /** @internal Made by {@link TransactionalKV.begin}. */
  constructor(snap: OrderedKVReader, maxWriteBytes: number, owner: Owner) {
    this.#snap = snap;
    this.#maxWriteBytes = maxWriteBytes;
    this.#owner = owner;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.#live('get');
    checkKey(key, 'get');
    const k = toKeyString(key);
    this.#reads.keys.add(k);
    return overlayGet(this.#snap, this.#own, key, k);
  }

  range(options: RangeOptions = {}): Entry[] {
    this.#live('range');
    const limit = checkRange(options, 'range');
    const lo = options.start === undefined ? '' : toKeyString(options.start);
    const hi = options.end === undefined ? undefined : toKeyString(options.end);
    if (hi === undefined || lo < hi) this.#reads.ranges.push([lo, hi]);
    return overlayRange(this.#snap, this.#own, options, limit);
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

  /** Buffers `ops` (all or none); `where` names the operation in errors. */
  batch(ops: readonly BatchOp[], where = 'batch'): void {
    this.#live(where);
    let bytes = 0;
    ops.forEach((op, i) => {
      checkBatchOp(op, where === 'batch' ? `batch op ${i}` : where);
      bytes +=
        op.type === 'put'
          ? op.key.length + op.value.length
          : op.type === 'delete'
            ? op.key.length
            : op.start.length + op.end.length;
    });
    if (this.#writeBytes + bytes > this.#maxWriteBytes) {
      throw new TransactionTooLargeError(
        `${where}: the transaction would write ${this.#writeBytes + bytes} bytes; the limit is ${this.#maxWriteBytes}`,
      );
    }
    this.#writeBytes += bytes;
    for (const op of ops) {
      if (op.type === 'deleteRange') {
        const lo = toKeyString(op.start);
        const hi = toKeyString(op.end);
        if (lo >= hi) continue;
        this.#own.writes.deleteRange(lo, hi, false);
        this.#own.cleared.push([lo, hi]);
        this.#writes.ranges.push([lo, hi]);
        this.#ops.push({ type: 'deleteRange', start: copyBytes(op.start), end: copyBytes(op.end) });
      } else {
        const k = toKeyString(op.key);
        const value = op.type === 'put' ? copyBytes(op.value) : null;
        this.#own.writes.set(k, value);
        this.#writes.keys.add(k);
        this.#ops.push(
          value === null
            ? { type: 'delete', key: copyBytes(op.key) }
            : { type: 'put', key: copyBytes(op.key), value },
        );
      }
    }
  }

  /** A frozen view of what this transaction sees now (its snapshot plus its writes so far). */
  snapshot(): OrderedKVReader {
    this.#live('snapshot');
    const own = { writes: this.#own.writes.clone(), cleared: [...this.#own.cleared] };
    const snap = this.#snap;
    return {
      get: (key) => {
        checkKey(key, 'snapshot get');
        return overlayGet(snap, own, key, toKeyString(key));
      },
      range: (options = {}) => overlayRange(snap, own, options, checkRange(options, 'range')),
    };
  }

  /** Commits the writes atomically, or throws {@link ConflictError} and writes nothing. Either way
   * the transaction is closed. */
  commit(): void {
    const owner = this.#live('commit');
    try {
      owner.commit(this, this.#ops, this.#reads, this.#writes);
    } finally {
      this.#end();
    }
  }

  /** Drops the writes and closes the transaction; harmless when already closed. */
  abort(): void {
    if (this.#owner !== undefined) this.#end();
  }

  #end(): void {
    const owner = this.#owner;
    this.#owner = undefined;
    owner?.close(this);
    (this.#snap as { release?: () => void }).release?.();
  }

  #live(where: string): Owner {
    if (this.#owner === undefined)
      throw new TransactionClosedError(`${where}: the transaction is already committed or aborted`);
    return this.#owner;
  }
}
