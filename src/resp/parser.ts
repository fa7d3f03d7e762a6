/**
 * Streaming parser for RESP2 requests: multibulk arrays of bulk strings (`*2\r\n$3\r\nGET\r\n…`),
 * which every client library sends, and inline commands (`GET key\r\n`), which telnet and
 * `redis-cli` in inline mode send. It is incremental: feed TCP chunks with {@link RequestParser.push}
 * in any split, pull complete requests with {@link RequestParser.next}. Arguments are zero-copy
 * views into the received chunks whenever a bulk arrives inside one chunk.
 *
 * Pure: no I/O, no timers. Error wording follows Redis (networking.c) so clients and operators see
 * the messages they know.
 */
import { RespProtocolError } from './errors.js';

/** Bounds that keep one client from exhausting the server's memory. All sizes in bytes. */
export interface RequestLimits {
  /** Largest single argument (bulk string). Default 16 MiB (Redis allows 512 MiB). */
  readonly maxBulkBytes: number;
  /** Most arguments in one multibulk request. Default 1,048,576. */
  readonly maxArrayLength: number;
  /** Longest inline command line, and longest `*n` / `$n` header line. Default 64 KiB, as Redis. */
  readonly maxInlineBytes: number;
  /** Largest total of argument bytes in one request. Default 64 MiB. */
  readonly maxRequestBytes: number;
}

/** The defaults of {@link RequestLimits}. */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = Object.freeze({
  maxBulkBytes: 16 * 1024 * 1024,
  maxArrayLength: 1024 * 1024,
  maxInlineBytes: 64 * 1024,
  maxRequestBytes: 64 * 1024 * 1024,
});

const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;
const EMPTY = Buffer.alloc(0);

/**
 * Incremental RESP2 request parser for one connection.
 *
 * ```ts
 * const parser = new RequestParser();
 * socket.on('data', (chunk) => {
 *   parser.push(chunk);
 *   for (let args = parser.next(); args; args = parser.next()) handle(args);
 * });
 * ```
 *
 * `next()` throws {@link RespProtocolError} on malformed input; the parser then stays failed (every
 * later `next()` throws the same error), because the stream can no longer be resynchronised.
 * Returned argument buffers may be views into received chunks: copy (`Buffer.from(arg)`) anything
 * you retain beyond the command, or it pins the whole chunk in memory.
 */
