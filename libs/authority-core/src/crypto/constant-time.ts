import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a UTF-8 string or bytes. */
export function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Compares two secrets in time independent of where they differ and of their lengths.
 * Both sides are hashed first: `timingSafeEqual` needs equal lengths, and comparing lengths
 * directly would leak the expected secret's length.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

/** Compares a presented secret with a stored SHA-256 digest in constant time. */
export function secretMatchesDigest(presented: string, expectedDigest: Buffer): boolean {
  const actual = sha256(presented);
  return actual.length === expectedDigest.length && timingSafeEqual(actual, expectedDigest);
}
