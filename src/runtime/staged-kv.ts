import { BTree } from '../storage/btree.js';
import { copyBytes, toKeyString } from '../storage/bytes.js';
import { checkOps } from '../storage/check-ops.js';
import {
  type BatchOp,
  checkKey,
  checkRange,
  type Entry,
  type OrderedKV,
  type OrderedKVReader,
  type RangeOptions,
} from '../storage/ordered-kv.js';
import { overlayGet, overlayRange } from '../storage/overlay.js';
import type { AccessObserver } from './node-trace.js';

/**
 * Writes staged over a base store: reads see the staged writes (a handler sees its own writes),
 * nothing reaches the base until {@link StagedKV.commitTo} applies them as one atomic batch. This
 * is how the node host makes a handler's writes durable in one LMDB commit (one fsync) before its
 * messages leave, and how it discards the writes of a handler that threw.
 *
 * Staged layers stack: a handler's layer sits on the layer of its commit group, which sits on the
 * on-disk store. Keys are checked against `keyBytesMax` when written, so a bad key fails inside
 * the handler that wrote it, not at commit.
 */
export class StagedKV implements OrderedKV {
  /** Staged values by latin1 key (null marks a staged delete) and the ranges cleared by
   * `deleteRange` (latin1 bounds, end exclusive; keys written later are in `writes`). */
  readonly #staged = {
    writes: new BTree<string, Uint8Array | null>(),
    cleared: [] as [string, string][],
  };
  #ops: BatchOp[] = [];

  constructor(
    readonly base: OrderedKVReader,
    readonly keyBytesMax: number,
    /** Optional read/write hooks (tracing); reads of the base made to compare values are silent. */
    readonly observer?: AccessObserver,
  ) {}

  /** Number of staged operations. */
  get pendingOps(): number {
    return this.#ops.length;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    checkKey(key, 'storage get');
    const k = toKeyString(key);
    this.observer?.read(k);
    return overlayGet(this.base, this.#staged, key, k);
  }

  range(options: RangeOptions = {}): Entry[] {
    const limit = checkRange(options, 'storage range');
    const entries = overlayRange(this.base, this.#staged, options, limit);
    if (this.observer !== undefined)
      for (const e of entries) this.observer.read(toKeyString(e.key));
    return entries;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.batch([{ type: 'put', key, value }], 'storage put');
  }

  delete(key: Uint8Array): void {
    this.batch([{ type: 'delete', key }], 'storage delete');
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.batch([{ type: 'deleteRange', start, end }], 'storage deleteRange');
  }

  /** Stages `ops` (all validated first: a bad op stages nothing). */
  batch(ops: readonly BatchOp[], where = 'storage batch'): void {
    checkOps(ops, where, this.keyBytesMax, ' of the on-disk store');
    for (const op of ops) {
      if (op.type === 'put') {
        const k = toKeyString(op.key);
        const value = copyBytes(op.value);
        if (this.observer !== undefined) {
          const old = overlayGet(this.base, this.#staged, op.key, k);
          this.observer.write(k, old !== undefined && Buffer.compare(old, value) === 0);
        }
        this.#staged.writes.set(k, value);
        this.#ops.push({ type: 'put', key: copyBytes(op.key), value });
      } else if (op.type === 'delete') {
        const k = toKeyString(op.key);
        this.observer?.write(k, false);
        this.#staged.writes.set(k, null);
        this.#ops.push({ type: 'delete', key: copyBytes(op.key) });
      } else {
        const start = toKeyString(op.start);
        const end = toKeyString(op.end);
        if (start >= end) continue;
        this.#staged.writes.deleteRange(start, end, false);
        this.#staged.cleared.push([start, end]);
        this.#ops.push({ type: 'deleteRange', start: copyBytes(op.start), end: copyBytes(op.end) });
      }
    }
  }

  /** A read-only view of the staged state as of now (the base's snapshot plus a copy of the
   * staged writes). */
  snapshot(): OrderedKVReader {
    const base = 'snapshot' in this.base ? (this.base as OrderedKV).snapshot() : this.base;
    const copy = new StagedKV(base, this.keyBytesMax);
    copy.batch(this.#ops);
    return { get: (key) => copy.get(key), range: (options) => copy.range(options) };
  }

  /** Applies the staged operations to `target` as one batch and clears the stage. Nothing is
   * applied (and the stage is kept) if the batch throws. */
  commitTo(target: OrderedKV): number {
    const ops = this.#ops;
    if (ops.length > 0) target.batch(ops);
    this.discard();
    return ops.length;
  }

  /** Drops every staged operation. */
  discard(): void {
    this.#ops = [];
    this.#staged.writes.clear();
    this.#staged.cleared.length = 0;
  }
}
