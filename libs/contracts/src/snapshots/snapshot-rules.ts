import { REVOCATION_TARGET_TYPES, type RevocationTargetType } from '../events/revocation-issued';

/**
 * One live deny rule of a snapshot: what a `revocation.issued` event says a sidecar must hold,
 * already merged per target (the latest cut-off and the latest expiry win, as in the sidecar's
 * deny list).
 */
export interface SnapshotRule {
  readonly revocationId: string;
  readonly targetType: RevocationTargetType;
  readonly value: string;
  /** The issuer the rule applies to; undefined for the authority's own tokens. */
  readonly iss: string | undefined;
  /** Seconds; meaningless (and not stored) for `jti` rules, read back as 0. */
  readonly notAfterIat: number;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/**
 * The binary body of a snapshot: a compact list of rules, little-endian.
 *
 * ```text
 * "RMSR" | u8 format (1) | u8 0 | u8 0 | u8 0
 * u32 issuer count, then per issuer: u16 byte length + UTF-8
 * u32 rule count, then per rule:
 *   u8 flags: bits 0-2 target type (index in REVOCATION_TARGET_TYPES), bit 3 value is a packed
 *             UUID, bit 4 revocation id is a packed UUID, bit 5 has an issuer
 *   [u16 issuer index]                       if bit 5
 *   value: 16 bytes                           if bit 3, else u16 byte length + UTF-8
 *   revocation id: 16 bytes                   if bit 4, else u8 byte length + UTF-8
 *   f64 not_after_iat                         unless the type is jti
 *   f64 expires_at
 * ```
 *
 * A `jti` rule whose token id and revocation id are UUIDs takes 41 bytes (1M such rules: 41 MB,
 * before Kafka's compression). Plain values, not hashes: the sidecar's rule keys are keyed by a
 * secret drawn per process (see the sidecar's `rule-key.ts`), so no hash computed elsewhere
 * could be used, and a published hash would let anyone aim for collisions.
 */
export const SNAPSHOT_RULES_MAGIC = 'RMSR';
export const SNAPSHOT_RULES_FORMAT = 1;

const FLAG_TYPE = 0x07;
const FLAG_PACKED_VALUE = 0x08;
const FLAG_PACKED_ID = 0x10;
const FLAG_ISS = 0x20;
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TYPE_INDEX: ReadonlyMap<string, number> = new Map(REVOCATION_TARGET_TYPES.map((type, index) => [type, index]));

/** The body is malformed (truncated, or bytes that no encoder wrote). */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

const isUuid = (text: string): boolean => text.length === 36 && CANONICAL_UUID.test(text);

function writeUuid(text: string, out: Buffer, at: number): number {
  out.write(text.slice(0, 8) + text.slice(9, 13) + text.slice(14, 18) + text.slice(19, 23) + text.slice(24), at, 'hex');
  return at + 16;
}

/** Char codes of the two lowercase hex digits of each byte value. */
const HEX_CODES = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  const hex = byte.toString(16).padStart(2, '0');
  HEX_CODES[2 * byte] = hex.charCodeAt(0);
  HEX_CODES[2 * byte + 1] = hex.charCodeAt(1);
}
const uuidScratch = Buffer.alloc(36);

/**
 * The canonical UUID string of 16 bytes, written into a scratch buffer and read back as one flat
 * Latin-1 string: a million per cold start, and a flat string is what hashing and packing read
 * fastest (a string built by concatenation is flattened again by its first reader).
 */
function readUuid(bytes: Buffer, at: number): string {
  let out = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) uuidScratch[out++] = 0x2d;
    const code = bytes[at + i]! * 2;
    uuidScratch[out++] = HEX_CODES[code]!;
    uuidScratch[out++] = HEX_CODES[code + 1]!;
  }
  return uuidScratch.toString('latin1', 0, 36);
}

