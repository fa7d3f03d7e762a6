import { crc32 } from 'node:zlib';
import { BTree } from '../storage/btree.js';
import { scanTree } from '../storage/btree-scan.js';
import { copyBytes, describeBytes, fromKeyString, toKeyString } from '../storage/bytes.js';
import { checkBatchOp } from '../storage/memory-kv.js';
import {
  type BatchOp,
  checkKey,
  checkRange,
  checkValue,
  type Entry,
  type OrderedKV,
  type OrderedKVReader,
  type RangeOptions,
} from '../storage/ordered-kv.js';

/** Thrown by a write while a `full` disk fault is active. */
export class DiskFullError extends Error {
  override readonly name = 'DiskFullError';
}

/** Thrown by a read of a record whose checksum does not match its bytes. */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
}

/** A stored record: its bytes, their CRC-32 (computed when written), the event that wrote it. */
interface DiskRecord {
  readonly value: Uint8Array;
  readonly crc: number;
  readonly writer: number;
}

/** Hooks through which the simulator learns what the current event read and wrote (lineage). */
export interface DiskObserver {
  read(key: string, writer: number): void;
  /** `sameAs`: the writer of the value replaced when it equals the new one, else −1. */
  write(key: string, sameAs: number): void;
}

/**
 * The simulator's storage for one node: an `OrderedKV` over two B-trees. `current` is what the node
 * sees (all its writes); `durable` is what survives a crash. At the end of every handler the
 * simulator calls {@link SimDisk.sync}, making the handler's writes durable before its messages
 * leave (persist-before-send). Both trees are copy-on-write clones of each other, so a sync or a
 * crash costs O(1).
 *
 * Faults: `unsynced` skips syncs while active (a crash then loses writes whose messages already
 * left); `full` makes writes throw; {@link SimDisk.corrupt} flips a byte of a durable record, which
 * the next read detects by its CRC-32.
 */
export class SimDisk implements OrderedKV {
  #current = new BTree<string, DiskRecord>();
  #durable = new BTree<string, DiskRecord>();
  #dirty = false;
  /** Set while a `full` fault is active. */
  full = false;
  /** Set while an `unsynced` fault is active. */
  unsynced = false;
  /** Event id stamped on writes; set by the simulator before each handler. */
  writer = -1;
  /** Installed by the simulator: throws unless the owning node is inside one of its handlers
   * (state touched from a callback kept after the handler returned is a bug). */
  guard: ((what: string) => void) | undefined;

  constructor(
    readonly node: string,
    readonly observer: DiskObserver | undefined,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    this.guard?.('storage.get');
    checkKey(key, `storage get on ${this.node}`);
    const k = toKeyString(key);
    const rec = this.#current.get(k);
    this.observer?.read(k, rec === undefined ? -1 : rec.writer);
    return rec === undefined ? undefined : this.#verified(k, rec);
  }

  range(options: RangeOptions = {}): Entry[] {
    this.guard?.('storage.range');
    return this.#range(this.#current, options, true);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.guard?.('storage.put');
    checkKey(key, `storage put on ${this.node}`);
    checkValue(value, `storage put on ${this.node}`);
    this.#checkSpace('put');
    this.#set(toKeyString(key), value);
  }

  delete(key: Uint8Array): void {
    this.guard?.('storage.delete');
    checkKey(key, `storage delete on ${this.node}`);
    this.#checkSpace('delete');
    this.#remove(toKeyString(key));
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.guard?.('storage.deleteRange');
    checkKey(start, `storage deleteRange start on ${this.node}`);
    checkKey(end, `storage deleteRange end on ${this.node}`);
    this.#checkSpace('deleteRange');
    this.#removeRange(toKeyString(start), toKeyString(end));
  }

  batch(ops: readonly BatchOp[]): void {
    this.guard?.('storage.batch');
    ops.forEach((op, i) => {
      checkBatchOp(op, `storage batch on ${this.node}, op ${i}`);
    });
    this.#checkSpace('batch');
    // A handler's writes only become durable together at sync, so applying ops one by one is
    // already atomic with respect to crashes and to other nodes.
    for (const op of ops) {
      if (op.type === 'put') this.#set(toKeyString(op.key), op.value);
      else if (op.type === 'delete') this.#remove(toKeyString(op.key));
      else this.#removeRange(toKeyString(op.start), toKeyString(op.end));
    }
  }

  snapshot(): OrderedKVReader {
    this.guard?.('storage.snapshot');
    const frozen = this.#current.clone();
    return {
      get: (key) => {
        checkKey(key, `snapshot get on ${this.node}`);
        const k = toKeyString(key);
        const rec = frozen.get(k);
        this.observer?.read(k, rec === undefined ? -1 : rec.writer);
        return rec === undefined ? undefined : this.#verified(k, rec);
      },
      range: (options = {}) => this.#range(frozen, options, true),
    };
  }

