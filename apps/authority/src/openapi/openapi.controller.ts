import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Public } from '../auth/public.decorator';
import type { AuthorityConfig } from '../config/config';
import type { AuthorityCore } from '@revmesh/authority-core';
import { AUTHORITY_CONFIG, AUTHORITY_CORE } from '../core/core.tokens';
import { ApiOperation } from './api-operation.decorator';
import { nestRoutes } from './nest-routes';
import { openApiDocument } from './openapi-document';
import { RAW_ROUTES } from './raw-routes';
import { RouteRegistry } from './route-registry';

/** Version of the HTTP API the document describes (the `/v1` routes). */
export const API_VERSION = '1';

/**
 * The OpenAPI 3.1 document of the authority, generated from the routes' metadata on each request
 * (a few milliseconds): it follows the policy in force (the justification length).
 */
@Public()
@Controller()
export class OpenApiController {
  constructor(
    private readonly modules: ModulesContainer,
    private readonly registry: RouteRegistry,
    @Inject(AUTHORITY_CONFIG) private readonly config: AuthorityConfig,
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
  ) {}

  @Get('openapi.json')
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({
    summary: 'This OpenAPI 3.1 document',
    description: 'Generated from the code: routes, bodies (their zod schemas), responses and problem codes.',
    tags: ['meta'],
    success: { schema: { type: 'object', required: ['openapi', 'paths'], properties: { openapi: { const: '3.1.0' }, paths: { type: 'object' } } } },
  })
  openApi(): Record<string, unknown> {
    const registered = new Set(this.registry.routes().map((r) => `${r.method} ${r.path}`));
    return openApiDocument(
      {
        title: 'revmesh authority',
        version: API_VERSION,
        serverUrl: this.config.issuer,
        justificationMinLength: this.core.securityPolicy.current().justification.minLength,
      },
      nestRoutes(this.modules),
      RAW_ROUTES.filter((r) => registered.has(`${r.method} ${r.path}`)),
    );
  }
}
