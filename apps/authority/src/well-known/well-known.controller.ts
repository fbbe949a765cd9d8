import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { AuthorityCore, SigningKeys } from '@revmesh/authority-core';
import type { EventSignerJwk } from '@revmesh/contracts';
import { Public } from '../auth/public.decorator';
import type { AuthorityConfig } from '../config/config';
import { AUTHORITY_CONFIG, AUTHORITY_CORE, SIGNING_KEYS } from '../core/core.tokens';
import { issuerUrl } from './issuer-url';

/** Discovery (RFC 8414 / OpenID Connect Discovery) and the public keys. */
@Public()
@Controller('.well-known')
export class WellKnownController {
  constructor(
    @Inject(AUTHORITY_CONFIG) private readonly config: AuthorityConfig,
    @Inject(SIGNING_KEYS) private readonly keys: SigningKeys,
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
  ) {}

  /**
   * Only what this authority actually supports: it issues access tokens by client credentials
   * and has no authorization endpoint, no ID tokens and no userinfo, so those fields are absent.
   */
  @Get('openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  discovery(): Record<string, unknown> {
    return {
      issuer: this.config.issuer,
      jwks_uri: issuerUrl(this.config.issuer, '/.well-known/jwks.json'),
      token_endpoint: issuerUrl(this.config.issuer, '/oauth/token'),
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    };
  }

  /**
   * Public keys only: active, retiring and the pre-published standby (pending), so a third-party
   * verifier already holds the next key when it starts signing. Cached briefly: keys rotate.
   */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  jwks(): { readonly keys: readonly unknown[] } {
    return this.keys.jwks();
  }

  /**
   * The event signers sidecars should trust now (current, announced, and the previous one
   * during an overlap), as a JWK Set. Fetching this at boot is trust-on-first-use; production
   * sidecars pin these keys in REVMESH_EVENT_SIGNERS.
   */
  @Get('revmesh-event-signers.json')
  @Header('Cache-Control', 'public, max-age=60')
  eventSigners(): { readonly keys: readonly EventSignerJwk[] } {
    return { keys: this.core.eventSigners.trusted() };
  }
}
