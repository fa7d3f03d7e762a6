/**
 * Incremental parser for RESP2 *replies*: the client side, used by tests, tools and clients.
 * An incomplete reply is parsed again from its start once enough bytes have arrived to possibly
 * finish it (a bulk's length is known from its header), and received chunks are joined once per
 * attempt, so a large reply arriving in many chunks costs O(size), not O(size²).
 */
import { RespError, RespProtocolError } from './errors.js';
import { parseCanonicalInteger } from './parser.js';
import { NULL_ARRAY, type NullArray, SimpleString } from './reply.js';

/** A decoded reply: bulk strings as Buffers, integers as numbers (bigint beyond 2^53). */
export type ParsedReply =
  | null
  | number
  | bigint
  | Buffer
  | SimpleString
  | RespError
  | NullArray
  | ParsedReply[];

const INCOMPLETE = Symbol('incomplete');

/** Parses a stream of replies; `push` chunks, `next` returns each complete reply in order. */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Chunks received since `buf` was last joined, and their total size. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Unparsed bytes needed before the reply at `pos` can possibly be complete (0: unknown). */
  private needed = 0;

  push(chunk: Buffer): void {
    if (this.pending.length === 0 && this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
  }

  /** The next complete reply, or undefined if more bytes are needed. Throws on malformed input. */
  next(): ParsedReply | undefined {
    if (this.buf.length - this.pos + this.pendingBytes < this.needed) return undefined;
    if (this.pending.length > 0) {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), ...this.pending]);
      this.pos = 0;
      this.pending = [];
      this.pendingBytes = 0;
    }
    const at = { pos: this.pos };
    const value = this.parse(at);
    if (value === INCOMPLETE) return undefined;
    this.pos = at.pos;
    this.needed = 0;
    return value;
  }

  /** Records that the reply at `pos` needs the buffer to reach `end` at least; incomplete. */
  private incomplete(end: number): typeof INCOMPLETE {
    this.needed = end - this.pos;
    return INCOMPLETE;
  }

  private parse(at: { pos: number }): ParsedReply | typeof INCOMPLETE {
    const buf = this.buf;
    if (at.pos >= buf.length) return this.incomplete(at.pos + 1);
    const type = buf[at.pos]!;
    const cr = buf.indexOf('\r\n', at.pos);
    if (cr < 0) return this.incomplete(buf.length + 1);
    const lineStart = at.pos + 1;
    const line = () => buf.toString('utf8', lineStart, cr);
    const integer = () => {
      const n = parseCanonicalInteger(buf, lineStart, cr);
      if (Number.isNaN(n))
        throw new RespProtocolError(`invalid integer '${line()}' in reply`, at.pos);
      return n;
    };
    switch (type) {
      case 0x2b: // +
        at.pos = cr + 2;
        return new SimpleString(line());
      case 0x2d: {
        // -CODE message
        const text = line();
        at.pos = cr + 2;
        const space = text.indexOf(' ');
        return space < 0
          ? new RespError('', text)
          : new RespError(text.slice(space + 1), text.slice(0, space));
      }
      case 0x3a: {
        // :n — exact as bigint when beyond the safe range
        const n = integer();
        const value = Number.isSafeInteger(n) ? n : BigInt(buf.toString('latin1', lineStart, cr));
        at.pos = cr + 2;
        return value;
      }
      case 0x24: {
        const n = integer();
        if (n < 0) {
          at.pos = cr + 2;
          return null;
        }
        const start = cr + 2;
        if (buf.length < start + n + 2) return this.incomplete(start + n + 2);
        at.pos = start + n + 2;
        return buf.subarray(start, start + n);
      }
      case 0x2a: {
        const n = integer();
        at.pos = cr + 2;
        if (n < 0) return NULL_ARRAY;
        const items: ParsedReply[] = [];
        for (let i = 0; i < n; i++) {
          const item = this.parse(at);
          if (item === INCOMPLETE) return INCOMPLETE;
          items.push(item);
        }
        return items;
      }
      default:
        throw new RespProtocolError(`unknown reply type byte 0x${type.toString(16)}`, at.pos);
    }
  }
}
