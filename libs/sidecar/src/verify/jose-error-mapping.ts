import { KeysUnavailableError } from '../keys/keys-unavailable-error';
import { verifyFailure, type OtherVerifyFailure } from './verify-result';

interface JoseLikeError {
  readonly code: string;
  readonly message: string;
  readonly claim?: string;
  readonly reason?: string;
}

const isJoseError = (error: unknown): error is JoseLikeError => {
  const code: unknown = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_J');
};

function claimFailure(error: JoseLikeError): OtherVerifyFailure {
  const claim = error.claim ?? 'unspecified';
  if (error.reason === 'missing') return verifyFailure('CLAIM_MISSING', `token has no "${claim}" claim`);
  if (error.reason === 'invalid') return verifyFailure('MALFORMED', `token claim "${claim}" has the wrong type`);
  switch (claim) {
    case 'iss':
      return verifyFailure('ISSUER_MISMATCH', 'token issuer (iss) is not the expected issuer');
    case 'aud':
      return verifyFailure('AUDIENCE_MISMATCH', 'token audience (aud) does not include this service');
    case 'nbf':
      return verifyFailure('TOKEN_NOT_YET_VALID', 'token is not valid yet (nbf is in the future)');
    case 'iat':
      return verifyFailure('TOKEN_NOT_YET_VALID', 'token was issued in the future (iat)');
    case 'typ':
      return verifyFailure('TYPE_MISMATCH', 'token header typ is not the required type');
    default:
      return verifyFailure('MALFORMED', `token claim "${claim}" is invalid`);
  }
}

/**
 * The one place jose's errors become revmesh codes (its `code` strings are jose's stable API;
 * matching on them, not on classes, survives duplicate module instances). Anything unexpected is
 * `INTERNAL_ERROR`, so a bug fails closed instead of throwing out of `verify`.
 */
export function failureFromJoseError(error: unknown): OtherVerifyFailure {
  if (error instanceof KeysUnavailableError) return verifyFailure('KEYS_UNAVAILABLE', error.message);
  if (!isJoseError(error)) {
    return verifyFailure('INTERNAL_ERROR', `token verification failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
  }
  switch (error.code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return verifyFailure('SIGNATURE_INVALID', 'token signature is invalid');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return verifyFailure('ALG_NOT_ALLOWED', 'token algorithm is not allowed');
    case 'ERR_JWT_EXPIRED':
      return error.claim === 'iat'
        ? verifyFailure('TOKEN_EXPIRED', 'token is older than the longest allowed token lifetime (iat)')
        : verifyFailure('TOKEN_EXPIRED', 'token has expired (exp)');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimFailure(error);
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return verifyFailure('KEY_UNKNOWN', 'no key of the issuer matches the token kid/alg');
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return verifyFailure('KEY_UNKNOWN', 'several keys match a token without kid; the issuer must set kid');
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return verifyFailure('KEYS_UNAVAILABLE', `the issuer key set is unavailable: ${error.message}`);
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
    case 'ERR_JWK_INVALID':
      return verifyFailure('MALFORMED', `token is malformed: ${error.message}`);
    default:
      return verifyFailure('INTERNAL_ERROR', `token verification failed unexpectedly: ${error.code}`);
  }
}
