import { Inject, Injectable } from '@nestjs/common';
import { CLIENT_ASSERTION_ALGORITHMS, EXCHANGEABLE_TOKEN_TYPES, type SigningKeys } from '@revmesh/authority-core';
import type { AuthorityConfig } from '../../config/config';
import { AUTHORITY_CONFIG, SIGNING_KEYS } from '../../core/core.tokens';
import { issuerUrl } from '../../well-known/issuer-url';
import { CLIENT_AUTH_METHODS } from '../oauth-client-authenticator';
import { OAuthService } from '../oauth.service';
import { METADATA_CONTRIBUTIONS } from './metadata-contributions';

/**
 * The authorization server metadata (RFC 8414), built from what the code supports: the grant
 * handlers registered with the token endpoint, the client-authentication methods, the signing
 * algorithm of the token keys, then {@link METADATA_CONTRIBUTIONS}. The OpenID Connect discovery
 * document is the same document (its fields are a subset of these names), so the two never
 * disagree. There is no authorization endpoint (no browser flow), hence no
 * `authorization_endpoint` nor `response_types_supported`.
 */
@Injectable()
export class ServerMetadata {
  constructor(
    @Inject(AUTHORITY_CONFIG) private readonly config: AuthorityConfig,
    @Inject(SIGNING_KEYS) private readonly keys: SigningKeys,
    private readonly oauth: OAuthService,
  ) {}

  document(): Record<string, unknown> {
    const { issuer } = this.config;
    const methods = [...CLIENT_AUTH_METHODS];
    // RFC 8414 §2: required with private_key_jwt; what a client may sign its assertion with.
    const assertionAlgs = [...CLIENT_ASSERTION_ALGORITHMS];
    const base: Record<string, unknown> = {
      issuer,
      jwks_uri: issuerUrl(issuer, '/.well-known/jwks.json'),
      token_endpoint: issuerUrl(issuer, '/oauth/token'),
      grant_types_supported: this.oauth.grantTypes(),
      token_endpoint_auth_methods_supported: methods,
      token_endpoint_auth_signing_alg_values_supported: assertionAlgs,
      revocation_endpoint: issuerUrl(issuer, '/oauth/revoke'),
      revocation_endpoint_auth_methods_supported: methods,
      revocation_endpoint_auth_signing_alg_values_supported: assertionAlgs,
      introspection_endpoint: issuerUrl(issuer, '/oauth/introspect'),
      introspection_endpoint_auth_methods_supported: methods,
      introspection_endpoint_auth_signing_alg_values_supported: assertionAlgs,
      // Not in RFC 8414's registry but widely read (and true): what signs the access tokens.
      access_token_signing_alg_values_supported: [this.keys.active.alg],
      // RFC 8693 does not register a metadata field; listed under this name by several servers.
      token_exchange_token_types_supported: [...EXCHANGEABLE_TOKEN_TYPES],
    };
    return Object.assign(base, ...METADATA_CONTRIBUTIONS);
  }
}
