// The OrderedKV conformance suite: one set of node:test cases every backend and every layer must
// pass. `conformance(name, open, options)` registers them under describe(name); `open` must return
// a fresh, empty store each call. Covered: byte order (bytes >= 0x80, the empty key), range bounds,
// limit, reverse and cursors, deleteRange, all-or-nothing batches, snapshot isolation, size limits
// with clear errors, and a random-operation property test against a sorted-map oracle.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareBytes, utf8 } from '../../src/storage/bytes.js';
import { rangeAfter, scanPages } from '../../src/storage/cursor.js';
import {
  type BatchOp,
  type Entry,
  KEY_BYTES_MAX,
  type OrderedKV,
  type RangeOptions,
  StorageInputError,
  VALUE_BYTES_MAX,
} from '../../src/storage/ordered-kv.js';

/** How a target differs from the defaults. */
export interface ConformanceOptions {
  /** Largest key the store accepts, in bytes. Default: KEY_BYTES_MAX. */
  readonly keyBytesMax?: number;
  /** Largest value the store accepts, in bytes. Default: VALUE_BYTES_MAX. */
  readonly valueBytesMax?: number;
  /** Called after each case with the store it used (close files, remove directories). */
  readonly dispose?: (kv: OrderedKV) => void;
  /** Runs of the random-operation property test. Default: 150. */
  readonly propertyRuns?: number;
}

const b = (...xs: number[]) => new Uint8Array(xs);
const hexOf = (x: Uint8Array) => Buffer.from(x).toString('hex');
const hex = (es: readonly Entry[]) => es.map((e) => hexOf(e.key));
const text = (es: readonly Entry[]) =>
  es.map((e) => Buffer.from(e.key).toString('latin1')).join(' ');
const val = (x: Uint8Array | undefined) =>
  x === undefined ? undefined : Buffer.from(x).toString('latin1');
/** Entries as comparable [keyHex, valueHex] pairs (backends may return Buffers or Uint8Arrays). */
const pairs = (es: readonly Entry[]) => es.map((e) => [hexOf(e.key), hexOf(e.value)]);

