import type { JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import type { Clock, Seconds } from '../internal/units';
import type { PendingKeyRule } from '../keys/pending-key-rule';
import { failureFromJoseError } from './jose-error-mapping';
import { verifyJwt } from './jwt-verify';
import { lifetimeFailure } from './token-lifetime';
import { normalizeTyp, precheckToken, type PrecheckOptions } from './token-precheck';
import {
  keyRevokedFailure,
  verifyFailure,
  type AccessTokenClaims,
  type KeyRevokedFailure,
  type OtherVerifyFailure,
  type VerifySuccess,
} from './verify-result';

/** RFC 9068 §2.2: claims every access token carries. `client_id` and `jti` are also what deny rules match on. */
export const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'] as const;

export interface TokenVerifierOptions {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly string[];
  /** Accepted header `typ` values (media types, case-insensitive, `application/` optional). */
  readonly typ: readonly string[];
  /** Accept a token without a header `typ`. Default false. */
  readonly allowMissingTyp?: boolean;
  /**
   * Claims naming the client, tried in order; the first present one becomes the claims'
   * `client_id`. Default `['client_id']`.
   */
  readonly clientIdClaims?: readonly string[];
  /** Claims required besides {@link REQUIRED_CLAIMS} (minus `client_id`, found through `clientIdClaims`). Default none. */
  readonly requiredClaims?: readonly string[];
  readonly clockToleranceSeconds: Seconds;
  readonly maxTokenLifetimeSeconds: Seconds;
  readonly maxTokenBytes: number;
  readonly getKey: JWTVerifyGetKey;
  /** True if the key `kid` is revoked (from the keys topic, whatever the key source). */
  readonly isKeyRevoked: (kid: string) => boolean;
  /** Refuses tokens of keys not active yet (the keys topic's pending standby). Absent: no such check. */
  readonly pendingKeys?: PendingKeyRule;
  readonly clock: Clock;
}

/** Checks one token's form, signature and claims; knows nothing of deny rules or readiness. */
export interface TokenVerifier {
  /** Never throws; resolves to the claims or to a coded failure. */
  verify(token: string): Promise<VerifySuccess | KeyRevokedFailure | OtherVerifyFailure>;
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * The payload with `client_id` taken from the first of `clientIdClaims` present, or the
 * `CLAIM_MISSING` failure. With only `client_id` configured the payload is returned as is.
 */
function withClientId(
  payload: Record<string, unknown>,
  clientIdClaims: readonly string[],
): { readonly claims: Record<string, unknown> } | { readonly failure: OtherVerifyFailure } {
  const claim = clientIdClaims.find((name) => payload[name] !== undefined);
  if (claim === undefined) {
    return { failure: verifyFailure('CLAIM_MISSING', `token has no client claim (looked for ${clientIdClaims.map((c) => JSON.stringify(c)).join(', ')})`) };
  }
  return { claims: claim === 'client_id' ? payload : { ...payload, client_id: payload[claim] } };
}

/** Claim types jose does not check (it checks iss/aud values and the numeric dates). */
function checkClaimTypes(payload: Record<string, unknown>): OtherVerifyFailure | undefined {
  for (const claim of ['sub', 'jti', 'client_id'] as const) {
    if (!isNonEmptyString(payload[claim])) return verifyFailure('MALFORMED', `token claim "${claim}" must be a non-empty string`);
  }
  for (const claim of ['sid', 'scope'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') {
      return verifyFailure('MALFORMED', `token claim "${claim}" must be a string`);
    }
  }
  const cnf = payload['cnf'];
  if (cnf !== undefined) {
    // RFC 7800: an object; RFC 9449 §6.1: its jkt, when present, a thumbprint string.
    if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return verifyFailure('MALFORMED', 'token claim "cnf" must be an object');
    const jkt = (cnf as Record<string, unknown>)['jkt'];
    if (jkt !== undefined && !isNonEmptyString(jkt)) return verifyFailure('MALFORMED', 'token claim "cnf.jkt" must be a non-empty string');
  }
  if (!Number.isFinite(payload['iat']) || !Number.isFinite(payload['exp'])) {
    return verifyFailure('MALFORMED', 'token claims "iat" and "exp" must be finite numbers');
  }
  return undefined;
}

/**
 * Creates the signature-and-claims verifier around jose's `jwtVerify` (through {@link verifyJwt}). The injected clock is
 * passed to jose as `currentDate`, so tests control every time check.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const precheck: PrecheckOptions = {
    maxTokenBytes: options.maxTokenBytes,
    algorithms: new Set(options.algorithms),
    acceptedTyp: new Set(options.typ.map(normalizeTyp)),
    allowMissingTyp: options.allowMissingTyp === true,
  };
  const algorithms = [...options.algorithms];
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  const clientIdClaims = [...(options.clientIdClaims ?? ['client_id'])];
  // Only the plain `client_id` profile lets jose check the client claim (the others are looked up after).
  const onlyClientId = clientIdClaims.length === 1 && clientIdClaims[0] === 'client_id';
  const requiredClaims = [...new Set([...REQUIRED_CLAIMS.filter((c) => onlyClientId || c !== 'client_id'), ...(options.requiredClaims ?? [])])];
  return {
    async verify(token) {
      const passed = precheckToken(token, precheck);
      if (!passed.ok) return passed;
      const { kid } = passed;
      // Before the signature: a revoked key's tokens are refused outright, and no crypto is spent on them.
      if (kid !== undefined && options.isKeyRevoked(kid)) return keyRevokedFailure(kid);
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await verifyJwt(token, passed.header, options.getKey, {
          algorithms,
          issuer: options.issuer,
          audience,
          requiredClaims,
          clockTolerance: options.clockToleranceSeconds,
          // A token older than the longest lifetime could outlive the deny rules that revoke it (they
          // are dropped after that long), so age is bounded here whatever `exp` says.
          maxTokenAge: options.maxTokenLifetimeSeconds,
          currentDate: new Date(options.clock()),
        }));
      } catch (error) {
        // Revoked while the signature was being checked (its key material is gone by now): say so.
        if (kid !== undefined && options.isKeyRevoked(kid)) return keyRevokedFailure(kid);
        return failureFromJoseError(error);
      }
      // The signature check awaits: a revocation of the key applied meanwhile must win over a good signature.
      if (kid !== undefined && options.isKeyRevoked(kid)) return keyRevokedFailure(kid);
      const found = withClientId(payload, clientIdClaims);
      if ('failure' in found) return found.failure;
      const { claims } = found;
      const badType = checkClaimTypes(claims);
      if (badType) return badType;
      const tooLong = lifetimeFailure(claims as AccessTokenClaims, options.maxTokenLifetimeSeconds);
      if (tooLong) return tooLong;
      let notActive = kid === undefined ? undefined : options.pendingKeys?.check(kid, (claims as AccessTokenClaims).iat);
      if (notActive instanceof Promise) notActive = await notActive;
      if (notActive) return notActive;
      // The pending-key rule may have waited: a revocation of the key applied meanwhile wins.
      if (kid !== undefined && options.isKeyRevoked(kid)) return keyRevokedFailure(kid);
      return { ok: true, claims: claims as AccessTokenClaims };
    },
  };
}
