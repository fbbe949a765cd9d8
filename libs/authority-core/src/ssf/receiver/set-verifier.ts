import { compactVerify, decodeJwt, decodeProtectedHeader, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { SET_TYP, type SetPayload } from '../set-types';
import { SetRefusedError } from './set-refusal';
import type { Seconds } from '../../time/clock';

/** Longest compact SET read at all, bytes: far above any real SET, small enough to refuse junk cheaply. */
export const MAX_SET_BYTES = 64 * 1024;
/** Signature algorithms a SET may use (no `none`, no HMAC: the transmitter's keys are public). */
export const SET_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
const MAX_CLAIM_LENGTH = 1024;

export interface SetExpectations {
  /** The transmitter's issuer: the SET's `iss` must equal it. */
  readonly issuer: string;
  /** The stream's audience (`aud` of the stream): the SET's `aud` must contain one of them. */
  readonly audience: readonly string[];
  /** The transmitter's keys (jose `createRemoteJWKSet` of its `jwks_uri`). */
  readonly keys: JWTVerifyGetKey;
  /** Now, epoch seconds. */
  readonly now: Seconds;
  /** Oldest `iat` accepted, seconds before now. */
  readonly maxAgeSeconds: Seconds;
  /** Largest `iat` in the future accepted, seconds. */
  readonly futureSkewSeconds: Seconds;
}

/**
 * Verifies a compact SET before anything is done with it (RFC 8417, SSF 1.0 §4): `typ`
 * `secevent+jwt`, `iss` and `aud` (before the signature: they say which transmitter and stream the
 * SET claims to be for, so a SET of another issuer or stream is refused as `invalid_issuer` /
 * `invalid_audience` whoever signed it), signature with the transmitter's keys, `iat` within
 * the window, a `jti`, an `events` object of objects, a well-formed `sub_id` when present.
 *
 * @throws {SetRefusedError} with the RFC 8935 code of the first check that failed.
 */
export async function verifySet(compact: string, expected: SetExpectations): Promise<SetPayload> {
  if (typeof compact !== 'string' || compact.length === 0) throw new SetRefusedError('invalid_request', 'the body is not a compact SET');
  if (compact.length > MAX_SET_BYTES) throw new SetRefusedError('invalid_request', `the SET is longer than ${MAX_SET_BYTES} bytes`);
  if (compact.split('.').length !== 3) throw new SetRefusedError('invalid_request', 'the SET is not a compact JWS (three parts)');
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(compact);
    claims = decodeJwt(compact);
  } catch (error) {
    throw new SetRefusedError('invalid_request', 'the SET header or payload is not base64url JSON', { cause: error });
  }
  if (header.typ !== SET_TYP && header.typ !== `application/${SET_TYP}`) throw new SetRefusedError('invalid_request', `typ must be ${SET_TYP}`);
  if (typeof header.alg !== 'string' || !(SET_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw new SetRefusedError('invalid_key', 'alg is not an accepted asymmetric signature algorithm');
  }
  if (claims['iss'] !== expected.issuer) throw new SetRefusedError('invalid_issuer', 'iss is not the transmitter of this stream');
  const aud = claims['aud'];
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.some((value) => typeof value === 'string' && expected.audience.includes(value))) {
    throw new SetRefusedError('invalid_audience', 'aud does not name this stream');
  }

  try {
    await compactVerify(compact, expected.keys as Parameters<typeof compactVerify>[1], { algorithms: [...SET_ALGORITHMS] });
  } catch (error) {
    if (error instanceof joseErrors.JWKSTimeout || (error instanceof TypeError && /fetch/i.test(error.message))) {
      // Our side could not read the keys: not the transmitter's fault, but nothing is applied.
      throw new SetRefusedError('invalid_key', "the transmitter's keys could not be read; retry later", { cause: error });
    }
    throw new SetRefusedError('invalid_key', error instanceof joseErrors.JWKSNoMatchingKey ? 'no key of the transmitter matches the kid' : 'the signature does not verify', {
      cause: error,
    });
  }

  const iat = claims['iat'];
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new SetRefusedError('invalid_request', 'iat is missing');
  if (iat < expected.now - expected.maxAgeSeconds) throw new SetRefusedError('invalid_request', `iat is more than ${expected.maxAgeSeconds} s old`);
  if (iat > expected.now + expected.futureSkewSeconds) throw new SetRefusedError('invalid_request', 'iat is in the future');
  const jti = claims['jti'];
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_CLAIM_LENGTH) throw new SetRefusedError('invalid_request', 'jti is missing');
  const events = claims['events'];
  if (events === null || typeof events !== 'object' || Array.isArray(events) || Object.keys(events).length === 0) {
    throw new SetRefusedError('invalid_request', 'events is missing or empty');
  }
  for (const value of Object.values(events)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SetRefusedError('invalid_request', 'an event is not an object');
  }
  const subId = claims['sub_id'];
  if (subId !== undefined && (subId === null || typeof subId !== 'object' || typeof (subId as { format?: unknown }).format !== 'string')) {
    throw new SetRefusedError('invalid_request', 'sub_id is not a subject identifier');
  }
  return claims as unknown as SetPayload;
}
