import type { GuardedDenyList } from '../deny-list/guarded-deny-list';
import type { DpopCheck, TokenPresentation } from '../dpop/dpop-check';
import type { KillSwitches } from '../kill-switch/kill-switches';
import type { SidecarLifecycle } from '../lifecycle/sidecar-lifecycle';
import type { SidecarLogger } from '../logging/logger';
import type { StalePolicy } from '../options/sidecar-options';
import type { StalenessMonitor } from '../staleness/staleness-monitor';
import type { IssuerRouter } from './issuer-router';
import { verifyFailure, type KillSwitchFailure, type KillSwitchScope, type VerifyResult } from './verify-result';

export interface EnforcementOptions {
  readonly lifecycle: SidecarLifecycle;
  readonly tokens: IssuerRouter;
  readonly denyList: GuardedDenyList;
  readonly killSwitches: KillSwitches;
  readonly staleness: StalenessMonitor;
  /** This service's audiences (which kill switches lock it down). */
  readonly audiences: readonly string[];
  readonly logger: SidecarLogger;
  /** Proof of possession for DPoP-bound tokens. */
  readonly dpop: DpopCheck;
}

/** One decision, with what the recorder needs besides the result. */
export interface Enforced {
  readonly result: VerifyResult;
  /** The `jti` of a token found revoked or cut (for blocked reports; never the token). */
  readonly jti?: string;
  /** True when accepted only because the route fails open while the sidecar is stale. */
  readonly failOpen?: boolean;
}

/**
 * The decision of `sidecar.verify`, in order: readiness; lockdown (before anything else, the
 * token included: a lockdown refuses valid and invalid tokens alike, and no per-route policy gets
 * past it); staleness policy; the token itself (form, issuer, key, signature, claims); the DPoP
 * proof of a key-bound token (never cached: one proof per request); then,
 * after re-checking readiness and lockdown (both may change while the signature is checked), the
 * deny rules of the token's issuer, the kill-switch cuts, and the overflow guard. Deny rules are
 * read on every call, never cached.
 */
export interface Enforcement {
  decide(token: string, stalePolicy: StalePolicy | undefined, presentation?: TokenPresentation): Promise<Enforced>;
  /** The LOCKDOWN failure when a lockdown covers this sidecar's audiences (or is global), else undefined. */
  lockdown(): KillSwitchFailure | undefined;
}

const scopeName = (scope: KillSwitchScope): string => (scope.kind === 'global' ? 'the global kill switch' : `the kill switch of audience ${scope.audience}`);

export function createEnforcement(options: EnforcementOptions): Enforcement {
  const { lifecycle, tokens, denyList, killSwitches, staleness, audiences, logger, dpop } = options;

  const lockdown = (): KillSwitchFailure | undefined => {
    const scope = killSwitches.lockdownFor(audiences);
    if (!scope) return undefined;
    return { ok: false, code: 'LOCKDOWN', message: `${scopeName(scope)} is in lockdown: every token is refused until it is lifted`, scope };
  };

  const checkToken = async (token: string, presentation: TokenPresentation | undefined): Promise<Enforced> => {
    const checked = await tokens.verify(token);
    if (!checked.ok) {
      if (checked.code === 'INTERNAL_ERROR') logger.error('revmesh sidecar: token verification failed unexpectedly', { detail: checked.message });
      return { result: checked };
    }
    // Before the checks below (all synchronous): they must see the state after this await.
    let unproven = dpop.check(checked.claims, token, presentation);
    if (unproven instanceof Promise) unproven = await unproven;
    if (unproven) return { result: unproven, jti: checked.claims.jti };
    // Re-checked after the await: a sidecar closed meanwhile must not accept.
    if (!lifecycle.isReady()) return { result: verifyFailure('NOT_READY', 'the sidecar is closed') };
    const locked = lockdown();
    if (locked) return { result: locked };
    const overflowing = denyList.isOverflowing();
    const { claims } = checked;
    const match = denyList.match(claims, tokens.scopeOf(claims.iss));
    if (match) {
      return {
        result: {
          ok: false,
          code: 'TOKEN_REVOKED',
          message: `token was revoked (revocation ${match.revocationId}, by ${match.target})`,
          revocationId: match.revocationId,
          target: match.target,
        },
        jti: claims.jti,
      };
    }
    const cut = killSwitches.cutFor(claims.aud, claims.iat);
    if (cut) {
      return {
        result: {
          ok: false,
          code: 'KILL_SWITCH_CUT',
          message: `token was issued at or before the cut of ${scopeName(cut.scope)} (iat ${claims.iat} <= ${cut.notAfterIat}); a newer token is accepted`,
          scope: cut.scope,
        },
        jti: claims.jti,
      };
    }
    if (overflowing) {
      return { result: verifyFailure('DENY_LIST_OVERFLOW', 'the sidecar dropped a revocation for lack of room and refuses every token until it expires') };
    }
    return { result: checked };
  };

  return {
    async decide(token, stalePolicy, presentation) {
      if (!lifecycle.isReady()) return { result: verifyFailure('NOT_READY', lifecycle.notReadyMessage()) };
      const locked = lockdown();
      if (locked) return { result: locked };
      const verdict = staleness.check(stalePolicy);
      if (verdict.kind === 'refuse') return { result: verdict.failure };
      const { result, jti } = await checkToken(token, presentation);
      return { result, jti, failOpen: verdict.kind === 'fail-open' && result.ok };
    },
    lockdown,
  };
}
