import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Public } from '../auth/public.decorator';
import type { AuthorityConfig } from '../config/config';
import { AUTHORITY_CONFIG } from '../core/core.tokens';
import { ApiOperation } from './api-operation.decorator';
import { nestRoutes } from './nest-routes';
import { openApiDocument } from './openapi-document';
import { RAW_ROUTES } from './raw-routes';
import { RouteRegistry } from './route-registry';

/** Version of the HTTP API the document describes (the `/v1` routes). */
export const API_VERSION = '1';

/** The OpenAPI 3.1 document of the authority, generated from the routes' metadata at first request. */
@Public()
@Controller()
export class OpenApiController {
  private document: Record<string, unknown> | undefined;

  constructor(
    private readonly modules: ModulesContainer,
    private readonly registry: RouteRegistry,
    @Inject(AUTHORITY_CONFIG) private readonly config: AuthorityConfig,
  ) {}

  @Get('openapi.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'This OpenAPI 3.1 document',
    description: 'Generated from the code: routes, bodies (their zod schemas), responses and problem codes.',
    tags: ['meta'],
    success: { schema: { type: 'object', required: ['openapi', 'paths'], properties: { openapi: { const: '3.1.0' }, paths: { type: 'object' } } } },
  })
  openApi(): Record<string, unknown> {
    if (this.document === undefined) {
      const registered = new Set(this.registry.routes().map((r) => `${r.method} ${r.path}`));
      this.document = openApiDocument(
        { title: 'revmesh authority', version: API_VERSION, serverUrl: this.config.issuer },
        nestRoutes(this.modules),
        RAW_ROUTES.filter((r) => registered.has(`${r.method} ${r.path}`)),
      );
    }
    return this.document;
  }
}
