import type { AnonymousRefusalAudit } from '../audit/anonymous-refusals';
import type { AuditLog } from '../audit/audit-log';
import { createClientAssertionVerifier } from '../clients/client-assertion';
import { createClientAuthentication, type ClientAuthentication } from '../clients/client-authentication';
import { createClientLifecycle, type ClientLifecycle } from '../clients/client-lifecycle';
import { createClientRegistry, type ClientRegistry } from '../clients/client-registry';
import { ClientAuthenticationError } from '../errors/errors';
import type { EventSignerRing } from '../event-signers/event-signer-ring';
import { createIssuerRegistry, type IssuerRegistry } from '../issuers/issuer-registry';
import type { KillSwitchController } from '../kill-switch/kill-switch-service';
import type { KeyRing } from '../keys/signing-keys';
import type { OutboxStore } from '../outbox/outbox-store';
import type { PolicyStore } from '../policy/policy-store';
import type { Revocation } from '../revocations/revocation';
import { createRevocationService, type RevocationService } from '../revocations/revocation-service';
import type { AuthorityStore } from '../store/store';
import { createTokenHorizon } from '../tokens/token-horizon';
import { createTokenIssuer, type TokenIssuer } from '../tokens/token-issuer';
import type { CoreSettings } from './core-settings';
import { gatedRevocationAction } from '../revocations/gated-revocation';
import type { MonitoringPart } from './monitoring-part';

/**
 * Clients, the tokens issued to them, the trusted external issuers whose tokens a revocation may
 * target too, and the revocations that end those tokens, all metered.
 */
export interface IssuingPart {
  readonly clients: ClientRegistry;
  /** The token endpoint's client authentication: throttled, audited, feeding the auth-failure anomaly. */
  readonly clientAuthentication: ClientAuthentication;
  /** Operator actions on clients: sealed secrets, rotation with overlap, disable (with a client_id revocation). */
  readonly clientLifecycle: ClientLifecycle;
  readonly tokens: TokenIssuer;
  readonly issuers: IssuerRegistry;
  readonly revocations: RevocationService;
}

export function openIssuingPart(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly outbox: OutboxStore;
    readonly audit: AuditLog;
    readonly anonymousRefusals: AnonymousRefusalAudit;
    readonly signer: EventSignerRing;
    readonly keyRing: KeyRing;
    readonly killSwitch: KillSwitchController;
    readonly policy: PolicyStore;
    readonly monitoring: MonitoringPart;
    readonly onCommitted: () => void;
    /** Every accepted revocation, after its commit (sessions end the ones it covers). Must not throw. */
    readonly onRevocationAccepted?: (revocation: Revocation) => void;
  },
): IssuingPart {
  const { options, clock, sleep, names, skewMs } = settings;
  const { store, outbox, audit, signer, keyRing, killSwitch, policy, monitoring, onCommitted } = deps;
  const { metrics, anomalies } = monitoring;
  const issuers = createIssuerRegistry({ store, ownIssuer: options.issuer, clock, audit });
  const horizon = createTokenHorizon(store);
  const revocations = createRevocationService({
    store,
    tokenHorizon: horizon,
    outbox,
    topic: names.revocations,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    skewMs,
    clock,
    signer,
    audit,
    issuers,
    // A batch never waits for a second person: targets the policy gates refuse the batch.
    approvalAction: (type) => gatedRevocationAction(policy, type),
    onCommitted,
    onAccepted: (revocation) => {
      metrics.revocationAccepted(revocation.target.type);
      anomalies.onRevocation();
      deps.onRevocationAccepted?.(revocation);
    },
  });
  const issuer = createTokenIssuer({
    issuer: options.issuer,
    keys: keyRing,
    revocations,
    killSwitch,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    policy,
    clock,
    sleep,
  });
  const registry = createClientRegistry({ store, clock, audit });
  /**
   * A client disabled while its token was being signed must not get it: the disable's client_id
   * revocation only denies tokens issued up to its own second, and signing may end later (the
   * issuer even waits past an existing rule's second). Checked after signing, before the token leaves.
   */
  const refuseIfDisabled = (clientId: string): void => {
    if (registry.find(clientId)?.enabled === false) throw new ClientAuthenticationError('disabled');
  };
  const tokens: TokenIssuer = {
    async issueClientCredentials(client, request) {
      const issued = await issuer.issueClientCredentials(client, request);
      // Durable before the token leaves: rules accepted later must outlive it.
      horizon.extendTo(issued.claims.exp * 1000);
      refuseIfDisabled(client.clientId);
      metrics.tokenIssued('client_credentials', 'access');
      return issued;
    },
    async issueSessionToken(request) {
      const issued = await issuer.issueSessionToken(request);
      // Durable before the token leaves, as above; the session service counts its grants.
      horizon.extendTo(issued.claims.exp * 1000);
      refuseIfDisabled(request.clientId);
      return issued;
    },
  };
  const clients: ClientRegistry = {
    ...registry,
    authenticate(clientId, clientSecret) {
      try {
        return registry.authenticate(clientId, clientSecret);
      } catch (error) {
        if (error instanceof ClientAuthenticationError) metrics.loginFailed('client', 'invalid_client');
        throw error;
      }
    },
  };
  const clientAuthentication = createClientAuthentication({
    store,
    clients,
    // private_key_jwt: aud is the token endpoint (OpenID Connect Core §9) or the issuer (RFC 7523 §3).
    assertions: createClientAssertionVerifier({ store, clients, clock, audiences: [`${options.issuer.replace(/\/+$/, '')}/oauth/token`, options.issuer] }),
    rules: () => policy.current().operators,
    refusals: deps.anonymousRefusals,
    clock,
    onFailure: () => anomalies.onClientAuthenticationFailure(),
  });
  const clientLifecycle = createClientLifecycle({ clients, revocations, policy });
  return { clients, clientAuthentication, clientLifecycle, tokens, issuers, revocations };
}
