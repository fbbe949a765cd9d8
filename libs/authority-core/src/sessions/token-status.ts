import { denyRuleMatches, killSwitchCutCovers, type DeniableClaims, type RevocationTargetType } from '@revmesh/contracts';
import { decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import type { KillSwitchState } from '../kill-switch/kill-switch';
import type { KillSwitchCuts } from '../kill-switch/kill-switch-service';
import type { StoredSigningKey } from '../keys/key-store';
import type { PolicySource } from '../policy/policy-document';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Clock } from '../time/clock';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '../tokens/token-issuer';

/**
 * Why a token is not active. Never sent to the introspecting caller (RFC 7662 §2.2: an inactive
 * token is just `{"active": false}`); logged and counted.
 */
export type InactiveReason =
  | 'malformed'
  | 'unknown-key'
  | 'key-revoked'
  | 'key-not-active'
  | 'signature-invalid'
  | 'claims-invalid'
  | 'expired'
  | 'lifetime-exceeded'
  | 'revoked'
  | 'kill-switch-cut'
  | 'lockdown'
  | 'audience-mismatch';

/** Claims of an active token: the access-token claims plus whatever else it carries (`cnf`…). */
export type ActiveClaims = AccessTokenClaims & Readonly<Record<string, unknown>>;

export type TokenStatus =
  | { readonly active: true; readonly claims: ActiveClaims }
  | { readonly active: false; readonly reason: InactiveReason; readonly revocationId?: string };

/** Live deny rules that could match a token's claims, from the revocations table. */
export interface DenyRuleLookup {
  /**
   * The first live rule of issuer scope `iss` (undefined: the authority's own tokens) that
   * denies the token at `now`, matched with the sidecars' rule semantics (`denyRuleMatches`).
   */
  firstMatch(iss: string | undefined, token: DeniableClaims, now: number): { readonly revocationId: string; readonly target: RevocationTargetType } | undefined;
}

interface RuleRow {
  id: string;
  target_type: RevocationTargetType;
  target_value: string;
  not_after_iat: number;
  expires_at: number;
}

/** Rule lookups on the store: one indexed query per claim the token has. */
export function createDenyRuleLookup(store: AuthorityStore): DenyRuleLookup {
  const own = store.db.prepare<[string, string, number], RuleRow>(
    'SELECT id, target_type, target_value, not_after_iat, expires_at FROM revocations WHERE target_type = ? AND target_value = ? AND iss IS NULL AND expires_at > ? ORDER BY not_after_iat DESC',
  );
  const external = store.db.prepare<[string, string, string, number], RuleRow>(
    'SELECT id, target_type, target_value, not_after_iat, expires_at FROM revocations WHERE target_type = ? AND target_value = ? AND iss = ? AND expires_at > ? ORDER BY not_after_iat DESC',
  );
  const order: readonly RevocationTargetType[] = ['jti', 'sub', 'client_id', 'sid', 'jkt'];
  return {
    firstMatch(iss, token, now) {
      try {
        for (const type of order) {
          const value = type === 'jti' ? token.jti : type === 'sub' ? token.sub : type === 'client_id' ? token.client_id : type === 'sid' ? token.sid : token.jkt;
          if (value === undefined) continue;
          const rows = iss === undefined ? own.all(type, value, now) : external.all(type, value, iss, now);
          for (const row of rows) {
            const rule = { target: { type: row.target_type, value: row.target_value }, notAfterIat: row.not_after_iat, expiresAt: row.expires_at };
            if (denyRuleMatches(rule, token, now)) return { revocationId: row.id, target: type };
          }
        }
        return undefined;
      } catch (error) {
        throw translateStoreError(error, 'cannot read revocations');
      }
    },
  };
}

/** The deniable claims of a verified token (`client_id`, else `azp`; `cnf.jkt`). */
export function deniableClaimsOf(payload: JWTPayload): DeniableClaims {
  const cnf = payload['cnf'];
  const jkt = typeof cnf === 'object' && cnf !== null && typeof (cnf as Record<string, unknown>)['jkt'] === 'string' ? ((cnf as Record<string, unknown>)['jkt'] as string) : undefined;
  const clientId = typeof payload['client_id'] === 'string' ? payload['client_id'] : typeof payload['azp'] === 'string' ? payload['azp'] : '';
  return {
    jti: payload.jti ?? '',
    sub: payload.sub ?? '',
    client_id: clientId,
    sid: typeof payload['sid'] === 'string' ? payload['sid'] : undefined,
    jkt,
    iat: payload.iat ?? 0,
  };
}

