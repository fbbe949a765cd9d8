import type { Seconds } from '../internal/units';
import { verifyFailure, type OtherVerifyFailure } from './verify-result';

/**
 * `TOKEN_LIFETIME_EXCEEDED` when the token's own lifetime (`exp − iat`) is longer than
 * `maxTokenLifetimeSeconds`. The age check (`iat` older than the maximum) alone lets a token
 * with `exp` years ahead pass while it is young; no issuer following the policy mints one, so
 * such a token is misissued or forged with a stolen key, and it would outlive the deny rules
 * that could revoke it (they are dropped after the maximum lifetime).
 */
export function lifetimeFailure(claims: { readonly iat: number; readonly exp: number }, maxTokenLifetimeSeconds: Seconds): OtherVerifyFailure | undefined {
  const lifetime = claims.exp - claims.iat;
  if (lifetime <= maxTokenLifetimeSeconds) return undefined;
  return verifyFailure(
    'TOKEN_LIFETIME_EXCEEDED',
    `token lifetime (exp - iat = ${lifetime} s) exceeds the allowed maximum of ${maxTokenLifetimeSeconds} s`,
  );
}
