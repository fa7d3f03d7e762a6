// FoundationDB tuple encoding: known byte vectors from FDB's design/tuple.md and bindings, then
// property tests against an independent comparator of tuple *values*: order agreement, round trip,
// prefix-freeness and range containment; and clear errors for bytes that do not decode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareBytes } from '../../../src/storage/bytes.js';
import {
  Double,
  Float32,
  pack,
  type Tuple,
  TupleDecodeError,
  TupleEncodeError,
  type TupleItem,
  tupleRange,
  UUID,
  unpack,
} from '../../../src/storage/layers/tuple.js';

const hex = (t: Tuple) => Buffer.from(pack(t)).toString('hex');
const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);

// Type ranks follow FDB's type codes; the comparator below orders values by meaning only.
function rank(x: TupleItem): number {
  if (x === null) return 0;
  if (x instanceof Uint8Array) return 1;
  if (typeof x === 'string') return 2;
  if (Array.isArray(x)) return 5;
  if (typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x) && !Object.is(x, -0)))
    return 20;
  if (x instanceof Float32) return 32;
  if (typeof x === 'number' || x instanceof Double) return 33;
  if (x === false) return 38;
  if (x === true) return 39;
  return 48;
}
/** IEEE total order on the values JS produces (its NaN is the positive quiet NaN, the largest). */
function compareFloat(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  if (a === 0 && b === 0) return Number(Object.is(b, -0)) - Number(Object.is(a, -0));
  return a < b ? -1 : a > b ? 1 : 0;
}
function compareItems(a: TupleItem, b: TupleItem): number {
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (typeof a === 'string' && typeof b === 'string')
    return compareBytes(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (Array.isArray(a) && Array.isArray(b)) return compareTuples(a, b);
  if (rank(a) === 20) {
    const x = BigInt(a as number | bigint);
    const y = BigInt(b as number | bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a instanceof Float32 && b instanceof Float32)
    return compareFloat(Math.fround(a.value), Math.fround(b.value));
  if (rank(a) === 33) {
    const v = (x: TupleItem) => (x instanceof Double ? x.value : (x as number));
    return compareFloat(v(a), v(b));
  }
  if (a instanceof UUID && b instanceof UUID) return compareBytes(a.bytes, b.bytes);
  return 0;
}
function compareTuples(a: Tuple, b: Tuple): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareItems(a[i] as TupleItem, b[i] as TupleItem);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
/** What unpack returns for an item: integers as number when safe else bigint, and so on. */
function normalize(x: TupleItem): TupleItem {
  if (Array.isArray(x)) return x.map(normalize);
  if (typeof x === 'bigint')
    return x >= Number.MIN_SAFE_INTEGER && x <= Number.MAX_SAFE_INTEGER ? Number(x) : x;
  if (typeof x === 'number' && Number.isInteger(x) && !Object.is(x, -0) && !Number.isSafeInteger(x))
    return BigInt(x);
  if (x instanceof Float32) return new Float32(Math.fround(x.value));
  if (x instanceof Double && !(Number.isInteger(x.value) && !Object.is(x.value, -0)))
    return x.value;
  if (typeof x === 'number' && !Number.isInteger(x)) return x;
  if (x instanceof Uint8Array) return new Uint8Array(x);
  return x;
}

// Bytes and strings drawn from small alphabets around 0x00 and 0xff, where escaping matters.
const edgyBytes = fc
  .uint8Array({ maxLength: 4 })
  .map((b) => b.map((x) => [0, 1, 0x7f, 0xfe, 0xff][x % 5] as number));
const { item } = fc.letrec<{ item: TupleItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    edgyBytes,
    fc.string({ unit: 'binary', maxLength: 4 }),
    fc.constantFrom('', '\u0000', 'a\u0000b', '\u00ff', '\u{10000}', '\uffff'),
    fc.integer(),
    fc.constantFrom(0, 1, -1, 255, 256, -255, -256, 2 ** 53 - 1, -(2 ** 53 - 1)),
    fc.bigInt({ min: -(2n ** 90n), max: 2n ** 90n }),
    fc.constantFrom(2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n) + 1n, -(2n ** 64n)),
    fc.double(),
    fc.float().map((x) => new Float32(x)),
    fc.double().map((x) => new Double(x)),
    fc.boolean(),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => new UUID(b)),
    fc.array(tie('item'), { maxLength: 3 }),
  ),
}));
const tuple = fc.array(item, { maxLength: 4 });