export interface TokenStatusOptions {
  /** The authority's `iss`. */
  readonly issuer: string;
  /** Every token-signing key with its state (the store's view). */
  readonly keys: () => readonly StoredSigningKey[];
  readonly rules: DenyRuleLookup;
  readonly killSwitch: KillSwitchCuts & { list(): readonly KillSwitchState[] };
  readonly policy: PolicySource;
  readonly clock: Clock;
}

/** Whether one of the authority's own access tokens is active, as every sidecar would decide. */
export interface TokenStatusEvaluator {
  /**
   * Verifies the token (key state, signature, `iss`, `typ`, time claims, lifetime) and then the
   * state sidecars enforce: deny rules of every target type, kill-switch cuts and lockdowns; with
   * `audience`, also that the token is for it.
   */
  status(token: string, options?: { readonly audience?: string }): Promise<TokenStatus>;
}

const REQUIRED = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'];

/**
 * The authority's own check of its tokens, in the sidecar's order (key, signature and claims;
 * deny rules; kill switch), from the store the sidecars' state is published from. One
 * difference on purpose: no clock tolerance, so a token is reported inactive from its `exp`,
 * never later than a sidecar would refuse it.
 */
export function createTokenStatusEvaluator(options: TokenStatusOptions): TokenStatusEvaluator {
  const { issuer, rules, killSwitch, policy, clock } = options;
  const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const keyFor = (key: StoredSigningKey): Promise<CryptoKey | Uint8Array> => {
    let found = imported.get(key.kid);
    if (found === undefined) {
      found = importJWK({ ...key.publicJwk }, key.alg);
      imported.set(key.kid, found);
    }
    return found;
  };

  return {
    async status(token, request = {}) {
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        return { active: false, reason: 'malformed' };
      }
      const key = kid === undefined ? undefined : options.keys().find((k) => k.kid === kid);
      if (key === undefined || key.state === 'retired') return { active: false, reason: 'unknown-key' };
      if (key.state === 'revoked') return { active: false, reason: 'key-revoked' };
      if (key.state === 'pending') return { active: false, reason: 'key-not-active' };
      const now = clock.now();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await keyFor(key), {
          issuer,
          typ: ACCESS_TOKEN_TYP,
          algorithms: [key.alg],
          requiredClaims: REQUIRED,
          currentDate: new Date(now),
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) return { active: false, reason: 'expired' };
        if (error instanceof joseErrors.JWSSignatureVerificationFailed) return { active: false, reason: 'signature-invalid' };
        if (error instanceof joseErrors.JWTClaimValidationFailed || error instanceof joseErrors.JWTInvalid) return { active: false, reason: 'claims-invalid' };
        return { active: false, reason: 'malformed' };
      }
      const claims = payload as unknown as ActiveClaims;
      if (typeof claims.client_id !== 'string') return { active: false, reason: 'claims-invalid' };
      if (claims.exp - claims.iat > policy.current().tokens.maxLifetimeSeconds) return { active: false, reason: 'lifetime-exceeded' };
      const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud as readonly string[]);
      if (request.audience !== undefined && !audiences.includes(request.audience)) return { active: false, reason: 'audience-mismatch' };
      const denied = rules.firstMatch(undefined, deniableClaimsOf(payload), now);
      if (denied !== undefined) return { active: false, reason: 'revoked', revocationId: denied.revocationId };
      for (const audience of audiences) {
        const cut = killSwitch.notAfterIat(audience);
        if (cut !== undefined && killSwitchCutCovers(cut, claims.iat)) return { active: false, reason: 'kill-switch-cut' };
      }
      const locked = killSwitch
        .list()
        .some((s) => s.lockdown && (s.scope.kind === 'global' || audiences.includes(s.scope.audience) || s.scope.audience === request.audience));
      if (locked) return { active: false, reason: 'lockdown' };
      return { active: true, claims };
    },
  };
}
