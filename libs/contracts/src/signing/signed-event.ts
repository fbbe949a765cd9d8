import { verify as verifySignature } from 'node:crypto';
import { CompactSign, decodeProtectedHeader } from 'jose';
import type { CryptoKey, KeyObject } from 'jose' with { 'resolution-mode': 'import' };
import { decodeEvent, encodeEvent, MAX_EVENT_BYTES, type EventRejectionReason } from '../events/codec';
import { EVENT_BATCH_SEPARATOR, openBatchSignedEventText } from './batch-signed-event';
import { takePrecheckedSignature } from './signature-precheck';
import type { RevmeshEvent } from '../events/event';
import { asNodeKeyObject, COMPACT_JWS } from './node-key-object';

/**
 * Every event on a revmesh topic is a compact JWS (RFC 7515) signed by the authority's
 * event-signing key: Ed25519 (`alg: EdDSA`), `typ` below, `kid` naming the signer. The signature
 * covers the exact event bytes, so a record written straight into Kafka by anyone without the
 * private key is rejected, whatever it says.
 */
export const EVENT_JWS_TYP = 'revmesh-event+jws';
export const EVENT_JWS_ALG = 'EdDSA';

/** The authority's side: the private half of an event-signing key. */
export interface EventSigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey | KeyObject;
}

/** The sidecar's side: which signers it trusts right now. */
export interface EventSignerTrust {
  /** The public key of a trusted signer, or undefined when `kid` is not trusted. */
  publicKeyFor(kid: string): CryptoKey | KeyObject | undefined;
}

export type OpenedEvent =
  | { readonly ok: true; readonly event: RevmeshEvent; readonly signerKid: string }
  | { readonly ok: false; readonly reason: EventRejectionReason; readonly message: string; readonly signerKid?: string };

/** Validates, serialises and signs an event; the result is the Kafka record value. */
export async function signEvent(event: RevmeshEvent, key: EventSigningKey): Promise<Buffer> {
  const jws = await new CompactSign(encodeEvent(event))
    .setProtectedHeader({ alg: EVENT_JWS_ALG, typ: EVENT_JWS_TYP, kid: key.kid })
    .sign(key.privateKey);
  return Buffer.from(jws, 'ascii');
}



/**
 * Checks an event record's signature against the trusted signers, then decodes and validates
 * the event inside. Never throws: every failure is a reason the caller counts and logs.
 *
 * Synchronous: the Ed25519 check runs with node:crypto on the calling thread (tens of µs), which
 * is cheaper than a round trip through the libuv pool that WebCrypto takes for each record, and
 * lets a reader check a record without yielding. {@link openSignedEvent} is the same check.
 */
export function openSignedEventSync(bytes: Buffer | Uint8Array | string | null | undefined, trust: EventSignerTrust): OpenedEvent {
  if (bytes === null || bytes === undefined || bytes.length === 0) {
    return { ok: false, reason: 'EMPTY', message: 'event has no value' };
  }
  // base64url inflates by 4/3; leave room for the header and signature.
  if (bytes.length > Math.ceil(MAX_EVENT_BYTES * 1.4) + 1024) {
    return { ok: false, reason: 'TOO_LARGE', message: `signed event is ${bytes.length} bytes` };
  }
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (text.trimStart().startsWith('{')) {
    return { ok: false, reason: 'UNSIGNED', message: 'event is plain JSON, not a signed JWS' };
  }
  // One record of a batch signed as a whole (see batch-signed-event.ts): same checks, one signature per batch.
  if (text.includes(EVENT_BATCH_SEPARATOR)) return openBatchSignedEventText(text, trust);
  if (!COMPACT_JWS.test(text)) {
    return { ok: false, reason: 'MALFORMED_JWS', message: 'event is not a compact JWS' };
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(text);
  } catch (error) {
    return { ok: false, reason: 'MALFORMED_JWS', message: `unreadable JWS header: ${(error as Error).message}` };
  }
  if (header.alg !== EVENT_JWS_ALG || header.typ !== EVENT_JWS_TYP) {
    return {
      ok: false,
      reason: 'SIGNATURE_INVALID',
      message: `event JWS must have alg ${EVENT_JWS_ALG} and typ ${EVENT_JWS_TYP}, got alg ${String(header.alg)} typ ${String(header.typ)}`,
    };
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const key = kid === undefined ? undefined : trust.publicKeyFor(kid);
  if (kid === undefined || key === undefined) {
    return { ok: false, reason: 'UNKNOWN_SIGNER', message: `event signed by untrusted key ${JSON.stringify(kid)}`, ...(kid ? { signerKid: kid } : {}) };
  }
  // revmesh never marks a header parameter critical; an unknown critical one must not be ignored
  // (RFC 7515 §4.1.11), and `b64: false` would change what the signature covers.
  if (header.crit !== undefined || header.b64 !== undefined) {
    return { ok: false, reason: 'SIGNATURE_INVALID', message: `event from ${kid}: critical or b64 header parameters are not accepted`, signerKid: kid };
  }
  const payloadEnd = text.lastIndexOf('.');
  let verified: boolean;
  try {
    const publicKey = asNodeKeyObject(key);
    // A replaying reader may have had this very check done on the libuv pool already (signature-precheck.ts).
    verified =
      publicKey.asymmetricKeyType === 'ed25519' &&
      (takePrecheckedSignature(text, publicKey) ||
        verifySignature(null, Buffer.from(text.slice(0, payloadEnd), 'latin1'), publicKey, Buffer.from(text.slice(payloadEnd + 1), 'base64url')));
  } catch {
    verified = false;
  }
  if (!verified) return { ok: false, reason: 'SIGNATURE_INVALID', message: `event from ${kid}: signature does not verify`, signerKid: kid };
  const decoded = decodeEvent(Buffer.from(text.slice(text.indexOf('.') + 1, payloadEnd), 'base64url'));
  if (!decoded.ok) return { ...decoded, signerKid: kid };
  return { ok: true, event: decoded.event, signerKid: kid };
}

/** {@link openSignedEventSync} for callers written against the promise form. Never rejects. */
export async function openSignedEvent(
  bytes: Buffer | Uint8Array | string | null | undefined,
  trust: EventSignerTrust,
): Promise<OpenedEvent> {
  return openSignedEventSync(bytes, trust);
}
