import { hkdfSync } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { OperatorTokenInvalidError, SigningError } from '../errors/errors';
import { OPERATOR_TOKEN_AUDIENCE } from './operator';
import { isRole, type Role } from './roles';

/** `typ` header of operator tokens (RFC 8725 §3.11: explicit typing, never confused with access tokens). */
export const OPERATOR_TOKEN_TYP = 'revmesh-operator+jwt';
/** HKDF `info` of the operator-token key: a key of its own, never a token-signing key. */
export const OPERATOR_TOKEN_KEY_INFO = 'revmesh operator tokens v1';

/** Claims of an operator token. Times in seconds, as JWT has them. */
export interface OperatorTokenClaims {
  readonly sub: string;
  readonly role: Role;
  readonly sid: string;
  readonly auth_time: number;
  readonly amr: readonly string[];
  readonly iat: number;
  readonly exp: number;
}

/** Signs and verifies operator tokens (HS256 under a key derived from the KEK). */
export interface OperatorTokens {
  /** @throws {SigningError} when jose fails. */
  sign(claims: Omit<OperatorTokenClaims, 'amr'>): Promise<string>;
  /**
   * Checks signature, `typ`, issuer, audience and expiry at `nowMs`.
   * @throws {OperatorTokenInvalidError} for anything else than a valid token.
   */
  verify(token: string, nowMs: number): Promise<OperatorTokenClaims>;
}

/** The HS256 key of operator tokens: HKDF-SHA256 of the KEK, so rotating the KEK logs everyone out. */
export function deriveOperatorTokenKey(kek: Buffer): Uint8Array {
  if (kek.length !== 32) throw new TypeError(`the KEK must be exactly 32 bytes, got ${kek.length}`);
  return new Uint8Array(hkdfSync('sha256', kek, Buffer.alloc(0), OPERATOR_TOKEN_KEY_INFO, 32));
}

export function createOperatorTokens(options: { readonly kek: Buffer; readonly issuer: string }): OperatorTokens {
  const key = deriveOperatorTokenKey(options.kek);
  const { issuer } = options;
  return {
    async sign(claims) {
      try {
        return await new SignJWT({ role: claims.role, sid: claims.sid, auth_time: claims.auth_time, amr: ['pwd', 'otp'] })
          .setProtectedHeader({ alg: 'HS256', typ: OPERATOR_TOKEN_TYP })
          .setIssuer(issuer)
          .setAudience(OPERATOR_TOKEN_AUDIENCE)
          .setSubject(claims.sub)
          .setIssuedAt(claims.iat)
          .setExpirationTime(claims.exp)
          .sign(key);
      } catch (error) {
        throw new SigningError('cannot sign the operator token', { cause: error });
      }
    },
    async verify(token, nowMs) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          typ: OPERATOR_TOKEN_TYP,
          issuer,
          audience: OPERATOR_TOKEN_AUDIENCE,
          currentDate: new Date(nowMs),
          requiredClaims: ['sub', 'sid', 'role', 'auth_time', 'iat', 'exp'],
        }));
      } catch (error) {
        const reason = error instanceof joseErrors.JOSEError ? error.code : 'not a JWT';
        throw new OperatorTokenInvalidError(reason, { cause: error });
      }
      const { sub, role, sid, auth_time: authTime, amr, iat, exp } = payload;
      if (
        typeof sub !== 'string' ||
        !isRole(role) ||
        typeof sid !== 'string' ||
        typeof authTime !== 'number' ||
        typeof iat !== 'number' ||
        typeof exp !== 'number' ||
        !Array.isArray(amr) ||
        !amr.every((m) => typeof m === 'string')
      ) {
        throw new OperatorTokenInvalidError('claims of the wrong type');
      }
      return { sub, role, sid, auth_time: authTime, amr: amr as string[], iat, exp };
    },
  };
}
