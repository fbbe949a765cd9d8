import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { AuthorityCore, SigningKeys } from '@revmesh/authority-core';
import type { EventSignerJwk } from '@revmesh/contracts';
import { Public } from '../auth/public.decorator';
import { AUTHORITY_CORE, SIGNING_KEYS } from '../core/core.tokens';
import { ServerMetadata } from '../oauth/metadata/server-metadata';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { objectWith, JWKS } from '../openapi/schemas';

/** Discovery (RFC 8414 / OpenID Connect Discovery) and the public keys. */
@Public()
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly metadata: ServerMetadata,
    @Inject(SIGNING_KEYS) private readonly keys: SigningKeys,
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
  ) {}

  /**
   * Authorization server metadata (RFC 8414): every endpoint, grant, client authentication
   * method and algorithm, derived from the code (see `ServerMetadata`).
   */
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414)', success: { schema: objectWith('issuer', 'token_endpoint', 'jwks_uri') } })
  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer(): Record<string, unknown> {
    return this.metadata.document();
  }

  /**
   * OpenID Connect discovery: the same document as the RFC 8414 metadata, so the two cannot
   * disagree. This authority has no authorization endpoint, ID tokens or userinfo, so those
   * fields are absent.
   */
  @ApiOperation({ summary: 'OpenID Connect discovery (same document as RFC 8414)', success: { schema: objectWith('issuer', 'token_endpoint', 'jwks_uri') } })
  @Get('openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  discovery(): Record<string, unknown> {
    return this.metadata.document();
  }

  /**
   * Public keys only: active, retiring and the pre-published standby (pending), so a third-party
   * verifier already holds the next key when it starts signing. Cached briefly: keys rotate.
   */
  @ApiOperation({ summary: 'Token-signing public keys (active, retiring, standby)', success: { schema: JWKS } })
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
  @ApiOperation({ summary: 'Event-signing public keys', success: { schema: JWKS } })
  @Get('revmesh-event-signers.json')
  @Header('Cache-Control', 'public, max-age=60')
  eventSigners(): { readonly keys: readonly EventSignerJwk[] } {
    return { keys: this.core.eventSigners.trusted() };
  }
}
