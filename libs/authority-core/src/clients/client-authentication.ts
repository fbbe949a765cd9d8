import type { AnonymousRefusalAudit } from '../audit/anonymous-refusals';
import type { AuditContext } from '../audit/audit-context';
import { ClientAuthenticationError, ClientAuthenticationThrottledError } from '../errors/errors';
import { createLoginThrottle, type ThrottleRules } from '../operators/login-throttle';
import type { RequestOrigin } from '../operators/operator-service';
import type { AuthorityStore } from '../store/store';
import type { Clock } from '../time/clock';
import type { ClientAssertionVerifier } from './client-assertion';
import type { Client, ClientRegistry } from './client-registry';

/** Audit action of a refused client authentication at the token endpoint. */
export const CLIENT_AUTHENTICATION_ACTION = 'oauth.client-authentication';

/** Audit `details.reason` of each refusal. */
const REFUSAL_REASONS = { invalid: 'invalid-client', disabled: 'client-disabled', replayed: 'assertion-replayed' } as const;

/** Throttle subject of a client id (whether or not such a client exists). */
export const clientSubject = (clientId: string): string => `client:${clientId}`;
/** Throttle subject of an address at the token endpoint (apart from its operator logins). */
export const clientAddressSubject = (address: string): string => `client-addr:${address}`;

/**
 * Credentials a client presented at an OAuth endpoint, and how: a secret (HTTP Basic or form
 * post, RFC 6749 §2.3.1), or a signed assertion (`private_key_jwt`, RFC 7523 §2.2), with the
 * `client_id` the request named, if any.
 */
export type PresentedClientCredentials =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly clientId: string; readonly clientSecret: string }
  | { readonly method: 'private_key_jwt'; readonly clientId?: string; readonly assertion: string };

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
  /**
   * Checks presented credentials of any supported method, with the throttling and auditing of
   * {@link authenticate}: a secret as there, an assertion with the assertion verifier (throttled
   * under the `client_id` of the request, else the assertion's `sub`). A replayed assertion
   * counts as a failure; a disabled client's valid credentials are refused and audited, not
   * counted (they prove who is asking).
   *
   * @throws {ClientAuthenticationThrottledError} while locked out.
   * @throws {ClientAuthenticationError} for every refusal (unknown client, wrong secret, bad or
   *   replayed assertion, method the client is not registered for, disabled client).
   */
  verify(credentials: PresentedClientCredentials, origin: RequestOrigin): Promise<Client>;
}

export interface ClientAuthenticationOptions {
  readonly store: AuthorityStore;
  readonly clients: Pick<ClientRegistry, 'authenticate'>;
  /** `private_key_jwt`. Absent: assertions are refused as invalid. */
  readonly assertions?: ClientAssertionVerifier;
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

  /** Throttle subjects of an attempt as `clientId`, and the audit target. */
  const subjectsOf = (clientId: string, origin: RequestOrigin): string[] => [
    clientSubject(clientId),
    ...(origin.sourceAddress === null ? [] : [clientAddressSubject(origin.sourceAddress)]),
  ];
  const refuse = (clientId: string, origin: RequestOrigin, reason: string): void => {
    refusals.append({ action: CLIENT_AUTHENTICATION_ACTION, target: clientId.slice(0, 200), context: contextOf(clientId, origin), details: { reason } });
  };
  /** Refuses before any check while `clientId` or the address is locked out. */
  const checkThrottle = (clientId: string, origin: RequestOrigin): void => {
    const now = clock.now();
    const until = throttle.lockedUntil(subjectsOf(clientId, origin), now);
    if (until === null) return;
    store.transaction(() => refuse(clientId, origin, 'throttled'));
    options.onFailure?.();
    throw new ClientAuthenticationThrottledError(Math.max(1, Math.ceil((until - now) / 1000)));
  };
  /** Records a refused attempt (counted unless the client is merely disabled) and rethrows it. */
  const failed = (clientId: string, origin: RequestOrigin, error: unknown): never => {
    if (!(error instanceof ClientAuthenticationError)) throw error;
    store.transaction(() => {
      if (error.reason !== 'disabled') throttle.recordFailure(subjectsOf(clientId, origin), clock.now(), options.rules());
      refuse(clientId, origin, REFUSAL_REASONS[error.reason]);
    });
    options.onFailure?.();
    throw error;
  };

  const authenticate = (clientId: string, clientSecret: string, origin: RequestOrigin): Client => {
    checkThrottle(clientId, origin);
    try {
      const client = clients.authenticate(clientId, clientSecret);
      throttle.reset(clientSubject(clientId));
      return client;
    } catch (error) {
      return failed(clientId, origin, error);
    }
  };

  return {
    authenticate,

    async verify(credentials, origin) {
      if (credentials.method !== 'private_key_jwt') return authenticate(credentials.clientId, credentials.clientSecret, origin);
      const clientId = credentials.clientId ?? options.assertions?.claimedClientId(credentials.assertion) ?? '';
      checkThrottle(clientId, origin);
      try {
        if (options.assertions === undefined) throw new ClientAuthenticationError('invalid');
        const client = await options.assertions.verify(credentials.assertion, credentials.clientId);
        throttle.reset(clientSubject(clientId));
        return client;
      } catch (error) {
        return failed(clientId, origin, error);
      }
    },
  };
}
