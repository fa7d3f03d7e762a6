/**
 * FoundationDB's tuple encoding (apple/foundationdb design/tuple.md): typed values packed into
 * bytes whose unsigned order equals the tuples' order, so composite keys sort correctly in any
 * `OrderedKV`. Byte-compatible with the FDB bindings for the types below.
 *
 * | JS value                                   | FDB type (code)                       |
 * |--------------------------------------------|---------------------------------------|
 * | `null`                                     | null (0x00)                           |
 * | `Uint8Array`                               | byte string (0x01)                    |
 * | `string` (well-formed UTF-16)              | unicode string (0x02)                 |
 * | array                                      | nested tuple (0x05)                   |
 * | safe-integer `number`, any `bigint`        | integer (0x0b..0x1d), up to 255 bytes |
 * | {@link Float32}                            | float (0x20)                          |
 * | other `number` (fractions, NaN, ±Infinity, -0), {@link Double} | double (0x21)     |
 * | `boolean`                                  | false (0x26), true (0x27)             |
 * | {@link UUID}                               | UUID (0x30)                           |
 *
 * Decoding returns integers as `number` when safe, else `bigint`; a double with an integer value
 * comes back as a {@link Double} (so it re-encodes to the same bytes).
 */

/** A 32-bit float element (FDB code 0x20). `value` is rounded to float32 when packed. */
export class Float32 {
  constructor(readonly value: number) {}
}

/** A 64-bit double element (FDB code 0x21); use it to store an integer-valued number as a double. */
export class Double {
  constructor(readonly value: number) {}
}