/** Encodes rules (any order) into a snapshot body. Throws a `TypeError` for a rule no sidecar could hold. */
export function encodeSnapshotRules(rules: Iterable<SnapshotRule>): Buffer {
  const issuers = new Map<string, number>();
  const parts: Buffer[] = [];
  let size = 0;
  let count = 0;
  // Rules are written into blocks of 1 MiB, so a million of them cost no per-rule allocation.
  let block = Buffer.allocUnsafe(1 << 20);
  let at = 0;
  const room = (bytes: number): void => {
    if (at + bytes <= block.length) return;
    parts.push(block.subarray(0, at));
    size += at;
    block = Buffer.allocUnsafe(Math.max(1 << 20, bytes));
    at = 0;
  };
  for (const rule of rules) {
    const type = TYPE_INDEX.get(rule.targetType);
    if (type === undefined) throw new TypeError(`snapshot rule ${rule.revocationId}: unknown target type ${rule.targetType}`);
    const valueBytes = Buffer.byteLength(rule.value, 'utf8');
    const idBytes = Buffer.byteLength(rule.revocationId, 'utf8');
    if (valueBytes > 0xffff || idBytes > 0xff) throw new TypeError(`snapshot rule ${rule.revocationId}: value or revocation id too long`);
    let issuer = -1;
    if (rule.iss !== undefined) {
      issuer = issuers.get(rule.iss) ?? issuers.size;
      if (issuer > 0xffff) throw new TypeError('snapshot: more than 65536 issuers');
      issuers.set(rule.iss, issuer);
    }
    const packedValue = isUuid(rule.value);
    const packedId = isUuid(rule.revocationId);
    room(1 + 2 + 2 + valueBytes + 1 + idBytes + 16);
    block[at++] = type | (packedValue ? FLAG_PACKED_VALUE : 0) | (packedId ? FLAG_PACKED_ID : 0) | (issuer >= 0 ? FLAG_ISS : 0);
    if (issuer >= 0) at = block.writeUInt16LE(issuer, at);
    if (packedValue) at = writeUuid(rule.value, block, at);
    else {
      at = block.writeUInt16LE(valueBytes, at);
      at += block.write(rule.value, at, 'utf8');
    }
    if (packedId) at = writeUuid(rule.revocationId, block, at);
    else {
      block[at++] = idBytes;
      at += block.write(rule.revocationId, at, 'utf8');
    }
    if (rule.targetType !== 'jti') at = block.writeDoubleLE(rule.notAfterIat, at);
    at = block.writeDoubleLE(rule.expiresAt, at);
    count++;
  }
  parts.push(block.subarray(0, at));
  size += at;

  const issuerNames = [...issuers.keys()].map((name) => Buffer.from(name, 'utf8'));
  const head = Buffer.alloc(8 + 4 + issuerNames.reduce((sum, name) => sum + 2 + name.length, 0) + 4);
  let h = head.write(SNAPSHOT_RULES_MAGIC, 0, 'ascii');
  head[h++] = SNAPSHOT_RULES_FORMAT;
  h = 8;
  h = head.writeUInt32LE(issuerNames.length, h);
  for (const name of issuerNames) {
    if (name.length > 0xffff) throw new TypeError('snapshot: issuer longer than 65535 bytes');
    h = head.writeUInt16LE(name.length, h);
    h += name.copy(head, h);
  }
  head.writeUInt32LE(count, h);
  return Buffer.concat([head, ...parts], head.length + size);
}

/**
 * Calls `visit` for every rule of a snapshot body, in order, with one object reused between
 * calls (copy what you keep). Returns how many rules it read.
 *
 * @throws {SnapshotFormatError} for a body that is truncated or malformed; rules visited before
 * the fault were valid, so a caller that must be all-or-nothing decodes into a scratch list or
 * calls {@link countSnapshotRules} first.
 */
