import { randomBytes } from 'node:crypto';
import { sha256 } from '../crypto/constant-time';

/** Every refresh token starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const REFRESH_TOKEN_PREFIX = 'rmrt_';
/** Random bytes in a refresh token: 256 bits, out of reach of guessing whatever the hash costs. */
const REFRESH_TOKEN_BYTES = 32;
const REFRESH_TOKEN_PATTERN = /^rmrt_[A-Za-z0-9_-]{43}$/;

/** A new opaque refresh token and the digest the store keeps instead of it. */
export function newRefreshToken(): { readonly token: string; readonly digest: Buffer } {
  const token = `${REFRESH_TOKEN_PREFIX}${randomBytes(REFRESH_TOKEN_BYTES).toString('base64url')}`;
  return { token, digest: sha256(token) };
}

/**
 * The stored digest of a presented refresh token, or undefined when it cannot be one (wrong
 * shape): such a value is never looked up. Plain SHA-256 is enough for 256 random bits (no
 * dictionary to slow down), as for client secrets.
 */
export function refreshTokenDigest(token: string): Buffer | undefined {
  return REFRESH_TOKEN_PATTERN.test(token) ? sha256(token) : undefined;
}
