import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';
import { nestRoutes } from './nest-routes';
import { RouteRegistry } from './route-registry';
import { ModulesContainer } from '@nestjs/core';
import { PROBLEM_TYPES } from '../problems/problem';

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: { properties?: { code?: { enum?: string[] } } } }> }>; security: unknown[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('GET /openapi.json', () => {
  let fixture: AuthorityFixture;
  let document: Document;

  beforeAll(async () => {
    // A metrics handler, so the raw /metrics route is registered and must be documented too.
    fixture = await startTestAuthority({}, { metricsHandler: (_request, response) => response.end('') });
    const response = await fixture.request({ method: 'GET', url: '/openapi.json', as: null });
    expect(response.statusCode).toBe(200);
    document = response.json<Document>();
  });
  afterAll(() => fixture.close());

  it('is an OpenAPI 3.1 document served to anonymous callers', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.paths['/openapi.json']?.['get']?.security).toEqual([]);
  });

  it('documents every route Fastify registered', () => {
    const registry = fixture.authority.app.get(RouteRegistry);
    const handlers = new Map(nestRoutes(fixture.authority.app.get(ModulesContainer)).map((r) => [`${r.method} ${r.path}`, r.handler]));
    const missing = registry
      .routes()
      .filter((r) => document.paths[r.path]?.[r.method.toLowerCase()] === undefined)
      .map((r) => {
        const handler = handlers.get(`${r.method} ${r.path}`);
        return handler === undefined
          ? `${r.method} ${r.path}: a raw Fastify route; add its documentation to RAW_ROUTES in apps/authority/src/openapi/raw-routes.ts`
          : `${r.method} ${r.path} (${handler}): add @ApiOperation({ summary, success: { schema }, problems }) from apps/authority/src/openapi/api-operation.decorator.ts to the handler`;
      });
    expect(missing).toEqual([]);
  });

  it('documents nothing that is not registered', () => {
    const registered = new Set(fixture.authority.app.get(RouteRegistry).routes().map((r) => `${r.method} ${r.path}`));
    const documented = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.filter((op) => !registered.has(op))).toEqual([]);
  });

  it('lists the guard refusals on every operator route, and only codes of their status', () => {
    for (const [path, ops] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.security.length > 0 && JSON.stringify(op.security).includes('operatorToken')) {
          expect({ op: `${method} ${path}`, statuses: Object.keys(op.responses) }).toEqual({ op: `${method} ${path}`, statuses: expect.arrayContaining(['401', '403']) });
        }
        for (const [status, response] of Object.entries(op.responses)) {
          const codes = response.content?.['application/problem+json']?.schema.properties?.code?.enum ?? [];
          for (const code of codes) expect(`${code} ${PROBLEM_TYPES[code as keyof typeof PROBLEM_TYPES].status}`).toBe(`${code} ${status}`);
        }
      }
    }
  });

  it('describes request bodies with the zod schemas the routes validate with', () => {
    const revoke = document.paths['/v1/revocations']?.['post'] as unknown as { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; additionalProperties?: boolean } }> } };
    const schema = revoke.requestBody.content['application/json']?.schema;
    expect(Object.keys(schema?.properties ?? {})).toEqual(expect.arrayContaining(['target', 'value', 'reason', 'justification']));
    expect(schema?.additionalProperties).toBe(false);
  });
});
