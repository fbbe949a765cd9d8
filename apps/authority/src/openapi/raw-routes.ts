import type { RawRoute } from './openapi-document';

/**
 * Routes `bootstrap.ts` registers on Fastify directly rather than through a controller, with
 * their documentation; the document lists those that are registered.
 */
export const RAW_ROUTES: readonly RawRoute[] = [
  {
    method: 'GET',
    path: '/metrics',
    doc: {
      summary: 'Prometheus metrics',
      description: 'The OpenTelemetry Prometheus exporter (text exposition format). Public.',
      tags: ['observability'],
      success: { status: 200, contentType: 'text/plain', schema: { type: 'string' } },
      security: [],
    },
  },
];
