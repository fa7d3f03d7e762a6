import { fromKeyString, toKeyString } from '../bytes.js';
import type { BatchOp, Entry, OrderedKV, OrderedKVReader, RangeOptions } from '../ordered-kv.js';
import { PrefixKV } from './prefix-kv.js';
import { pack, type TupleItem, tupleRange, unpack } from './tuple.js';

/** A secondary index: `extract` maps a record to the values it is indexed under. */
export interface IndexDefinition {
  /** Name of the index, unique within the store. */
  readonly name: string;
  /** At most one record per value when true. Default: false. */
  readonly unique?: boolean;
  /** Index values of a record; an empty array leaves it out of the index. */
  readonly extract: (key: Uint8Array, value: Uint8Array) => readonly TupleItem[];
}

/** Thrown when a write would give a unique index value a second record; nothing is written. */
export class UniqueIndexError extends Error {
  override readonly name = 'UniqueIndexError';
}

/** One inconsistency found by {@link IndexedKV.check}. */
export interface IndexProblem {
  /** `missing`: a record lacks its entry; `dangling`: an entry has no record behind it. */
  readonly kind: 'missing' | 'dangling';
  readonly index: string;
  /** The index entry's key in the underlying store (hex). */
  readonly entry: string;
}

// Layout in the underlying store: records under 0x01 (raw key after it), index entries under 0x02
// as tuples: non-unique (name, value, primaryKey) -> empty; unique (name, value) -> primaryKey.
const RECORDS = new Uint8Array([0x01]);
const INDEXES = 0x02;

function indexKey(tuple: readonly TupleItem[]): Uint8Array {
  const packed = pack(tuple);
  const out = new Uint8Array(packed.length + 1);
  out[0] = INDEXES;
  out.set(packed, 1);
  return out;
}

/** An index entry of a record: its value, and whether its index is unique. */
interface IndexEntry {
  readonly value: Uint8Array;
  readonly unique: boolean;
}

/** Options of {@link IndexedKV}. */
export interface IndexedKVOptions {
  /** Largest key the underlying store accepts, in bytes. Default: KEY_BYTES_MAX. */
  readonly innerKeyBytesMax?: number;
}

/**
 * Secondary indexes as a decorator: an `OrderedKV` of records whose every write also updates the
 * index entries, in the same batch of the underlying store (so records and indexes never disagree,
 * even across a crash). Unique indexes are checked op by op before anything is written.
 * {@link IndexedKV.check} is the consistency checker: it recomputes every entry from the records.
 */
export class IndexedKV implements OrderedKV {
  readonly #inner: OrderedKV;
  readonly #records: PrefixKV;
  readonly #indexes: ReadonlyMap<string, IndexDefinition>;

  constructor(
    inner: OrderedKV,
    indexes: readonly IndexDefinition[],
    options: IndexedKVOptions = {},
  ) {
    this.#inner = inner;
    this.#records = new PrefixKV(inner, RECORDS, options);
    const byName = new Map<string, IndexDefinition>();
    for (const d of indexes) {
      if (byName.has(d.name)) throw new Error(`index ${JSON.stringify(d.name)} is defined twice`);
      byName.set(d.name, d);
    }
    this.#indexes = byName;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#records.get(key);
  }

  range(options: RangeOptions = {}): Entry[] {
    return this.#records.range(options);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#write([{ type: 'put', key, value }], 'put');
  }

  delete(key: Uint8Array): void {
    this.#write([{ type: 'delete', key }], 'delete');
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.#write([{ type: 'deleteRange', start, end }], 'deleteRange');
  }

  batch(ops: readonly BatchOp[]): void {
    this.#write(ops, 'batch');
  }

  snapshot(): OrderedKVReader {
    return this.#records.snapshot();
  }

  /** Primary keys of the records indexed under `value` by index `name`, in key order. */
  lookup(name: string, value: TupleItem): Uint8Array[] {
    const def = this.#definition(name);
    if (def.unique === true) {
      const pk = this.#inner.get(indexKey([name, value]));
      return pk === undefined ? [] : [pk];
    }
    const prefix = indexKey([name, value]);
    const { start, end } = tupleRange([]);
    return this.#inner
      .range({ start: join(prefix, start), end: join(prefix, end) })
      .map((e) => unpack(e.key.subarray(prefix.length))[0] as Uint8Array);
  }

