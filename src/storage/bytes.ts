/**
 * Byte helpers. Keys are compared as unsigned bytes, lexicographically (shorter prefix first).
 *
 * Internally the in-memory stores key their maps by *latin1 strings*: each byte becomes one UTF-16
 * code unit in 0..255, so JavaScript's native string comparison is exactly unsigned lexicographic
 * byte order, and much faster than a comparator over Uint8Arrays.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8 bytes; throws on invalid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Unsigned lexicographic comparison: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The map key (latin1 string) of a byte key. */
export function toKeyString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The byte key of a map key made by {@link toKeyString}. */
export function fromKeyString(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'latin1'));
}

/** Copies bytes so the caller's later mutation cannot change stored data. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Readable form of a key for errors and traces: UTF-8 when printable, else hex. */
export function describeBytes(bytes: Uint8Array): string {
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e) return `0x${Buffer.from(bytes).toString('hex')}`;
  }
  return JSON.stringify(Buffer.from(bytes).toString('latin1'));
}
