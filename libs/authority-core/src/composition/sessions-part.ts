import type { AuditLog } from '../audit/audit-log';
import type { KillSwitchController } from '../kill-switch/kill-switch-service';
import type { SigningKeyStore } from '../keys/key-store';
import type { PolicyStore } from '../policy/policy-store';
import type { RevocationService } from '../revocations/revocation-service';
import { createExternalTokenVerifier } from '../sessions/external-token-verifier';
import { createSessionService, type SessionService } from '../sessions/session-service';
import { createSessionStore } from '../sessions/session-store';
import { createDenyRuleLookup, createTokenStatusEvaluator, type TokenStatusEvaluator } from '../sessions/token-status';
import type { AuthorityStore } from '../store/store';
import type { IssuingPart } from './issuing-part';
import type { CoreSettings } from './core-settings';
import type { MonitoringPart } from './monitoring-part';

/**
 * Sessions started by token exchange, their rotating refresh tokens, and the state of a token as
 * every sidecar would judge it (introspection). Opening it ends every session a live revocation
 * covers that a crash left running.
 */
export interface SessionsPart {
  readonly sessions: SessionService;
  /** Whether one of the authority's own tokens is active (RFC 7662 and the token exchange read it). */
  readonly tokenStatus: TokenStatusEvaluator;
}

export function openSessionsPart(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly audit: AuditLog;
    readonly keyStore: Pick<SigningKeyStore, 'list'>;
    readonly killSwitch: KillSwitchController;
    readonly policy: PolicyStore;
    readonly issuing: Pick<IssuingPart, 'tokens' | 'issuers'> & { readonly revocations: Pick<RevocationService, 'revoke'> };
    readonly monitoring: MonitoringPart;
  },
): SessionsPart {
  const { options, clock, logger } = settings;
  const { store, audit, keyStore, killSwitch, policy, issuing, monitoring } = deps;
  const sessionStore = createSessionStore(store);
  const rules = createDenyRuleLookup(store);
  const tokenStatus = createTokenStatusEvaluator({ issuer: options.issuer, keys: () => keyStore.list(), rules, killSwitch, policy, clock });
  const sessions = createSessionService({
    ownIssuer: options.issuer,
    store,
    sessions: sessionStore,
    tokens: issuing.tokens,
    tokenStatus,
    external: createExternalTokenVerifier({ issuers: issuing.issuers, clock }),
    rules,
    revocations: issuing.revocations,
    anomalies: monitoring.anomalies,
    audit,
    policy,
    clock,
    metrics: monitoring.metrics,
    logger,
  });
  const ended = sessionStore.endAllCovered(clock.now());
  if (ended.length > 0) logger.warn('sessions covered by a revocation ended at open', { event: 'sessions_ended', sessions: ended.length });
  return { sessions, tokenStatus };
}
