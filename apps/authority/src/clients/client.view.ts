import type { Client, ClientDetails, IssuedSecret } from '@revmesh/authority-core';

/**
 * A client as the API shows it (RFC 7591 member names where one exists). Times: ISO 8601.
 * `token_endpoint_auth_method`: `client_secret_basic` (Basic or form post) or `private_key_jwt`.
 */
export interface ClientView {
  readonly client_id: string;
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
  readonly token_endpoint_auth_method: 'client_secret_basic' | 'private_key_jwt';
  readonly jwks: unknown;
  readonly jwks_uri: string | null;
  /** Whether new secrets are sealed to a registered key (the key itself: `encryption_jwk`). */
  readonly encryption_jwk: unknown;
  readonly enabled: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

/** One valid secret: when it was issued and, for one a rotation replaced, when it stops working. */
export interface ClientSecretView {
  readonly created_at: string;
  readonly expires_at: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function clientView(client: Client): ClientView {
  return {
    client_id: client.clientId,
    audiences: client.audiences,
    scopes: client.scopes,
    token_endpoint_auth_method: client.authMethod === 'private_key_jwt' ? 'private_key_jwt' : 'client_secret_basic',
    jwks: client.jwks,
    jwks_uri: client.jwksUri,
    encryption_jwk: client.encryptionJwk,
    enabled: client.enabled,
    created_at: iso(client.createdAt),
    updated_at: iso(client.updatedAt),
  };
}

export function clientDetailsView(client: ClientDetails): ClientView & { readonly secrets: readonly ClientSecretView[] } {
  return { ...clientView(client), secrets: client.secrets.map((s) => ({ created_at: iso(s.createdAt), expires_at: s.expiresAt === null ? null : iso(s.expiresAt) })) };
}

/** A newly issued secret: `client_secret` shown this once, or `client_secret_jwe` sealed to the client's key. */
export function issuedSecretView(secret: IssuedSecret): { readonly client_secret: string } | { readonly client_secret_jwe: string } {
  return 'clientSecret' in secret ? { client_secret: secret.clientSecret } : { client_secret_jwe: secret.clientSecretJwe };
}

/** Where a client is read. */
export function clientLocation(clientId: string): string {
  return `/v1/clients/${encodeURIComponent(clientId)}`;
}
