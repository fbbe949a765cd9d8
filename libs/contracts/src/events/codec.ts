import { revmeshEventSchema, SUPPORTED_EVENT_VERSIONS, type RevmeshEvent } from './event';

/** Why an event could not be decoded. Stable: sidecars count rejections by these values. */
export type EventRejectionReason =
  | 'EMPTY'
  | 'TOO_LARGE'
  | 'MALFORMED_JSON'
  | 'UNKNOWN_TYPE'
  | 'UNSUPPORTED_VERSION'
  | 'SCHEMA_INVALID'
  /** Plain JSON where a signed JWS was expected. */
  | 'UNSIGNED'
  /** Not a compact JWS, or its header cannot be read. */
  | 'MALFORMED_JWS'
  /** Signed by a key the reader does not trust (or names none). */
  | 'UNKNOWN_SIGNER'
  /** Wrong algorithm or type, or the signature does not verify. */
  | 'SIGNATURE_INVALID'
  /** An event id the reader has already applied, seen again. */
  | 'REPLAY'
  /** A key event no newer than what the reader holds for that key (an old event replayed). */
  | 'STALE_KEY_EVENT';

export type DecodeResult =
  | { readonly ok: true; readonly event: RevmeshEvent }
  | { readonly ok: false; readonly reason: EventRejectionReason; readonly message: string };

/** Events are small; anything bigger is hostile or broken and is not parsed at all. */
export const MAX_EVENT_BYTES = 64 * 1024;

/** Serialises an event for the wire (UTF-8 JSON). Validates first: the authority never publishes what a sidecar would reject. */
export function encodeEvent(event: RevmeshEvent): Buffer {
  const checked = revmeshEventSchema.parse(event);
  return Buffer.from(JSON.stringify(checked), 'utf8');
}

/** Parses and validates bytes read from Kafka. Never throws. */
export function decodeEvent(bytes: Buffer | Uint8Array | string | null | undefined): DecodeResult {
  if (bytes === null || bytes === undefined || bytes.length === 0) {
    return { ok: false, reason: 'EMPTY', message: 'event has no value' };
  }
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  if (size > MAX_EVENT_BYTES) {
    return { ok: false, reason: 'TOO_LARGE', message: `event is ${size} bytes, limit is ${MAX_EVENT_BYTES}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'MALFORMED_JSON', message: `event is not JSON: ${(error as Error).message}` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'SCHEMA_INVALID', message: 'event must be a JSON object' };
  }
  const { type, version } = raw as { type?: unknown; version?: unknown };
  if (typeof type !== 'string' || !Object.hasOwn(SUPPORTED_EVENT_VERSIONS, type)) {
    return { ok: false, reason: 'UNKNOWN_TYPE', message: `unknown event type ${JSON.stringify(type)}` };
  }
  const versions = SUPPORTED_EVENT_VERSIONS[type as keyof typeof SUPPORTED_EVENT_VERSIONS];
  if (typeof version !== 'number' || !versions.includes(version)) {
    return {
      ok: false,
      reason: 'UNSUPPORTED_VERSION',
      message: `event type ${type} version ${JSON.stringify(version)} is not supported (supported: ${versions.join(', ')})`,
    };
  }
  const parsed = revmeshEventSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? first.path.join('.') : '(root)';
    return { ok: false, reason: 'SCHEMA_INVALID', message: `${where}: ${first?.message ?? 'invalid'}` };
  }
  return { ok: true, event: parsed.data };
}
