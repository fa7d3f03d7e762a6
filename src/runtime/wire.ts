import { Packr } from 'msgpackr';

/**
 * The node-to-node protocol inside the frames (src/runtime/frame-codec.ts). Each frame payload is
 * one msgpack array whose first element is the frame type. A connection carries messages one way:
 * the dialing node sends, the accepting node receives (each pair of nodes uses two connections, so
 * there is no race over who dials whom).
 *
 *     acceptor → dialer   [CHALLENGE, acceptorId, nonce, version]
 *     dialer → acceptor   [HELLO, dialerId, acceptorId, nonce, mac | null]
 *     acceptor → dialer   [WELCOME, mac | null]          (or [REJECT, reason], then close)
 *     dialer → acceptor   [MSG, payload] | [MSG, segment, seq, payload] (traced) | [PING, t]
 *     acceptor → dialer   [PONG, t]
 */
export const PROTOCOL_VERSION = 1;

export const CHALLENGE = 0;
export const HELLO = 1;
export const WELCOME = 2;
export const MSG = 3;
export const PING = 4;
export const PONG = 5;
export const REJECT = 6;

/** Thrown for a frame that does not decode to a valid protocol frame. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

// Records (msgpackr's extension for repeated object shapes) would make frames depend on state
// shared across a connection; plain msgpack keeps every frame self-contained.
const packr = new Packr({ useRecords: false });

/** Encodes one protocol frame payload. */
export function pack(value: unknown): Buffer {
  return packr.pack(value);
}

/** Decodes one frame payload into its array; throws {@link ProtocolError} naming the problem. */
export function unpackFrame(payload: Buffer): unknown[] {
  let value: unknown;
  try {
    value = packr.unpack(payload);
  } catch (e) {
    throw new ProtocolError(`undecodable frame (${(e as Error).message})`);
  }
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== 'number') {
    throw new ProtocolError('frame is not a [type, ...] array');
  }
  return value;
}

/** A decoded data message: payload, and its trace id parts when the sender traces. */
export interface WireMessage {
  readonly payload: unknown;
  /** The sender's trace segment and sequence number, or -1 when the sender does not trace. */
  readonly segment: number;
  readonly seq: number;
}

/** Encodes a data message. `segment`/`seq` (trace ids) are sent only when the sender traces. */
export function packMessage(payload: unknown, segment = -1, seq = -1): Buffer {
  return segment < 0 ? packr.pack([MSG, payload]) : packr.pack([MSG, segment, seq, payload]);
}

/** Reads a MSG frame's fields; throws {@link ProtocolError} on a malformed one. */
export function readMessage(frame: unknown[]): WireMessage {
  if (frame.length === 2) return { payload: frame[1], segment: -1, seq: -1 };
  const [, segment, seq, payload] = frame;
  if (frame.length !== 4 || !Number.isInteger(segment) || !Number.isInteger(seq)) {
    throw new ProtocolError('malformed MSG frame');
  }
  return { payload, segment: segment as number, seq: seq as number };
}
