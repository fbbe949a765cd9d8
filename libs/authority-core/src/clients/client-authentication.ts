import type { AnonymousRefusalAudit } from '../audit/anonymous-refusals';
import type { AuditContext } from '../audit/audit-context';
import { ClientAuthenticationError, ClientAuthenticationThrottledError } from '../errors/errors';
import { createLoginThrottle, type ThrottleRules } from '../operators/login-throttle';
import type { RequestOrigin } from '../operators/operator-service';
import type { AuthorityStore } from '../store/store';
import type { Clock } from '../time/clock';
import type { Client, ClientRegistry } from './client-registry';

/** Audit action of a refused client authentication at the token endpoint. */
export const CLIENT_AUTHENTICATION_ACTION = 'oauth.client-authentication';

/** Throttle subject of a client id (whether or not such a client exists). */
export const clientSubject = (clientId: string): string => `client:${clientId}`;
/** Throttle subject of an address at the token endpoint (apart from its operator logins). */
export const clientAddressSubject = (address: string): string => `client-addr:${address}`;

/** Client authentication at the token endpoint, throttled and audited. */
export interface ClientAuthentication {
  /**
   * Checks a client's secret. Failures are counted per client id and per address with the
   * operator-login mechanism and rules (the policy's `operators.maxFailedLogins`, then a lockout
   * of `operators.lockoutSeconds` doubling per further failure, at most an hour); each is audited
   * within the budget every unauthenticated route shares and reported to `onFailure`.
   *
   * @throws {ClientAuthenticationThrottledError} while the client id or the address is locked out,
   *   whatever the secret (a correct one too).
   * @throws {ClientAuthenticationError} for an unknown client or a wrong secret.
   */
  authenticate(clientId: string, clientSecret: string, origin: RequestOrigin): Client;
}

export interface ClientAuthenticationOptions {
  readonly store: AuthorityStore;
  readonly clients: Pick<ClientRegistry, 'authenticate'>;
  /** The throttle rules, read at every failure (the security policy's `operators` section). */
  readonly rules: () => ThrottleRules;
  readonly refusals: AnonymousRefusalAudit;
  readonly clock: Clock;
  /** Each failed or throttled attempt (the auth-failure anomaly). Must not throw. */
  readonly onFailure?: () => void;
}

export function createClientAuthentication(options: ClientAuthenticationOptions): ClientAuthentication {
  const { store, clients, refusals, clock } = options;
  const throttle = createLoginThrottle(store);
  const contextOf = (clientId: string, origin: RequestOrigin): AuditContext => ({
    actor: { kind: 'client', id: clientId === '' ? '(empty)' : clientId.slice(0, 200) },
    role: null,
    justification: null,
    requestId: origin.requestId,
    sourceAddress: origin.sourceAddress,
  });

  return {
    authenticate(clientId, clientSecret, origin) {
      const subjects = [clientSubject(clientId), ...(origin.sourceAddress === null ? [] : [clientAddressSubject(origin.sourceAddress)])];
      const target = clientId.slice(0, 200);
      const now = clock.now();
      const until = throttle.lockedUntil(subjects, now);
      if (until !== null) {
        store.transaction(() => refusals.append({ action: CLIENT_AUTHENTICATION_ACTION, target, context: contextOf(clientId, origin), details: { reason: 'throttled' } }));
        options.onFailure?.();
        throw new ClientAuthenticationThrottledError(Math.max(1, Math.ceil((until - now) / 1000)));
      }
      try {
        const client = clients.authenticate(clientId, clientSecret);
        throttle.reset(clientSubject(clientId));
        return client;
      } catch (error) {
        if (!(error instanceof ClientAuthenticationError)) throw error;
        store.transaction(() => {
          throttle.recordFailure(subjects, clock.now(), options.rules());
          refusals.append({ action: CLIENT_AUTHENTICATION_ACTION, target, context: contextOf(clientId, origin), details: { reason: 'invalid-client' } });
        });
        options.onFailure?.();
        throw error;
      }
    },
  };
}