/** Registers the conformance cases for the stores `open` makes. */
export function conformance(
  name: string,
  open: () => OrderedKV,
  options: ConformanceOptions = {},
): void {
  const keyMax = options.keyBytesMax ?? KEY_BYTES_MAX;
  const valueMax = options.valueBytesMax ?? VALUE_BYTES_MAX;
  const runs = options.propertyRuns ?? 150;

  /** Runs `body` on a fresh store, disposing of it afterwards even when the body fails. */
  const withStore = (body: (kv: OrderedKV) => void) => () => {
    const kv = open();
    try {
      body(kv);
    } finally {
      options.dispose?.(kv);
    }
  };
  const letters = (kv: OrderedKV) => {
    for (const k of ['a', 'b', 'c', 'd', 'e']) kv.put(utf8(k), utf8(k.toUpperCase()));
  };

  describe(`OrderedKV conformance: ${name}`, () => {
    test(
      'get, put, overwrite, delete',
      withStore((kv) => {
        assert.equal(kv.get(utf8('k')), undefined);
        kv.put(utf8('k'), utf8('v1'));
        kv.put(utf8('k'), utf8('v2'));
        assert.equal(val(kv.get(utf8('k'))), 'v2');
        kv.put(utf8('empty'), b());
        assert.equal(val(kv.get(utf8('empty'))), '', 'an empty value is stored, not absent');
        kv.delete(utf8('k'));
        kv.delete(utf8('absent'));
        assert.equal(kv.get(utf8('k')), undefined);
        assert.equal(text(kv.range()), 'empty');
      }),
    );

    test(
      'values are copied in and out (no aliasing)',
      withStore((kv) => {
        const v = b(1, 2, 3);
        kv.put(utf8('k'), v);
        v[0] = 9;
        const out = kv.get(utf8('k')) as Uint8Array;
        assert.equal(hexOf(out), '010203');
        out[1] = 9;
        assert.equal(hexOf(kv.get(utf8('k')) as Uint8Array), '010203');
        (kv.range()[0] as Entry).value[2] = 9;
        assert.equal(hexOf(kv.get(utf8('k')) as Uint8Array), '010203');
      }),
    );

    test(
      'orders keys as unsigned bytes, including >= 0x80 and the empty key',
      withStore((kv) => {
        const keys = [
          b(0xff),
          b(0x80),
          b(0x7f),
          b(),
          b(0),
          b(0, 0),
          b(0x80, 0),
          b(1),
          b(0xff, 0xff),
        ];
        keys.forEach((k, i) => {
          kv.put(k, b(i));
        });
        const sorted = ['', '00', '0000', '01', '7f', '80', '8000', 'ff', 'ffff'];
        assert.deepEqual(hex(kv.range()), sorted);
        assert.deepEqual(hex(kv.range({ reverse: true })), [...sorted].reverse());
        assert.equal(
          hexOf(kv.get(b()) as Uint8Array),
          '03',
          'the empty key is a key like any other',
        );
        assert.deepEqual(hex(kv.range({ start: b(0x80) })), ['80', '8000', 'ff', 'ffff']);
        assert.deepEqual(hex(kv.range({ end: b(0x80) })), ['', '00', '0000', '01', '7f']);
        kv.delete(b());
        assert.equal(kv.get(b()), undefined);
        assert.deepEqual(hex(kv.range({ limit: 1 })), ['00']);
      }),
    );

    test(
      'range: start inclusive, end exclusive, limit, reverse',
      withStore((kv) => {
        letters(kv);
        const r = (o: RangeOptions) => text(kv.range(o));
        const u = utf8;
        assert.equal(r({}), 'a b c d e');
        assert.equal(r({ start: u('b') }), 'b c d e');
        assert.equal(r({ start: u('bb') }), 'c d e');
        assert.equal(r({ end: u('c') }), 'a b');
        assert.equal(r({ end: u('cc') }), 'a b c');
        assert.equal(r({ start: u('b'), end: u('d') }), 'b c');
        assert.equal(r({ limit: 2 }), 'a b');
        assert.equal(r({ limit: 0 }), '');
        assert.equal(r({ limit: 99 }), 'a b c d e');
        assert.equal(r({ reverse: true }), 'e d c b a');
        assert.equal(r({ reverse: true, limit: 2 }), 'e d');
        assert.equal(r({ reverse: true, end: u('c') }), 'b a', 'reverse excludes end');
        assert.equal(r({ reverse: true, end: u('cc') }), 'c b a');
        assert.equal(r({ reverse: true, start: u('b'), end: u('e'), limit: 2 }), 'd c');
        assert.equal(r({ reverse: true, start: u('c') }), 'e d c', 'reverse includes start');
        assert.equal(r({ reverse: true, start: u('bb') }), 'e d c');
        assert.equal(r({ start: u('d'), end: u('b') }), '', 'an inverted range is empty');
        assert.equal(r({ start: u('c'), end: u('c') }), '');
        assert.equal(r({ reverse: true, start: u('d'), end: u('b') }), '');
        assert.equal(r({ start: u('f') }), '');
        assert.equal(r({ reverse: true, end: u('a') }), '');
        assert.deepEqual(
          kv.range({ start: u('c'), limit: 1 }).map((e) => val(e.value)),
          ['C'],
          'values come with their keys',
        );
      }),
    );

    test(
      'range cursors: paging with rangeAfter visits every key once, forwards and backwards',
      withStore((kv) => {
        // Keys that differ only by trailing 0x00 bytes are where a sloppy "next key" goes wrong.
        const keys = [b(), b(0), b(0, 0), b(0x61), b(0x61, 0), b(0x61, 0, 0), b(0x61, 1), b(0xff)];
        keys.forEach((k, i) => {
          kv.put(k, b(i));
        });
        const all = hex(kv.range());
        for (const reverse of [false, true]) {
          for (const size of [1, 2, 3, 8, 9]) {
            const seen = [...scanPages(kv, { reverse }, size)].flatMap((page) => {
              assert.ok(page.length <= size, `a page holds at most ${size} entries`);
              return hex(page);
            });
            assert.deepEqual(
              seen,
              reverse ? [...all].reverse() : all,
              `reverse=${reverse} page=${size}`,
            );
          }
        }
        // A cursor resumes after its key even when keys were written in between.
        const first = kv.range({ limit: 3 });
        kv.put(b(0, 0, 0), b(42));
        kv.delete(b(0x61));
        const next = kv.range(rangeAfter({ limit: 3 }, (first[2] as Entry).key));
        assert.deepEqual(hex(next), ['000000', '6100', '610000']);
        const back = kv.range(rangeAfter({ reverse: true, limit: 2 }, b(0x61, 0)));
        assert.deepEqual(hex(back), ['000000', '0000']);
      }),
    );

    test(
      'range rejects a bad limit and bad bounds with clear errors',
      withStore((kv) => {
        letters(kv);
        assert.throws(
          () => kv.range({ limit: -1 }),
          /limit must be a non-negative integer, got -1/,
        );
        assert.throws(() => kv.range({ limit: 1.5 }), StorageInputError);
        assert.throws(() => kv.range({ limit: Number.NaN }), StorageInputError);
        assert.throws(
          () => kv.range({ start: 'a' as unknown as Uint8Array }),
          /start: key must be a Uint8Array/,
        );
      }),
    );

    test(
      'deleteRange removes [start, end) and nothing else',
      withStore((kv) => {
        letters(kv);
        kv.put(b(0x62, 0xff), b());
        kv.deleteRange(utf8('b'), utf8('d'));
        assert.equal(text(kv.range()), 'a d e');
        kv.deleteRange(utf8('e'), utf8('b'));
        assert.equal(text(kv.range()), 'a d e', 'an inverted range deletes nothing');
        kv.deleteRange(utf8('d'), utf8('d'));
        assert.equal(text(kv.range()), 'a d e', 'an empty range deletes nothing');
        kv.put(b(), b(1));
        kv.put(b(0xff, 0xff), b(2));
        kv.deleteRange(b(), b(0xff));
        assert.deepEqual(hex(kv.range()), ['ffff'], 'the empty key is inside [empty, 0xff)');
      }),
    );

    test(
      'batch applies every op in order',
      withStore((kv) => {
        letters(kv);
        kv.batch([
          { type: 'put', key: utf8('z'), value: utf8('Z') },
          { type: 'delete', key: utf8('a') },
          { type: 'deleteRange', start: utf8('c'), end: utf8('e') },
          { type: 'put', key: utf8('c'), value: utf8('C2') },
          { type: 'put', key: utf8('y'), value: utf8('Y1') },
          { type: 'put', key: utf8('y'), value: utf8('Y2') },
        ]);
        assert.equal(text(kv.range()), 'b c e y z');
        assert.equal(val(kv.get(utf8('c'))), 'C2');
        assert.equal(val(kv.get(utf8('y'))), 'Y2', 'the later put of one key wins');
        kv.batch([]);
        assert.equal(text(kv.range()), 'b c e y z');
      }),
    );

    test(
      'a batch with a bad op leaves the store untouched',
      withStore((kv) => {
        letters(kv);
        const before = pairs(kv.range());
        const bad: BatchOp[] = [
          { type: 'put', key: utf8('new'), value: utf8('v') },
          { type: 'delete', key: utf8('a') },
          { type: 'deleteRange', start: utf8('b'), end: utf8('d') },
          { type: 'put', key: new Uint8Array(keyMax + 1), value: utf8('v') },
        ];
        assert.throws(
          () => kv.batch(bad),
          new RegExp(`op 3: key is ${keyMax + 1} bytes; the limit[^;]* is ${keyMax}$`),
        );
        assert.deepEqual(pairs(kv.range()), before);
        assert.throws(
          () =>
            kv.batch([{ type: 'delete', key: utf8('a') }, { type: 'merge' } as unknown as BatchOp]),
          /op 1: type must be put, delete or deleteRange, got "merge"/,
        );
        assert.throws(
          () => kv.batch([{ type: 'delete', key: utf8('a') }, null as unknown as BatchOp]),
          /op 1: not an object/,
        );
        assert.throws(
          () =>
            kv.batch([
              { type: 'delete', key: utf8('a') },
              { type: 'put', key: utf8('b'), value: new Uint8Array(valueMax + 1) },
            ]),
          new RegExp(`op 1: value is ${valueMax + 1} bytes; the limit[^;]* is ${valueMax}$`),
        );
        assert.deepEqual(pairs(kv.range()), before);
      }),
    );

    test(
      'a snapshot does not see later writes',
      withStore((kv) => {
        letters(kv);
        const snap = kv.snapshot();
        kv.put(utf8('a'), utf8('changed'));
        kv.delete(utf8('b'));
        kv.put(utf8('f'), utf8('F'));
        kv.batch([
          { type: 'deleteRange', start: utf8('c'), end: utf8('e') },
          { type: 'put', key: utf8('0'), value: b() },
        ]);
        assert.equal(val(snap.get(utf8('a'))), 'A');
        assert.equal(val(snap.get(utf8('b'))), 'B');
        assert.equal(snap.get(utf8('f')), undefined);
        assert.equal(text(snap.range()), 'a b c d e');
        assert.equal(text(snap.range({ reverse: true, limit: 1 })), 'e');
        assert.equal(text(snap.range({ start: utf8('b'), end: utf8('d') })), 'b c');
        assert.equal(text(kv.range()), '0 a e f');
        const second = kv.snapshot();
        kv.deleteRange(b(), b(0xff));
        assert.equal(text(second.range()), '0 a e f', 'each snapshot is as of its own time');
        assert.equal(text(snap.range()), 'a b c d e');
        assert.equal(text(kv.range()), '');
      }),
    );

    test(
      'size limits: the largest key and value are accepted, one byte more is a clear error',
      withStore((kv) => {
        const bigKey = new Uint8Array(keyMax).fill(0xab);
        kv.put(bigKey, new Uint8Array(valueMax).fill(7));
        assert.equal(kv.get(bigKey)?.length, valueMax);
        assert.deepEqual(hex(kv.range({ start: bigKey })), [hexOf(bigKey)]);
        const tooLong = new RegExp(
          `put[^:]*: key is ${keyMax + 1} bytes; the limit[^;]* is ${keyMax}$`,
        );
        assert.throws(
          () => kv.put(new Uint8Array(keyMax + 1), b()),
          (e: unknown) => e instanceof StorageInputError && tooLong.test(e.message),
        );
        assert.throws(
          () => kv.put(b(1), new Uint8Array(valueMax + 1)),
          new RegExp(`put[^:]*: value is ${valueMax + 1} bytes; the limit[^;]* is ${valueMax}$`),
        );
        assert.throws(
          () => kv.get(new Uint8Array(keyMax + 1)),
          new RegExp(`get[^:]*: key is ${keyMax + 1} bytes`),
        );
        assert.throws(() => kv.delete(new Uint8Array(keyMax + 1)), /delete[^:]*: key is/);
        assert.throws(
          () => kv.put('k' as unknown as Uint8Array, b()),
          /put[^:]*: key must be a Uint8Array, got string/,
        );
        assert.throws(
          () => kv.put(b(1), 'v' as unknown as Uint8Array),
          /put[^:]*: value must be a Uint8Array/,
        );
        assert.throws(
          () => kv.deleteRange(b(), new Uint8Array(keyMax + 1)),
          /deleteRange end[^:]*: key is/,
        );
        assert.deepEqual(hex(kv.range()), [hexOf(bigKey)], 'rejected writes changed nothing');
      }),
    );

    test(
      'property: random operations agree with a sorted-map oracle, and snapshots stay frozen',
      withStore((kv) => {
        // Keys from a four-letter alphabet spanning 0x00..0xff make collisions and prefixes common.
        const key = fc.uint8Array({ maxLength: 3 }).map((k) => k.map((x) => (x % 4) * 0x55));
        const op: fc.Arbitrary<BatchOp> = fc.oneof(
          fc.record({
            type: fc.constant('put' as const),
            key,
            value: fc.uint8Array({ maxLength: 2 }),
          }),
          fc.record({ type: fc.constant('delete' as const), key }),
          fc.record({ type: fc.constant('deleteRange' as const), start: key, end: key }),
        );
        fc.assert(
          fc.property(
            fc.array(fc.array(op, { maxLength: 8 }), { maxLength: 4 }),
            fc.option(key, { nil: undefined }),
            fc.option(key, { nil: undefined }),
            fc.option(fc.nat(6), { nil: undefined }),
            fc.boolean(),
            (batches, start, end, limit, reverse) => {
              kv.deleteRange(b(), b(0xff, 0xff, 0xff, 0xff));
              const oracle = new Map<string, [Uint8Array, Uint8Array]>();
              const apply = (o: BatchOp) => {
                if (o.type === 'put') oracle.set(hexOf(o.key), [o.key, o.value]);
                else if (o.type === 'delete') oracle.delete(hexOf(o.key));
                else
                  for (const [h, [k]] of oracle)
                    if (compareBytes(k, o.start) >= 0 && compareBytes(k, o.end) < 0)
                      oracle.delete(h);
              };
              const expect = () => {
                let xs = [...oracle.values()]
                  .sort((x, y) => compareBytes(x[0], y[0]))
                  .filter(([k]) => start === undefined || compareBytes(k, start) >= 0)
                  .filter(([k]) => end === undefined || compareBytes(k, end) < 0);
                if (reverse) xs.reverse();
                if (limit !== undefined) xs = xs.slice(0, limit);
                return xs.map(([k, v]) => [hexOf(k), hexOf(v)]);
              };
              const options: RangeOptions = {
                ...(start === undefined ? {} : { start }),
                ...(end === undefined ? {} : { end }),
                ...(limit === undefined ? {} : { limit }),
                reverse,
              };
              let snap = kv.snapshot();
              let frozen = expect();
              for (const ops of batches) {
                kv.batch(ops);
                ops.forEach(apply);
                assert.deepEqual(pairs(kv.range(options)), expect());
                assert.deepEqual(pairs(snap.range(options)), frozen);
                snap = kv.snapshot();
                frozen = expect();
              }
              for (const [h, [k, v]] of oracle)
                assert.equal(hexOf(kv.get(k) as Uint8Array), hexOf(v), h);
            },
          ),
          { numRuns: runs },
        );
      }),
    );
  });
}