  /** Makes all writes so far durable, unless an `unsynced` fault is active. */
  sync(): void {
    if (!this.#dirty || this.unsynced) return;
    this.#durable = this.#current.clone();
    this.#dirty = false;
  }

  /** A crash: writes that were never synced are lost. */
  crash(): void {
    this.#current = this.#durable.clone();
    this.#dirty = false;
  }

  /** Flips one byte of the `index`-th durable record (modulo the count). Returns its key, or
   * undefined when the disk is empty. */
  corrupt(index: number): string | undefined {
    const n = this.#durable.size;
    if (n === 0) return undefined;
    let i = 0;
    const target = index % n;
    let key: string | undefined;
    for (const k of this.#durable.keys()) {
      if (i++ === target) {
        key = k;
        break;
      }
    }
    if (key === undefined) return undefined;
    const rec = this.#durable.get(key) as DiskRecord;
    const bytes = copyBytes(rec.value);
    if (bytes.length === 0) {
      // An empty value has no byte to flip: corrupt the checksum instead.
      const bad = { value: bytes, crc: rec.crc ^ 1, writer: rec.writer };
      this.#replaceDurable(key, rec, bad);
    } else {
      bytes[0] = (bytes[0] as number) ^ 0xff;
      this.#replaceDurable(key, rec, { value: bytes, crc: rec.crc, writer: rec.writer });
    }
    return key;
  }

  /** Read-only view of the durable image without lineage (for checkers and tests). */
  durableView(): OrderedKVReader {
    const tree = this.#durable;
    return {
      get: (key) => tree.get(toKeyString(key))?.value,
      range: (o = {}) => this.#range(tree, o, false),
    };
  }

  /** Read-only view of the current image without lineage (for checkers). */
  currentView(): OrderedKVReader {
    const tree = this.#current;
    return {
      get: (key) => tree.get(toKeyString(key))?.value,
      range: (o = {}) => this.#range(tree, o, false),
    };
  }

  /** Number of keys the node sees. */
  get size(): number {
    return this.#current.size;
  }

  #replaceDurable(key: string, old: DiskRecord, bad: DiskRecord): void {
    this.#durable.set(key, bad);
    // The node's cached view shares the record when it has not rewritten the key since.
    if (this.#current.get(key) === old) this.#current.set(key, bad);
  }

  #set(key: string, value: Uint8Array): void {
    const copy = copyBytes(value);
    const old = this.observer === undefined ? undefined : this.#current.get(key);
    this.#current.set(key, { value: copy, crc: crc32(copy), writer: this.writer });
    this.#dirty = true;
    if (this.observer !== undefined) {
      // A second equal write by the same event is no alternative derivation: pointing `sameAs`
      // at this event itself would make the lineage chain of equal writes a cycle.
      const same =
        old !== undefined && old.writer !== this.writer && Buffer.compare(old.value, copy) === 0;
      this.observer.write(key, same ? old.writer : -1);
    }
  }

  #remove(key: string): void {
    if (this.#current.delete(key)) this.#dirty = true;
    this.observer?.write(key, -1);
  }

  #removeRange(start: string, end: string): void {
    if (end <= start) return;
    const doomed: string[] = [];
    scanTree(this.#current, start, end, Number.POSITIVE_INFINITY, false, (k) => doomed.push(k));
    for (const k of doomed) this.#remove(k);
  }

  #checkSpace(op: string): void {
    if (this.full)
      throw new DiskFullError(`storage ${op} on ${this.node}: disk full (injected fault)`);
  }

  #verified(key: string, rec: DiskRecord): Uint8Array {
    if (crc32(rec.value) !== rec.crc) {
      throw new CorruptRecordError(
        `storage on ${this.node}: record ${describeBytes(fromKeyString(key))} fails its checksum (corrupted on disk)`,
      );
    }
    return copyBytes(rec.value);
  }

  #range(tree: BTree<string, DiskRecord>, options: RangeOptions, observe: boolean): Entry[] {
    const limit = checkRange(options, `storage range on ${this.node}`);
    const start = options.start === undefined ? '' : toKeyString(options.start);
    const end = options.end === undefined ? undefined : toKeyString(options.end);
    const out: Entry[] = [];
    scanTree(tree, start, end, limit, options.reverse === true, (k, rec) => {
      if (observe) this.observer?.read(k, rec.writer);
      out.push({
        key: fromKeyString(k),
        value: observe ? this.#verified(k, rec) : copyBytes(rec.value),
      });
    });
    return out;
  }
}