describe('tuple encoding', () => {
  test('matches FoundationDB byte vectors', () => {
    assert.equal(hex([null]), '00');
    assert.equal(hex([new Uint8Array([0x66, 0x00, 0x6f])]), '016600ff6f00');
    assert.equal(hex(['F\u00d4O\u0000bar']), '0246c3944f00ff62617200');
    assert.equal(hex([[new Uint8Array([0x66, 0x00]), null, []]]), '05016600ff0000ff050000');
    assert.equal(hex([0]), '14');
    assert.equal(hex([-5551212]), '11ab4b93');
    assert.equal(hex([1]), '1501');
    assert.equal(hex([-1]), '13fe');
    assert.equal(hex([256]), '160100');
    assert.equal(hex([2n ** 64n]), '1d09010000000000000000');
    assert.equal(hex([-(2n ** 64n)]), '0bf6feffffffffffffffff');
    assert.equal(hex([new Float32(3.14)]), '20c048f5c3');
    assert.equal(hex([new Float32(-3.14)]), '203fb70a3c');
    assert.equal(hex([3.14]), '21c0091eb851eb851f');
    assert.equal(hex([-3.14]), '213ff6e147ae147ae0');
    assert.equal(hex([new Double(2)]), '21c000000000000000');
    assert.equal(hex([false, true]), '2627');
    assert.equal(
      hex([new UUID('00112233-4455-6677-8899-aabbccddeeff')]),
      '3000112233445566778899aabbccddeeff',
    );
  });

  test('property: byte order agrees with tuple order', () => {
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        assert.equal(sign(compareBytes(pack(a), pack(b))), sign(compareTuples(a, b)));
      }),
      { numRuns: 3000 },
    );
  });

  test('property: unpack(pack(t)) returns t', () => {
    fc.assert(
      fc.property(tuple, (t) => {
        assert.deepEqual(unpack(pack(t)), t.map(normalize));
        assert.deepEqual(pack(unpack(pack(t))), pack(t), 'and re-packs to the same bytes');
      }),
      { numRuns: 2000 },
    );
  });

  test('property: prefix-free: pack(a) then an element start is a prefix of pack(b) only when a prefixes b', () => {
    // FDB's escaping makes pack(['a']) a byte prefix of pack(['a\0']) (02 61 00 | ff 00): what
    // holds is that the byte after the shared part is then 0xff, which never starts an element.
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        const pa = pack(a);
        const pb = pack(b);
        const bytePrefix =
          pa.length <= pb.length &&
          compareBytes(pa, pb.subarray(0, pa.length)) === 0 &&
          pb[pa.length] !== 0xff;
        const tuplePrefix = a.length <= b.length && compareTuples(a, b.slice(0, a.length)) === 0;
        assert.equal(bytePrefix, tuplePrefix);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: tupleRange(p) contains exactly the tuples that extend p', () => {
    fc.assert(
      fc.property(tuple, tuple, tuple, (p, rest, other) => {
        const { start, end } = tupleRange(p);
        const inside = (k: Uint8Array) => compareBytes(k, start) >= 0 && compareBytes(k, end) < 0;
        if (rest.length > 0) assert.ok(inside(pack([...p, ...rest])), 'an extension is inside');
        assert.ok(!inside(pack(p)), 'the prefix itself is not inside');
        const extends_ =
          other.length > p.length && compareTuples(p, other.slice(0, p.length)) === 0;
        assert.equal(inside(pack(other)), extends_);
      }),
      { numRuns: 2000 },
    );
  });

  test('undecodable bytes give a TupleDecodeError naming the input and offset', () => {
    const bad: [number[], RegExp][] = [
      [[0x42], /0x42: unknown or unsupported type code 0x42 at byte 0/],
      [[0x14, 0x33, 0x00], /unknown or unsupported type code 0x33 at byte 1/],
      [[0x01, 0x61], /a byte string has no 0x00 terminator at byte 1/],
      [[0x02, 0xc3, 0x28, 0x00], /a string is not valid UTF-8 at byte 0/],
      [[0x16, 0x01], /an integer is truncated \(needs 2 bytes\) at byte 1/],
      [[0x21, 0x00], /a double is truncated/],
      [[0x05, 0x14], /a nested tuple has no 0x00 terminator at byte 0/],
      [[0x30, 1, 2], /a UUID is truncated/],
      [[0x1d, 0x02, 0x01, 0x00], /non-canonical/],
    ];
    for (const [bytes, why] of bad) {
      assert.throws(
        () => unpack(new Uint8Array(bytes)),
        (e: unknown) => e instanceof TupleDecodeError && why.test(e.message),
        `0x${Buffer.from(bytes).toString('hex')}`,
      );
    }
  });

  test('unencodable values give a TupleEncodeError', () => {
    assert.throws(() => pack([undefined as unknown as TupleItem]), /cannot pack undefined/);
    assert.throws(() => pack([{} as unknown as TupleItem]), TupleEncodeError);
    assert.throws(() => pack(['\ud800']), /lone surrogate/);
    assert.throws(() => pack([2n ** 2048n]), /needs 257 bytes; the limit is 255/);
    assert.throws(() => new UUID('xyz'), /a UUID is 16 bytes/);
  });
});
