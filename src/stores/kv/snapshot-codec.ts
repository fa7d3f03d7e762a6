import type { Entry } from '../../storage/ordered-kv.js';

/**
 * The byte format of a KV snapshot: the state machine's storage entries, in key order.
 *
 *     "CKV1" | u32 entry count | per entry: u32 key length, key, u32 value length, value
 *
 * (u32 big-endian), followed by a u32 CRC-free end marker equal to the entry count, so a
 * truncated snapshot is detected.
 */

const MAGIC = Buffer.from('CKV1', 'latin1');

/** Thrown by {@link decodeSnapshot} for bytes that are not a whole KV snapshot. */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

/** Encodes entries as a snapshot. */
export function encodeSnapshot(entries: readonly Entry[]): Uint8Array {
  let size = MAGIC.length + 8;
  for (const e of entries) size += 8 + e.key.length + e.value.length;
  const out = Buffer.alloc(size);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt32BE(entries.length, at);
  for (const e of entries) {
    at = out.writeUInt32BE(e.key.length, at);
    out.set(e.key, at);
    at += e.key.length;
    at = out.writeUInt32BE(e.value.length, at);
    out.set(e.value, at);
    at += e.value.length;
  }
  out.writeUInt32BE(entries.length, at);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decodes a snapshot; throws {@link SnapshotFormatError} naming the offset of the problem. */
export function decodeSnapshot(data: Uint8Array): Entry[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const fail = (what: string, at: number): never => {
    throw new SnapshotFormatError(`KV snapshot (${buf.length} bytes): ${what} at offset ${at}`);
  };
  if (buf.length < MAGIC.length + 8 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    fail('missing the CKV1 header', 0);
  }
  let at = MAGIC.length;
  const count = buf.readUInt32BE(at);
  at += 4;
  const entries: Entry[] = [];
  const take = (what: string): Uint8Array => {
    if (at + 4 > buf.length) fail(`truncated ${what} length`, at);
    const n = buf.readUInt32BE(at);
    at += 4;
    if (at + n > buf.length) fail(`truncated ${what} (${n} bytes)`, at);
    const bytes = new Uint8Array(buf.subarray(at, at + n));
    at += n;
    return bytes;
  };
  for (let i = 0; i < count; i++) {
    const key = take(`key of entry ${i}`);
    entries.push({ key, value: take(`value of entry ${i}`) });
  }
  if (at + 4 !== buf.length || buf.readUInt32BE(at) !== count) fail('bad end marker', at);
  return entries;
}
