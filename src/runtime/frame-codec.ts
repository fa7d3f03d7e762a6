/**
 * Binary framing of the node-to-node protocol: every frame is a 4-byte unsigned big-endian length
 * followed by that many payload bytes. The decoder is incremental (TCP delivers arbitrary chunks)
 * and refuses a frame whose announced length exceeds the limit before buffering any of it, so a
 * peer cannot make a node allocate gigabytes with four bytes.
 */

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** Default largest payload accepted, in bytes: 16 MiB. */
export const DEFAULT_FRAME_BYTES_MAX = 16 * 1024 * 1024;

/** Thrown by {@link FrameDecoder.push} for a stream that breaks the framing rules. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Prefixes `payload` with its length. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** Splits a byte stream into frame payloads. */
export class FrameDecoder {
  // Chunks of an incomplete frame are kept apart and joined once the frame is complete, so a
  // large frame arriving in many chunks is copied once, not once per chunk.
  #chunks: Buffer[] = [];
  #bufferedBytes = 0;
  /** Length of the frame being assembled, once its header is known; -1 before. */
  #need = -1;
  #frameBytesMax: number;

  /** `frameBytesMax`: largest payload accepted, in bytes (default {@link DEFAULT_FRAME_BYTES_MAX}). */
  constructor(frameBytesMax = DEFAULT_FRAME_BYTES_MAX) {
    this.#frameBytesMax = frameBytesMax;
  }

  /** Changes the limit (the handshake runs with a small one, raised once the peer is known). */
  set frameBytesMax(bytes: number) {
    this.#frameBytesMax = bytes;
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /**
   * Adds `chunk` and returns the payloads of the frames it completes (views into the received
   * bytes). Throws {@link FrameError} on an empty or oversized frame; the stream is unusable
   * afterwards.
   */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#bufferedBytes += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.#need < 0) {
        if (this.#bufferedBytes < FRAME_HEADER_BYTES) return out;
        const head = this.#head();
        const length = head.readUInt32BE(0);
        if (length === 0) throw new FrameError('empty frame (length 0)');
        if (length > this.#frameBytesMax) {
          throw new FrameError(
            `frame of ${length} bytes exceeds the limit of ${this.#frameBytesMax} bytes`,
          );
        }
        this.#need = length;
      }
      const total = FRAME_HEADER_BYTES + this.#need;
      if (this.#bufferedBytes < total) return out;
      const buf = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : this.#join();
      out.push(buf.subarray(FRAME_HEADER_BYTES, total));
      const rest = buf.subarray(total);
      this.#chunks = rest.length === 0 ? [] : [rest];
      this.#bufferedBytes = rest.length;
      this.#need = -1;
    }
  }

  /** The first four buffered bytes, joining chunks when the header is split across them. */
  #head(): Buffer {
    const first = this.#chunks[0] as Buffer;
    return first.length >= FRAME_HEADER_BYTES ? first : this.#join();
  }

  #join(): Buffer {
    const joined = Buffer.concat(this.#chunks, this.#bufferedBytes);
    this.#chunks = [joined];
    return joined;
  }
}
