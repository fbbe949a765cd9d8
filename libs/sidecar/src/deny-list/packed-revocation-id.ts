/** A lowercase canonical UUID, the form the authority gives revocation ids. */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Writes a lowercase canonical UUID as four 32-bit words into `out[offset .. offset + 4)` and
 * returns true; returns false (writing nothing) for any other string, which the caller keeps as
 * a string. 16 bytes instead of a ~60-byte string object per rule.
 */
export function packRevocationId(id: string, out: Uint32Array, offset: number): boolean {
  if (id.length !== 36 || !CANONICAL_UUID.test(id)) return false;
  const hex = id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
  for (let word = 0; word < 4; word++) out[offset + word] = Number.parseInt(hex.slice(word * 8, word * 8 + 8), 16);
  return true;
}

/** The UUID string {@link packRevocationId} packed at `offset`. */
export function unpackRevocationId(words: Uint32Array, offset: number): string {
  let hex = '';
  for (let word = 0; word < 4; word++) hex += words[offset + word]!.toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
