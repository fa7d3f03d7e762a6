import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The handshake's proofs: HMAC-SHA256 over both nonces and both node ids, keyed by the shared
 * secret, so the secret never crosses the wire and a recorded handshake cannot be replayed (the
 * acceptor's nonce is fresh per connection). Each side proves itself: the dialer with a MAC over
 * the acceptor's nonce, the acceptor with a MAC (under a different label) over the dialer's.
 */

/** Bytes of a handshake nonce. */
export const NONCE_BYTES = 16;

/** A fresh random nonce. */
export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** Which side a proof comes from: labels keep a dialer's MAC from passing as an acceptor's. */
export type HandshakeRole = 'dialer' | 'acceptor';

/** The MAC `role` sends: over the ids and both nonces (the verifier's nonce is the challenge). */
export function handshakeMac(
  secret: string,
  role: HandshakeRole,
  dialer: string,
  acceptor: string,
  dialerNonce: Uint8Array,
  acceptorNonce: Uint8Array,
): Buffer {
  return createHmac('sha256', secret)
    .update(`cadre-handshake-v1\0${role}\0${dialer}\0${acceptor}\0`)
    .update(dialerNonce)
    .update(acceptorNonce)
    .digest();
}

/** Constant-time check of a received MAC against the expected one. */
export function macMatches(expected: Buffer, received: unknown): boolean {
  return (
    received instanceof Uint8Array &&
    received.length === expected.length &&
    timingSafeEqual(expected, received)
  );
}