/** A UUID element (FDB code 0x30): exactly 16 bytes. */
export class UUID {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array | string) {
    const b =
      typeof bytes === 'string'
        ? Buffer.from(bytes.replace(/-/g, ''), 'hex')
        : new Uint8Array(bytes);
    if (
      b.length !== 16 ||
      (typeof bytes === 'string' && !/^[0-9a-f]{32}$/i.test(bytes.replace(/-/g, '')))
    ) {
      throw new TupleEncodeError(
        `a UUID is 16 bytes (32 hex digits), got ${JSON.stringify(String(bytes))}`,
      );
    }
    this.bytes = new Uint8Array(b);
  }
  /** The canonical 8-4-4-4-12 hex form. */
  toString(): string {
    const h = Buffer.from(this.bytes).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

/** A tuple element. */
export type TupleItem =
  | null
  | Uint8Array
  | string
  | number
  | bigint
  | boolean
  | Float32
  | Double
  | UUID
  | readonly TupleItem[];

/** A tuple: the unit `pack` encodes. */
export type Tuple = readonly TupleItem[];

/** Thrown by `pack` for a value the format cannot represent. */
export class TupleEncodeError extends Error {
  override readonly name = 'TupleEncodeError';
}

/** Thrown by `unpack` for bytes that are not a valid packed tuple; names the input and offset. */
export class TupleDecodeError extends Error {
  override readonly name = 'TupleDecodeError';
}

const NULL = 0x00;
const BYTES = 0x01;
const STRING = 0x02;
const NESTED = 0x05;
const INT_ZERO = 0x14;
const NEG_INT_LONG = 0x0b;
const POS_INT_LONG = 0x1d;
const FLOAT = 0x20;
const DOUBLE = 0x21;
const FALSE = 0x26;
const TRUE = 0x27;
const UUID_CODE = 0x30;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Growable byte buffer for packing. */
class Writer {
  buf = new Uint8Array(64);
  len = 0;
  byte(b: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }
  bytes(src: Uint8Array): void {
    if (this.len + src.length > this.buf.length) this.grow(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }
  grow(n: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  /** Appends `src` escaping every 0x00 as 0x00 0xFF, then the 0x00 terminator. */
  escaped(src: Uint8Array): void {
    for (const b of src) {
      this.byte(b);
      if (b === 0) this.byte(0xff);
    }
    this.byte(0);
  }
}

/** Packs `tuple` into its order-preserving byte encoding. */
export function pack(tuple: Tuple): Uint8Array {
  if (!Array.isArray(tuple))
    throw new TupleEncodeError(`pack expects an array, got ${typeof tuple}`);
  const w = new Writer();
  for (const item of tuple) encodeItem(w, item, false);
  return w.buf.slice(0, w.len);
}

function encodeItem(w: Writer, item: TupleItem, nested: boolean): void {
  if (item === null) {
    w.byte(NULL);
    // Inside a nested tuple a bare 0x00 would end the tuple, so null is escaped.
    if (nested) w.byte(0xff);
  } else if (item instanceof Uint8Array) {
    w.byte(BYTES);
    w.escaped(item);
  } else if (typeof item === 'string') {
    if (LONE_SURROGATE.test(item)) {
      throw new TupleEncodeError(
        `string ${JSON.stringify(item)} has a lone surrogate: not valid Unicode`,
      );
    }
    w.byte(STRING);
    w.escaped(encoder.encode(item));
  } else if (Array.isArray(item)) {
    w.byte(NESTED);
    for (const x of item as Tuple) encodeItem(w, x, true);
    w.byte(0);
  } else if (typeof item === 'number') {
    if (Number.isInteger(item) && !Object.is(item, -0)) {
      if (Number.isSafeInteger(item)) encodeSafeInt(w, item);
      else encodeBigInt(w, BigInt(item));
    } else encodeDouble(w, item);
  } else if (typeof item === 'bigint') {
    encodeBigInt(w, item);
  } else if (typeof item === 'boolean') {
    w.byte(item ? TRUE : FALSE);
  } else if (item instanceof Double) {
    encodeDouble(w, item.value);
  } else if (item instanceof Float32) {
    const b = Buffer.alloc(4);
    b.writeFloatBE(item.value);
    w.byte(FLOAT);
    w.bytes(orderFloat(b));
  } else if (item instanceof UUID) {
    w.byte(UUID_CODE);
    w.bytes(item.bytes);
  } else {
    throw new TupleEncodeError(`cannot pack ${describeValue(item)}: not a tuple element type`);
  }
}

function encodeDouble(w: Writer, value: number): void {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(value);
  w.byte(DOUBLE);
  w.bytes(orderFloat(b));
}

/** IEEE bytes to ordered bytes: flip the sign bit of positives, every bit of negatives. */
function orderFloat(b: Uint8Array): Uint8Array {
  if (((b[0] as number) & 0x80) !== 0)
    for (let i = 0; i < b.length; i++) b[i] = ~(b[i] as number) & 0xff;
  else b[0] = (b[0] as number) ^ 0x80;
  return b;
}

/** Inverse of {@link orderFloat}. */
function unorderFloat(b: Uint8Array): Uint8Array {
  if (((b[0] as number) & 0x80) === 0)
    for (let i = 0; i < b.length; i++) b[i] = ~(b[i] as number) & 0xff;
  else b[0] = (b[0] as number) ^ 0x80;
  return b;
}

function encodeSafeInt(w: Writer, v: number): void {
  if (v === 0) {
    w.byte(INT_ZERO);
    return;
  }
  let m = Math.abs(v);
  const digits: number[] = [];
  while (m > 0) {
    digits.push(m % 256);
    m = Math.floor(m / 256);
  }
  const n = digits.length;
  // The code carries sign and length, so shorter magnitudes sort nearer zero; negatives store the
  // one's complement so that larger magnitudes sort lower.
  w.byte(v > 0 ? INT_ZERO + n : INT_ZERO - n);
  for (let i = n - 1; i >= 0; i--)
    w.byte(v > 0 ? (digits[i] as number) : 255 - (digits[i] as number));
}

function encodeBigInt(w: Writer, v: bigint): void {
  if (v === 0n) {
    w.byte(INT_ZERO);
    return;
  }
  const negative = v < 0n;
  let m = negative ? -v : v;
  const digits: number[] = [];
  while (m > 0n) {
    digits.push(Number(m & 0xffn));
    m >>= 8n;
  }
  const n = digits.length;
  if (n > 255) throw new TupleEncodeError(`integer ${v} needs ${n} bytes; the limit is 255`);
  if (n <= 8) w.byte(negative ? INT_ZERO - n : INT_ZERO + n);
  else {
    w.byte(negative ? NEG_INT_LONG : POS_INT_LONG);
    w.byte(negative ? n ^ 0xff : n);
  }
  for (let i = n - 1; i >= 0; i--)
    w.byte(negative ? 255 - (digits[i] as number) : (digits[i] as number));
}

/** Unpacks bytes made by {@link pack}; throws {@link TupleDecodeError} on anything else. */
export function unpack(bytes: Uint8Array): TupleItem[] {
  const r = { bytes, at: 0 };
  const out: TupleItem[] = [];
  while (r.at < bytes.length) out.push(decodeItem(r, false));
  return out;
}

interface Reader {
  readonly bytes: Uint8Array;
  at: number;
}

function fail(r: Reader, at: number, why: string): never {
  const hex = Buffer.from(r.bytes.subarray(0, 64)).toString('hex');
  throw new TupleDecodeError(
    `cannot unpack tuple 0x${hex}${r.bytes.length > 64 ? '…' : ''}: ${why} at byte ${at}`,
  );
}

function take(r: Reader, n: number, what: string): Uint8Array {
  if (r.at + n > r.bytes.length) fail(r, r.at, `${what} is truncated (needs ${n} bytes)`);
  const out = r.bytes.subarray(r.at, r.at + n);
  r.at += n;
  return out;
}

function readEscaped(r: Reader, what: string): Uint8Array {
  const start = r.at;
  const out: number[] = [];
  for (;;) {
    if (r.at >= r.bytes.length) fail(r, start, `${what} has no 0x00 terminator`);
    const b = r.bytes[r.at++] as number;
    if (b !== 0) out.push(b);
    else if (r.bytes[r.at] === 0xff) {
      out.push(0);
      r.at++;
    } else return new Uint8Array(out);
  }
}

function decodeItem(r: Reader, nested: boolean): TupleItem {
  const at = r.at;
  const code = r.bytes[r.at++] as number;
  if (code === NULL) {
    if (nested) {
      if (r.bytes[r.at] !== 0xff) fail(r, at, 'a nested null lacks its 0xff escape');
      r.at++;
    }
    return null;
  }
  if (code === BYTES) return readEscaped(r, 'a byte string');
  if (code === STRING) {
    const raw = readEscaped(r, 'a string');
    try {
      return decoder.decode(raw);
    } catch {
      return fail(r, at, 'a string is not valid UTF-8');
    }
  }
  if (code === NESTED) {
    const items: TupleItem[] = [];
    for (;;) {
      if (r.at >= r.bytes.length) fail(r, at, 'a nested tuple has no 0x00 terminator');
      if (r.bytes[r.at] === 0 && r.bytes[r.at + 1] !== 0xff) {
        r.at++;
        return items;
      }
      items.push(decodeItem(r, true));
    }
  }
  if (code >= NEG_INT_LONG && code <= POS_INT_LONG) return decodeInt(r, code, at);
  if (code === FLOAT) {
    const b = unorderFloat(new Uint8Array(take(r, 4, 'a float')));
    return new Float32(Buffer.from(b.buffer).readFloatBE(0));
  }
  if (code === DOUBLE) {
    const b = unorderFloat(new Uint8Array(take(r, 8, 'a double')));
    const v = Buffer.from(b.buffer).readDoubleBE(0);
    return Number.isInteger(v) && !Object.is(v, -0) ? new Double(v) : v;
  }
  if (code === FALSE) return false;
  if (code === TRUE) return true;
  if (code === UUID_CODE) return new UUID(take(r, 16, 'a UUID'));
  return fail(r, at, `unknown or unsupported type code 0x${code.toString(16).padStart(2, '0')}`);
}

function decodeInt(r: Reader, code: number, at: number): number | bigint {
  if (code === INT_ZERO) return 0;
  let negative = code < INT_ZERO;
  let n: number;
  if (code === POS_INT_LONG || code === NEG_INT_LONG) {
    negative = code === NEG_INT_LONG;
    const len = take(r, 1, 'a long integer length')[0] as number;
    n = negative ? len ^ 0xff : len;
    // FDB writes the long form only past 8 bytes; accepting shorter would give two encodings.
    if (n <= 8) fail(r, at, `a long integer of ${n} bytes fits in the short form (non-canonical)`);
  } else n = Math.abs(code - INT_ZERO);
  const digits = take(r, n, 'an integer');
  if (n <= 6) {
    let m = 0;
    for (const d of digits) m = m * 256 + (negative ? 255 - d : d);
    return negative ? -m : m;
  }
  let m = 0n;
  for (const d of digits) m = (m << 8n) | BigInt(negative ? 255 - d : d);
  const v = negative ? -m : m;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'object')
    return `an object (${(v as object).constructor?.name ?? 'no constructor'})`;
  return `a ${typeof v}`;
}

/**
 * The key range of every tuple that extends `prefix` by at least one element:
 * `[pack(prefix) + 0x00, pack(prefix) + 0xff)` (FDB's `Tuple.range`). 0xff never starts an element,
 * so the range holds exactly those tuples.
 */
export function tupleRange(prefix: Tuple = []): { start: Uint8Array; end: Uint8Array } {
  const p = pack(prefix);
  const start = new Uint8Array(p.length + 1);
  start.set(p);
  const end = new Uint8Array(p.length + 1);
  end.set(p);
  end[p.length] = 0xff;
  return { start, end };
}