export class RequestParser {
  readonly limits: RequestLimits;
  /** Contiguous bytes being parsed, and the read position in them. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Stream offset of `buf[0]`, for error offsets. */
  private consumedBefore = 0;
  /** Arguments of the multibulk request being read, or undefined between requests. */
  private args: Buffer[] | undefined;
  private argsRemaining = 0;
  private requestBytes = 0;
  /** Length of the bulk whose `$n` header was read and whose data is awaited, else -1. */
  private bulkLength = -1;
  /** Chunks collected while a bulk's data is incomplete; concatenated once, when it is. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failure: RespProtocolError | undefined;

  constructor(limits: Partial<RequestLimits> = {}) {
    this.limits = { ...DEFAULT_REQUEST_LIMITS, ...limits };
  }

  /** Bytes received but not yet returned as part of a request. */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  /** True once the stream was found malformed. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Appends received bytes. The chunk must not be modified afterwards (arguments may view it). */
  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.failure !== undefined) return;
    if (this.pending.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    } else if (this.pos >= this.buf.length) {
      this.consumedBefore += this.buf.length;
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.consumedBefore += this.pos;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  /**
   * The next complete request as its arguments (command name first), or undefined when more bytes
   * are needed. Empty requests (`*0`, `*-1`, blank inline lines) are skipped, as Redis does.
   */
  next(): Buffer[] | undefined {
    if (this.failure !== undefined) throw this.failure;
    for (;;) {
      if (this.args === undefined) {
        if (this.pos >= this.buf.length) return undefined;
        if (this.buf[this.pos] === STAR) {
          const count = this.readHeader('too big mbulk count string');
          if (count === undefined) return undefined;
          if (Number.isNaN(count) || count > this.limits.maxArrayLength) {
            this.fail('invalid multibulk length');
          }
          if (count <= 0) continue;
          this.args = [];
          this.argsRemaining = count;
          this.requestBytes = 0;
        } else {
          const inline = this.readInline();
          if (inline === undefined) return undefined;
          if (inline.length === 0) continue;
          return inline;
        }
      }
      if (!this.readBulks()) return undefined;
      const done = this.args;
      this.args = undefined;
      return done;
    }
  }

  /** Reads bulks of the current multibulk request; true when all of them are in. */
  private readBulks(): boolean {
    const args = this.args!;
    while (this.argsRemaining > 0) {
      if (this.bulkLength < 0) {
        if (this.pos >= this.buf.length) return false;
        const first = this.buf[this.pos]!;
        if (first !== DOLLAR) {
          this.fail(`expected '$', got '${describeByte(first)}'`);
        }
        const length = this.readHeader('too big bulk count string');
        if (length === undefined) return false;
        if (Number.isNaN(length) || length < 0 || length > this.limits.maxBulkBytes) {
          this.fail('invalid bulk length');
        }
        if (this.requestBytes + length > this.limits.maxRequestBytes) {
          this.fail(`request larger than ${this.limits.maxRequestBytes} bytes`);
        }
        this.bulkLength = length;
      }
      const needed = this.bulkLength + 2;
      if (this.pending.length > 0) {
        if (this.pendingBytes < needed) return false;
        this.buf = Buffer.concat(this.pending, this.pendingBytes);
        this.pos = 0;
        this.pending = [];
        this.pendingBytes = 0;
      }
      const available = this.buf.length - this.pos;
      if (available < needed) {
        // Collect chunks until the bulk is complete, then concatenate once: a large value arriving
        // in many chunks costs O(n), not O(n²).
        if (available > 0) {
          this.pending.push(this.buf.subarray(this.pos));
          this.pendingBytes = available;
        }
        this.consumedBefore += this.pos;
        this.buf = EMPTY;
        this.pos = 0;
        return false;
      }
      const end = this.pos + this.bulkLength;
      if (this.buf[end] !== CR || this.buf[end + 1] !== LF) {
        this.pos = end;
        this.fail('expected CRLF after bulk data');
      }
      args.push(this.buf.subarray(this.pos, end));
      this.requestBytes += this.bulkLength;
      this.pos = end + 2;
      this.bulkLength = -1;
      this.argsRemaining--;
    }
    return true;
  }

  /**
   * Reads a `*n` or `$n` header line at `pos`; returns n (NaN when it is not a canonical integer),
   * or undefined when the line is incomplete. Digits are parsed while looking for the CR: headers
   * are a few bytes, and one pass beats indexOf plus a second parse.
   */
  private readHeader(tooBig: string): number | undefined {
    const buf = this.buf;
    const start = this.pos + 1;
    const limit = Math.min(buf.length, start + this.limits.maxInlineBytes);
    let i = start;
    let negative = false;
    if (i < limit && buf[i] === 0x2d) {
      negative = true;
      i++;
    }
    const firstDigit = i;
    let value = 0;
    let canonical = true;
    for (; i < limit; i++) {
      const byte = buf[i]!;
      if (byte === CR) break;
      const digit = byte - 0x30;
      if (digit < 0 || digit > 9) canonical = false;
      else value = value * 10 + digit;
    }
    if (i >= limit || i + 1 >= buf.length) {
      if (buf.length - this.pos > this.limits.maxInlineBytes) this.fail(tooBig);
      return undefined;
    }
    if (buf[i + 1] !== LF) {
      this.pos = i + 1;
      this.fail("expected '\\n' after '\\r'");
    }
    const digits = i - firstDigit;
    if (digits === 0 || digits > 19 || (buf[firstDigit] === 0x30 && (digits > 1 || negative))) {
      canonical = false;
    }
    this.pos = i + 2;
    if (!canonical) return Number.NaN;
    return negative ? -value : value;
  }

  /** Reads one inline command line; undefined when the line is incomplete. */
  private readInline(): Buffer[] | undefined {
    const lf = this.buf.indexOf(LF, this.pos);
    if (lf < 0) {
      if (this.buf.length - this.pos > this.limits.maxInlineBytes) {
        this.fail('too big inline request');
      }
      return undefined;
    }
    if (lf - this.pos > this.limits.maxInlineBytes) this.fail('too big inline request');
    const end = lf > this.pos && this.buf[lf - 1] === CR ? lf - 1 : lf;
    const line = this.buf.subarray(this.pos, end);
    const args = splitInlineArgs(line);
    if (args === undefined) this.fail('unbalanced quotes in request');
    this.pos = lf + 1;
    return args;
  }

  private fail(problem: string): never {
    this.failure = new RespProtocolError(
      `Protocol error: ${problem}`,
      this.consumedBefore + this.pos,
    );
    throw this.failure;
  }
}

