import { systemAuditContext, type AuditContext } from '../audit/audit-context';
import type { PolicySource } from '../policy/policy-document';
import type { Revocation } from '../revocations/revocation';
import type { RevocationService } from '../revocations/revocation-service';
import type { Seconds } from '../time/clock';
import type { Client, ClientRegistration, ClientRegistry } from './client-registry';
import { sealSecret } from './secret-sealing';

/**
 * A newly issued secret as it leaves the authority: shown this once (`clientSecret`), or, when
 * the client registered an encryption key, only sealed to it as a compact JWE (`clientSecretJwe`).
 */
export type IssuedSecret = { readonly clientSecret: string } | { readonly clientSecretJwe: string };

/** What {@link ClientLifecycle.register} returns. */
export interface IssuedClient {
  readonly client: Client;
  /** Absent for a `private_key_jwt` client. */
  readonly secret?: IssuedSecret;
}

/** What {@link ClientLifecycle.rotateSecret} returns. */
export interface SecretRotation {
  readonly client: Client;
  readonly secret: IssuedSecret;
  /** The overlap applied, seconds. */
  readonly overlapSeconds: Seconds;
  /** When the secrets it replaced stop working, epoch ms. */
  readonly previousExpiresAt: number;
}

/** What {@link ClientLifecycle.disable} returns. */
export interface DisabledClient {
  readonly client: Client;
  /** The `client_id` revocation that ends the tokens it already holds, at every sidecar. */
  readonly revocation: Revocation;
}

/**
 * The operator actions on clients beyond the registry's bookkeeping: secrets leave sealed when
 * the client asked for it, rotation overlaps follow the policy, and disabling also ends the
 * client's tokens. Every action is audited (by the registry and the revocation service).
 */
export interface ClientLifecycle {
  /** Registers a client (see {@link ClientRegistry.register}); its secret sealed if it registered a key. */
  register(registration: ClientRegistration, context?: AuditContext): Promise<IssuedClient>;
  /**
   * Issues a new secret; the old ones stay valid `overlapSeconds` more (default the policy's
   * `clients.secretOverlapSeconds`).
   * @throws {RangeError} for an overlap beyond the policy's `clients.maxSecretOverlapSeconds` (the API checks first).
   * @throws {ClientNotFoundError} / {ClientAuthMethodConflictError} as the registry's `rotateSecret`.
   */
  rotateSecret(clientId: string, request: { readonly overlapSeconds?: Seconds }, context?: AuditContext): Promise<SecretRotation>;
  /**
   * Disables the client (it gets no new token from then on), then revokes its tokens by
   * `client_id` with `reason`, pushed to every sidecar. Disabling an already disabled client
   * revokes again: after a crash between the two steps, disabling again completes it. The
   * two-person rule (`clients.disable` in the policy's `approvals.requiredFor`) is the caller's
   * business: the approval gate runs this once approved.
   * @throws {ClientNotFoundError}
   */
  disable(clientId: string, reason: string, context?: AuditContext): Promise<DisabledClient>;
  /** Enables a client again. Its revoked tokens stay revoked; new ones work. @throws {ClientNotFoundError} */
  enable(clientId: string, context?: AuditContext): Client;
}

export interface ClientLifecycleOptions {
  readonly clients: ClientRegistry;
  readonly revocations: Pick<RevocationService, 'revoke'>;
  /** Read on every rotation: `clients.secretOverlapSeconds` and `clients.maxSecretOverlapSeconds`. */
  readonly policy: PolicySource;
}

export function createClientLifecycle(options: ClientLifecycleOptions): ClientLifecycle {
  const { clients, revocations, policy } = options;
  const deliver = async (client: Client, secret: string): Promise<IssuedSecret> =>
    client.encryptionJwk === null ? { clientSecret: secret } : { clientSecretJwe: await sealSecret(secret, client.encryptionJwk) };

  return {
    async register(registration, context = systemAuditContext('authority')) {
      const registered = clients.register(registration, context);
      const { clientSecret, ...client } = registered;
      return clientSecret === undefined ? { client } : { client, secret: await deliver(client, clientSecret) };
    },

    async rotateSecret(clientId, request, context = systemAuditContext('authority')) {
      const rules = policy.current().clients;
      const overlapSeconds = request.overlapSeconds ?? rules.secretOverlapSeconds;
      if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > rules.maxSecretOverlapSeconds) {
        throw new RangeError(`overlapSeconds must be a whole number in 0..${rules.maxSecretOverlapSeconds} (the policy's clients.maxSecretOverlapSeconds)`);
      }
      const rotated = clients.rotateSecret(clientId, overlapSeconds * 1000, context);
      return { client: rotated.client, secret: await deliver(rotated.client, rotated.clientSecret), overlapSeconds, previousExpiresAt: rotated.previousExpiresAt };
    },

    async disable(clientId, reason, context = systemAuditContext('authority')) {
      const { client } = clients.setEnabled(clientId, false, context);
      const revocation = await revocations.revoke({ target: { type: 'client_id', value: clientId }, reason, actor: context.actor, context });
      return { client, revocation };
    },

    enable(clientId, context = systemAuditContext('authority')) {
      return clients.setEnabled(clientId, true, context).client;
    },
  };
}