export function forEachSnapshotRule(body: Buffer, visit: (rule: SnapshotRule) => void): number {
  const need = (at: number, bytes: number): void => {
    if (at + bytes > body.length) throw new SnapshotFormatError(`snapshot body truncated at byte ${at} of ${body.length}`);
  };
  need(0, 12);
  if (body.toString('ascii', 0, 4) !== SNAPSHOT_RULES_MAGIC) throw new SnapshotFormatError('not a snapshot body (bad magic)');
  if (body[4] !== SNAPSHOT_RULES_FORMAT) throw new SnapshotFormatError(`snapshot body format ${body[4]} is not supported (supported: ${SNAPSHOT_RULES_FORMAT})`);
  let at = 8;
  const issuerCount = body.readUInt32LE(at);
  at += 4;
  const issuers: string[] = [];
  for (let i = 0; i < issuerCount; i++) {
    need(at, 2);
    const length = body.readUInt16LE(at);
    need(at + 2, length);
    issuers.push(body.toString('utf8', at + 2, at + 2 + length));
    at += 2 + length;
  }
  need(at, 4);
  const count = body.readUInt32LE(at);
  at += 4;
  const rule = { revocationId: '', targetType: 'jti' as RevocationTargetType, value: '', iss: undefined as string | undefined, notAfterIat: 0, expiresAt: 0 };
  for (let i = 0; i < count; i++) {
    need(at, 1);
    const flags = body[at++]!;
    const targetType = REVOCATION_TARGET_TYPES[flags & FLAG_TYPE];
    if (targetType === undefined || (flags & ~(FLAG_TYPE | FLAG_PACKED_VALUE | FLAG_PACKED_ID | FLAG_ISS)) !== 0) {
      throw new SnapshotFormatError(`snapshot rule ${i}: unknown flags ${flags}`);
    }
    rule.targetType = targetType;
    rule.iss = undefined;
    if ((flags & FLAG_ISS) !== 0) {
      need(at, 2);
      rule.iss = issuers[body.readUInt16LE(at)];
      if (rule.iss === undefined) throw new SnapshotFormatError(`snapshot rule ${i}: unknown issuer index`);
      at += 2;
    }
    if ((flags & FLAG_PACKED_VALUE) !== 0) {
      need(at, 16);
      rule.value = readUuid(body, at);
      at += 16;
    } else {
      need(at, 2);
      const length = body.readUInt16LE(at);
      need(at + 2, length);
      rule.value = body.toString('utf8', at + 2, at + 2 + length);
      at += 2 + length;
    }
    if ((flags & FLAG_PACKED_ID) !== 0) {
      need(at, 16);
      rule.revocationId = readUuid(body, at);
      at += 16;
    } else {
      need(at, 1);
      const length = body[at]!;
      need(at + 1, length);
      rule.revocationId = body.toString('utf8', at + 1, at + 1 + length);
      at += 1 + length;
    }
    const fixed = targetType === 'jti' ? 8 : 16;
    need(at, fixed);
    rule.notAfterIat = targetType === 'jti' ? 0 : body.readDoubleLE(at);
    rule.expiresAt = body.readDoubleLE(at + fixed - 8);
    at += fixed;
    visit(rule);
  }
  if (at !== body.length) throw new SnapshotFormatError(`snapshot body has ${body.length - at} bytes after its last rule`);
  return count;
}

/**
 * Merges revocations (in the order they were decided) into the rules a sidecar holds for them:
 * one rule per (issuer, target type, value), with the latest cut-off (and the revocation that set
 * it; the first one on a tie) and the latest expiry, rules expired at `now` left out. This is the
 * sidecar deny list's own merge, so loading the result equals applying every revocation's event.
 */
export function mergeSnapshotRules(revocations: Iterable<SnapshotRule>, now: number): SnapshotRule[] {
  const merged = new Map<string, SnapshotRule>();
  for (const rule of revocations) {
    if (rule.expiresAt <= now) continue;
    const key = `${rule.iss === undefined ? '' : `${rule.iss.length}:${rule.iss}`}|${rule.targetType}|${rule.value}`;
    const held = merged.get(key);
    if (held === undefined) {
      merged.set(key, { ...rule, notAfterIat: rule.targetType === 'jti' ? 0 : rule.notAfterIat });
      continue;
    }
    const later = rule.targetType !== 'jti' && rule.notAfterIat > held.notAfterIat;
    merged.set(key, {
      ...held,
      ...(later ? { revocationId: rule.revocationId, notAfterIat: rule.notAfterIat } : {}),
      expiresAt: Math.max(held.expiresAt, rule.expiresAt),
    });
  }
  return [...merged.values()];
}
