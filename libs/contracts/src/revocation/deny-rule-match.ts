import type { RevocationTarget, RevocationTargetType } from '../events/revocation-issued';

/**
 * The meaning of a revocation rule, as one pure function: what the sidecar's deny list enforces
 * and what the authority's introspection endpoint answers from its revocations table. Both read
 * it from here (the sidecar's compact table is checked against it by a differential test), so
 * the two cannot drift apart.
 *
 * The sidecar keeps one entry per target, merging two rules of it into the later cut and the
 * later expiry; the authority matches each stored rule alone. The two agree on every token that
 * has not expired: a rule expires only once every token its cut covers has expired.
 */

/** The claims of a token a rule can match on. */
export interface DeniableClaims {
  readonly jti: string;
  readonly sub: string;
  readonly client_id: string;
  readonly sid?: string | undefined;
  /** The RFC 7638 thumbprint of the key the token is bound to (`cnf.jkt`), if any. */
  readonly jkt?: string | undefined;
  /** Seconds. */
  readonly iat: number;
}

/** A rule as the revocation event carries it (the issuer scope is matched by the caller). */
export interface DenyRuleView {
  readonly target: RevocationTarget;
  /** For every target but `jti`: tokens with `iat` at or before this (seconds) are denied. */
  readonly notAfterIat: number;
  /** Epoch ms: from then on the rule matches nothing (no token it covers is still valid). */
  readonly expiresAt: number;
}

/** The token claim a rule of `type` compares its value with (undefined: the token has none). */
export function claimOfTarget(type: RevocationTargetType, token: DeniableClaims): string | undefined {
  switch (type) {
    case 'jti':
      return token.jti;
    case 'sub':
      return token.sub;
    case 'client_id':
      return token.client_id;
    case 'sid':
      return token.sid;
    case 'jkt':
      return token.jkt;
  }
}

/**
 * Whether the rule denies the token at `now` (epoch ms): the rule is still live, the token's
 * claim equals the target value exactly, and — for every target but `jti`, which denies one
 * token whenever it was issued — the token was issued at or before the rule's cut
 * (`iat <= notAfterIat`), so a token issued after the revocation passes.
 */
export function denyRuleMatches(rule: DenyRuleView, token: DeniableClaims, now: number): boolean {
  if (rule.expiresAt <= now) return false;
  const claim = claimOfTarget(rule.target.type, token);
  if (claim === undefined || claim !== rule.target.value) return false;
  return rule.target.type === 'jti' || token.iat <= rule.notAfterIat;
}

/** Whether a kill switch's cut (`not_after_iat`, seconds) rejects a token issued at `iat`. */
export function killSwitchCutCovers(notAfterIat: number, iat: number): boolean {
  return iat <= notAfterIat;
}
