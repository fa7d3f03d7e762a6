/**
 * Reply encoding. {@link ReplyWriter} appends replies to one growing buffer per flush, so a burst of
 * pipelined replies leaves in one socket write; large bulk values are referenced, not copied.
 * Pure: no I/O.
 */
import { RespError } from './errors.js';
import { EncodedReply, NULL_ARRAY, type Reply, SimpleString } from './reply.js';

/** Bulk values at least this large are queued by reference instead of copied. */
const LARGE_BULK_BYTES = 16 * 1024;
const INITIAL_BYTES = 4096;
/** Bursts up to this size leave as a copy; larger ones hand over the working buffer itself. */
const COPY_OUT_BYTES = 2048;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY_BYTES = Buffer.from('*-1\r\n');
const CRLF = Buffer.from('\r\n');
/** Pre-encoded `:n\r\n` for the integers handlers return most (counts, flags). */
const SMALL_INTEGERS: readonly Buffer[] = Array.from({ length: 64 }, (_, n) =>
  Buffer.from(`:${n}\r\n`),
);

/** Accumulates encoded replies; {@link take} hands them over as buffers for `socket.write`. */
export class ReplyWriter {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private len = 0;
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  /** Bytes written since the last {@link take}. */
  get byteLength(): number {
    return this.chunkBytes + this.len;
  }

  /**
   * Appends the encoding of `reply`. On a malformed reply it throws a TypeError naming the problem
   * and leaves the writer exactly as it was (nothing of the bad reply is written).
   */
  write(reply: Reply): void {
    const savedBuf = this.buf;
    const savedLen = this.len;
    const savedChunks = this.chunks.length;
    const savedChunkBytes = this.chunkBytes;
    try {
      this.writeValue(reply, 0);
    } catch (error) {
      this.buf = savedBuf;
      this.len = savedLen;
      this.chunks.length = savedChunks;
      this.chunkBytes = savedChunkBytes;
      throw error;
    }
  }

  /** Appends an error reply (`-line`). */
  writeError(error: RespError): void {
    this.writeAscii(`-${error.line}\r\n`);
  }

  /** The bytes written so far, as one or more buffers; the writer is empty afterwards. */
  take(): Buffer[] {
    if (this.len > 0) {
      if (this.len <= COPY_OUT_BYTES) {
        // A small burst is copied out (into Node's shared pool) so the working buffer is reused;
        // allocating a fresh working buffer per flush cost more than the copy.
        const out = Buffer.allocUnsafe(this.len);
        this.buf.copy(out, 0, 0, this.len);
        this.chunks.push(out);
        this.chunkBytes += this.len;
        this.len = 0;
      } else {
        this.flushBuf();
      }
    }
    const out = this.chunks;
    this.chunks = [];
    this.chunkBytes = 0;
    return out;
  }

  private writeValue(reply: Reply, depth: number): void {
    if (reply === null) {
      this.writeBytes(NULL_BULK);
    } else if (typeof reply === 'number') {
      if (reply >= 0 && reply < 64 && Number.isInteger(reply)) {
        this.writeBytes(SMALL_INTEGERS[reply]!);
      } else if (Number.isSafeInteger(reply)) {
        this.writeAscii(`:${reply}\r\n`);
      } else {
        throw new TypeError(`integer reply is not a safe integer: ${reply}`);
      }
    } else if (typeof reply === 'bigint') {
      if (reply < INT64_MIN || reply > INT64_MAX) {
        throw new TypeError(`integer reply outside the signed 64-bit range: ${reply}`);
      }
      this.writeAscii(`:${reply}\r\n`);
    } else if (typeof reply === 'string') {
      this.writeStringBulk(reply);
    } else if (reply === NULL_ARRAY) {
      this.writeBytes(NULL_ARRAY_BYTES);
    } else if (reply instanceof Uint8Array) {
      this.writeBulk(reply);
    } else if (reply instanceof EncodedReply) {
      this.writeBytes(reply.bytes);
    } else if (reply instanceof SimpleString) {
      if (/[\r\n]/.test(reply.value)) {
        throw new TypeError(
          `simple string reply contains CR or LF: ${JSON.stringify(reply.value)}`,
        );
      }
      this.writeUtf8(`+${reply.value}\r\n`);
    } else if (reply instanceof RespError) {
      this.writeUtf8(`-${reply.line}\r\n`);
    } else if (Array.isArray(reply)) {
      if (depth > 64) throw new TypeError('array reply nested more than 64 levels deep');
      this.writeAscii(`*${reply.length}\r\n`);
      for (const item of reply as readonly Reply[]) this.writeValue(item, depth + 1);
    } else {
      throw new TypeError(`not a RESP reply: ${describeValue(reply)}`);
    }
  }

  private writeStringBulk(value: string): void {
    const bytes = Buffer.byteLength(value, 'utf8');
    const header = `$${bytes}\r\n`;
    this.reserve(header.length + bytes + 2);
    this.len += this.buf.write(header, this.len, 'latin1');
    this.len += this.buf.write(value, this.len, 'utf8');
    this.buf[this.len++] = 0x0d;
    this.buf[this.len++] = 0x0a;
  }

  private writeBulk(value: Uint8Array): void {
    this.writeAscii(`$${value.length}\r\n`);
    if (value.length >= LARGE_BULK_BYTES) {
      this.flushBuf();
      const view = Buffer.isBuffer(value)
        ? value
        : Buffer.from(value.buffer, value.byteOffset, value.length);
      this.chunks.push(view);
      this.chunkBytes += view.length;
      this.writeBytes(CRLF);
    } else {
      this.writeBytes(value);
      this.writeBytes(CRLF);
    }
  }

  private writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  private writeAscii(text: string): void {
    this.reserve(text.length);
    this.len += this.buf.write(text, this.len, 'latin1');
  }

  private writeUtf8(text: string): void {
    this.reserve(Buffer.byteLength(text, 'utf8'));
    this.len += this.buf.write(text, this.len, 'utf8');
  }

  private reserve(bytes: number): void {
    if (this.len + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  /** Moves the filled part of `buf` into `chunks`; later writes go to a fresh buffer, because the
   * socket may still hold the old one. */
  private flushBuf(): void {
    if (this.len === 0) return;
    this.chunks.push(this.buf.subarray(0, this.len));
    this.chunkBytes += this.len;
    this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    this.len = 0;
  }
}

/** The RESP2 encoding of one reply. Throws a TypeError on a malformed reply. */
export function encodeReply(reply: Reply): Buffer {
  const writer = new ReplyWriter();
  writer.write(reply);
  return Buffer.concat(writer.take());
}

/** Encodes a command as a multibulk request, as client libraries send it. */
export function encodeCommand(args: readonly (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : Buffer.from(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return value?.constructor?.name ?? 'object';
  return typeof value;
}
