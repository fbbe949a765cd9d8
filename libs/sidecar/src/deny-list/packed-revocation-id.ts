/** Nibble value of each lowercase hex digit's char code, -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) NIBBLE[digit.toString(16).charCodeAt(0)] = digit;
const DASH = 0x2d;

/**
 * Writes a lowercase canonical UUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the form the
 * authority gives revocation ids) as four 32-bit words into `out[offset .. offset + 4)` and
 * returns true; returns false (writing nothing) for any other string, which the caller keeps as
 * a string. 16 bytes instead of a ~60-byte string object per rule. One pass over the char codes,
 * no regular expression and no substring: a cold start loads a million of them.
 */
export function packRevocationId(id: string, out: Uint32Array, offset: number): boolean {
  if (id.length !== 36 || id.charCodeAt(8) !== DASH || id.charCodeAt(13) !== DASH || id.charCodeAt(18) !== DASH || id.charCodeAt(23) !== DASH) return false;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  let digits = 0;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const code = id.charCodeAt(i);
    const nibble = code < 128 ? NIBBLE[code]! : -1;
    if (nibble < 0) return false;
    const word = digits >> 3;
    if (word === 0) w0 = (w0 << 4) | nibble;
    else if (word === 1) w1 = (w1 << 4) | nibble;
    else if (word === 2) w2 = (w2 << 4) | nibble;
    else w3 = (w3 << 4) | nibble;
    digits++;
  }
  out[offset] = w0 >>> 0;
  out[offset + 1] = w1 >>> 0;
  out[offset + 2] = w2 >>> 0;
  out[offset + 3] = w3 >>> 0;
  return true;
}

/** Two lowercase hex digits per byte value. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The UUID string {@link packRevocationId} packed at `offset`. */
export function unpackRevocationId(words: Uint32Array, offset: number): string {
  let hex = '';
  for (let word = 0; word < 4; word++) {
    const w = words[offset + word]!;
    hex += HEX[w >>> 24]! + HEX[(w >>> 16) & 0xff]! + HEX[(w >>> 8) & 0xff]! + HEX[w & 0xff]!;
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
