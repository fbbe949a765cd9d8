import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import type { AuthorityCore, TransmitterMetadata } from '@revmesh/authority-core';
import { Public } from '../auth/public.decorator';
import type { AuthorityConfig } from '../config/config';
import { AUTHORITY_CONFIG, AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpRequest } from '../http/http-types';
import { ProblemException } from '../problems/problem';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { objectWith } from '../openapi/schemas';

/**
 * SSF 1.0 §7.2 discovery: `/.well-known/ssf-configuration` for an issuer without a path, and the
 * RFC 8414-style `/.well-known/ssf-configuration/<issuer path>` when the issuer has one (both
 * answer, so a receiver finds it whichever rule it follows).
 */
@Public()
@Controller('.well-known/ssf-configuration')
export class SsfConfigurationController {
  constructor(
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
    @Inject(AUTHORITY_CONFIG) private readonly config: AuthorityConfig,
  ) {}

  @ApiOperation({ summary: 'SSF transmitter metadata', success: { schema: objectWith('issuer') } })
  @Get()
  @Header('Cache-Control', 'public, max-age=300')
  metadata(): TransmitterMetadata {
    return this.core.ssfTransmitter.metadata();
  }

  @ApiOperation({ summary: 'SSF transmitter metadata for an issuer with a path', success: { schema: objectWith('issuer') } })
  @Get('*')
  @Header('Cache-Control', 'public, max-age=300')
  metadataForPath(@Req() request: HttpRequest): TransmitterMetadata {
    const path = new URL(request.url, 'http://x').pathname.slice('/.well-known/ssf-configuration'.length);
    const asked = `/${decodeURIComponent(path).replace(/^\/+|\/+$/g, '')}`;
    const own = new URL(this.config.issuer).pathname.replace(/\/+$/, '');
    if (own === '' || asked !== own) throw new ProblemException('NOT_FOUND', `no SSF transmitter for the issuer path ${asked}`);
    return this.core.ssfTransmitter.metadata();
  }
}