  /** The consistency checker: every record has its entries and every entry has its record. */
  check(): IndexProblem[] {
    const expected = new Map<string, Uint8Array>();
    for (const { key, value } of this.#records.range()) {
      for (const [k, v] of this.#entries(key, value)) expected.set(k, v.value);
    }
    const problems: IndexProblem[] = [];
    const seen = new Set<string>();
    for (const name of this.#indexes.keys()) {
      const { start, end } = tupleRange([name]);
      for (const e of this.#inner.range({
        start: join([INDEXES], start),
        end: join([INDEXES], end),
      })) {
        const k = toKeyString(e.key);
        seen.add(k);
        const want = expected.get(k);
        if (want === undefined || Buffer.compare(want, e.value) !== 0) {
          problems.push({
            kind: 'dangling',
            index: name,
            entry: Buffer.from(e.key).toString('hex'),
          });
        }
      }
    }
    for (const k of expected.keys()) {
      if (!seen.has(k)) {
        const key = fromKeyString(k);
        const name = unpack(key.subarray(1))[0] as string;
        problems.push({ kind: 'missing', index: name, entry: Buffer.from(key).toString('hex') });
      }
    }
    return problems;
  }

  #definition(name: string): IndexDefinition {
    const def = this.#indexes.get(name);
    if (def === undefined) throw new Error(`no index named ${JSON.stringify(name)}`);
    return def;
  }

  /** The index entries (latin1 key -> value) of one record. */
  #entries(key: Uint8Array, value: Uint8Array): Map<string, IndexEntry> {
    const out = new Map<string, IndexEntry>();
    for (const def of this.#indexes.values()) {
      for (const v of def.extract(key, value)) {
        if (def.unique === true)
          out.set(toKeyString(indexKey([def.name, v])), { value: key, unique: true });
        else
          out.set(toKeyString(indexKey([def.name, v, key])), {
            value: new Uint8Array(),
            unique: false,
          });
      }
    }
    return out;
  }

  #write(ops: readonly BatchOp[], where: string): void {
    // Validates every op (types, sizes, namespace limit) before anything else happens.
    const recordOps = this.#records.mapOps(ops, where);
    // Staged record values and index entries (null = deleted) as the ops apply one by one.
    const records = new Map<string, Uint8Array | null>();
    const entries = new Map<string, Uint8Array | null>();
    const current = (k: string, key: Uint8Array) =>
      records.has(k) ? records.get(k) : (this.#records.get(key) ?? null);
    const unindex = (key: Uint8Array, value: Uint8Array) => {
      for (const k of this.#entries(key, value).keys()) entries.set(k, null);
    };
    const index = (key: Uint8Array, value: Uint8Array) => {
      for (const [k, { value: v, unique }] of this.#entries(key, value)) {
        if (unique) {
          // Unique: the value must be free, or already ours.
          const holder = entries.has(k)
            ? entries.get(k)
            : (this.#inner.get(fromKeyString(k)) ?? null);
          if (holder !== null && holder !== undefined && Buffer.compare(holder, key) !== 0) {
            const [name, indexed] = unpack(fromKeyString(k).subarray(1));
            throw new UniqueIndexError(
              `${where}: unique index ${JSON.stringify(name)} already maps ${String(indexed)} to key 0x${Buffer.from(holder).toString('hex')}; refused for key 0x${Buffer.from(key).toString('hex')}`,
            );
          }
        }
        entries.set(k, v);
      }
    };
    for (const op of ops) {
      if (op.type === 'deleteRange') {
        const doomed = new Map<string, Uint8Array>();
        for (const e of this.#records.range({ start: op.start, end: op.end }))
          doomed.set(toKeyString(e.key), e.key);
        const lo = toKeyString(op.start);
        const hi = toKeyString(op.end);
        for (const k of records.keys()) if (k >= lo && k < hi) doomed.set(k, fromKeyString(k));
        for (const [k, key] of doomed) {
          const old = current(k, key);
          if (old !== null && old !== undefined) unindex(key, old);
          records.set(k, null);
        }
      } else {
        const k = toKeyString(op.key);
        const old = current(k, op.key);
        if (old !== null && old !== undefined) unindex(op.key, old);
        if (op.type === 'put') {
          index(op.key, op.value);
          records.set(k, op.value);
        } else records.set(k, null);
      }
    }
    const indexOps: BatchOp[] = [];
    for (const [k, v] of entries) {
      const key = fromKeyString(k);
      indexOps.push(v === null ? { type: 'delete', key } : { type: 'put', key, value: v });
    }
    // One batch of the underlying store: records and their index entries commit together.
    this.#inner.batch([...recordOps, ...indexOps]);
  }
}

function join(a: ArrayLike<number>, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