/**
 * Parses bytes [start, end) as a canonical decimal integer the way Redis's string2ll does: an
 * optional '-', no '+', no leading zeros, no spaces, at most 19 digits. NaN when it is not one.
 */
export function parseCanonicalInteger(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && buf[i] === 0x2d) {
    negative = true;
    i++;
  }
  const digits = end - i;
  if (digits <= 0 || digits > 19) return Number.NaN;
  if (buf[i] === 0x30 && (digits > 1 || negative)) return Number.NaN;
  let value = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return negative ? -value : value;
}

function isSpace(byte: number | undefined): boolean {
  // C isspace(): space, \t, \n, \v, \f, \r.
  return byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}

const ESCAPES: Record<number, number> = { 110: 0x0a, 114: 0x0d, 116: 0x09, 98: 0x08, 97: 0x07 };

/**
 * Splits an inline command line into arguments with Redis's sdssplitargs rules: blanks separate
 * arguments; "double quotes" allow \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' allow
 * only \'; a closing quote must be followed by a blank or the end. Undefined on unbalanced quotes.
 * Unlike C it is binary-safe: a NUL byte is an ordinary character.
 */
export function splitInlineArgs(line: Uint8Array): Buffer[] | undefined {
  const out: Buffer[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    const start = i;
    let plain = true; // token so far is an unquoted run: return a view instead of a copy
    const bytes: number[] = [];
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return undefined;
        if (
          c === 0x5c &&
          line[i + 1] === 0x78 &&
          hexValue(line[i + 2]) >= 0 &&
          hexValue(line[i + 3]) >= 0
        ) {
          bytes.push(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]));
          i += 4;
        } else if (c === 0x5c && i + 1 < n) {
          const e = line[i + 1]!;
          bytes.push(ESCAPES[e] ?? e);
          i += 2;
        } else if (c === 0x22) {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          i++;
          break;
        } else {
          bytes.push(c);
          i++;
        }
      } else if (inSingle) {
        if (c === undefined) return undefined;
        if (c === 0x5c && line[i + 1] === 0x27) {
          bytes.push(0x27);
          i += 2;
        } else if (c === 0x27) {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          i++;
          break;
        } else {
          bytes.push(c);
          i++;
        }
      } else if (c === undefined || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        break;
      } else if (c === 0x22) {
        inDouble = true;
        plain = false;
        i++;
      } else if (c === 0x27) {
        inSingle = true;
        plain = false;
        i++;
      } else {
        bytes.push(c);
        i++;
      }
    }
    out.push(
      plain ? Buffer.from(line.buffer, line.byteOffset + start, i - start) : Buffer.from(bytes),
    );
  }
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f
    ? String.fromCharCode(byte)
    : `\\x${byte.toString(16).padStart(2, '0')}`;
}
