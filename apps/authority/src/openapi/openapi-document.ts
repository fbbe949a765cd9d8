import { z } from 'zod';
import { MAX_JUSTIFICATION_LENGTH } from '../auth/justification';
import { PROBLEM_TYPES, type ProblemCode } from '../problems/problem';
import type { JsonSchema, OperationDoc, SchemaSource, SuccessDoc } from './api-operation.decorator';
import type { NestRoute } from './nest-routes';
import { pathParameters } from './openapi-path';

/** Document metadata. */
export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  /** Public base URL of the authority (its issuer), the document's only server. */
  readonly serverUrl: string;
  /** The policy's `justification.minLength` now, for the `justification` member of writes. */
  readonly justificationMinLength: number;
}

/** A route registered on Fastify outside Nest's controllers (e.g. `/metrics`), with its documentation. */
export interface RawRoute {
  readonly method: string;
  readonly path: string;
  readonly doc: OperationDoc;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PROBLEM_REF = '#/components/schemas/Problem';

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect); hand-written schemas pass through. */
export function jsonSchema(source: SchemaSource, io: 'input' | 'output'): JsonSchema {
  if (!(source instanceof z.ZodType)) return source;
  // Transforms and refinements have no JSON Schema: their input side is what the client sends.
  const { $schema: _dialect, ...schema } = z.toJSONSchema(source, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
}

/** RFC 9457 problem details as the problem filter writes them. */
const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. Switch on `code`, never on `title` or `detail`.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'urn:revmesh:problem:<code in kebab case>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', enum: Object.keys(PROBLEM_TYPES) },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' }, index: { type: 'integer', minimum: 0 } },
      },
    },
  },
};

/**
 * Problems a route answers because of what it is, whatever its handler does: the guard's
 * refusals for operator routes, body parsing for writes, 404 for a path naming nothing, 400 for
 * a path parameter or query value with a NUL character.
 */
export function impliedProblems(route: NestRoute | RawRoute): ProblemCode[] {
  const codes: ProblemCode[] = [];
  const nest = 'handler' in route ? route : undefined;
  if (nest !== undefined && !nest.public) {
    codes.push('UNAUTHORIZED', 'FORBIDDEN');
    if (needsJustification(nest)) codes.push('STEP_UP_REQUIRED', 'JUSTIFICATION_REQUIRED');
  }
  if (WRITE_METHODS.has(route.method)) codes.push('MALFORMED_BODY', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'STORE_UNAVAILABLE');
  if (nest?.bodySchema !== undefined) codes.push('INVALID_REQUEST');
  // The global NulCharacterPipe refuses a path parameter or query value holding `%00`.
  if (nest !== undefined && (pathParameters(route.path).length > 0 || nest.query.length > 0)) codes.push('INVALID_REQUEST');
  if (pathParameters(route.path).length > 0) codes.push('NOT_FOUND');
  return codes;
}

function needsJustification(route: NestRoute): boolean {
  return !route.public && WRITE_METHODS.has(route.method) && !route.sessionRoute;
}

/**
 * The guard takes `justification` out of a write's body before the route's (strict) schema sees
 * it, so the schema lacks it: the document adds it back, required.
 */
function withJustification(schema: JsonSchema, minLength: number): JsonSchema {
  const properties = (schema['properties'] ?? {}) as Record<string, unknown>;
  const required = (schema['required'] ?? []) as string[];
  return {
    ...schema,
    properties: {
      ...properties,
      justification: {
        type: 'string',
        minLength,
        maxLength: MAX_JUSTIFICATION_LENGTH,
        description: 'Why (audited): `policy.justification.minLength` characters or more after trimming (the policy in force when this document was generated).',
      },
    },
    required: [...required, 'justification'],
  };
}

function problemResponses(codes: readonly ProblemCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEM_TYPES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${PROBLEM_TYPES[code].title}`).join('; '),
      content: {
        'application/problem+json': {
          schema: { allOf: [{ $ref: PROBLEM_REF }], properties: { status: { const: status }, code: { enum: [...list].sort() } } },
        },
      },
    };
  }
  return responses;
}

function defaultStatus(route: NestRoute | RawRoute): number {
  if ('handler' in route && route.httpCode !== undefined) return route.httpCode;
  return route.method === 'POST' ? 201 : 200;
}

function successResponses(route: NestRoute | RawRoute, success: SuccessDoc | readonly SuccessDoc[] | undefined): Record<string, unknown> {
  const list: readonly SuccessDoc[] = success === undefined ? [{}] : Array.isArray(success) ? success : [success as SuccessDoc];
  const responses: Record<string, unknown> = {};
  for (const s of list) {
    const status = s.status ?? defaultStatus(route);
    responses[String(status)] = {
      description: s.description ?? (status === 204 ? 'No content' : 'Success'),
      ...(s.schema === undefined ? {} : { content: { [s.contentType ?? 'application/json']: { schema: jsonSchema(s.schema, 'output') } } }),
    };
  }
  return responses;
}

type Documented = (NestRoute & { readonly doc: OperationDoc }) | RawRoute;

function security(route: Documented): readonly Readonly<Record<string, readonly string[]>>[] {
  if (route.doc.security !== undefined) return route.doc.security;
  return 'handler' in route && !route.public ? [{ operatorToken: [] }] : [];
}

function describe(route: Documented): string | undefined {
  const parts = route.doc.description === undefined ? [] : [route.doc.description];
  if ('handler' in route && !route.public) {
    const role = route.role ?? (WRITE_METHODS.has(route.method) ? 'security-admin' : 'viewer');
    const write = WRITE_METHODS.has(route.method) && !route.sessionRoute;
    parts.push(`Needs an operator token of role \`${role}\` or above${write ? ', a second factor within the step-up window and a `justification` in the body' : ''}.`);
  }
  return parts.length === 0 ? undefined : parts.join('\n\n');
}

function operation(route: Documented, justificationMinLength: number): Record<string, unknown> {
  const doc = route.doc;
  const nest = 'handler' in route ? route : undefined;
  const queryNames = [...new Set([...(nest?.query ?? []), ...(doc.query ?? [])])];
  const parameters = [
    ...pathParameters(route.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', minLength: 1 } })),
    ...queryNames.map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
  ];
  const justified = nest !== undefined && needsJustification(nest);
  const routeBody = doc.body ?? (nest?.bodySchema === undefined ? undefined : { contentType: 'application/json', schema: nest.bodySchema });
  const bodySchema = routeBody === undefined ? undefined : jsonSchema(routeBody.schema, 'input');
  const body =
    routeBody !== undefined && bodySchema !== undefined
      ? { required: routeBody.required ?? true, content: { [routeBody.contentType]: { schema: justified ? withJustification(bodySchema, justificationMinLength) : bodySchema } } }
      : justified
        ? { required: true, content: { 'application/json': { schema: withJustification({ type: 'object', additionalProperties: false }, justificationMinLength) } } }
        : undefined;
  const errors = Object.fromEntries(
    Object.entries(doc.errors ?? {}).map(([status, e]) => [status, { description: e.description, content: { 'application/json': { schema: jsonSchema(e.schema, 'output') } } }]),
  );
  const description = describe(route);
  const segments = route.path.split('/').filter((s) => s.length > 0 && s !== 'v1');
  return {
    operationId: nest?.handler ?? `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+/g, '_')}`,
    summary: doc.summary,
    ...(description === undefined ? {} : { description }),
    tags: [...(doc.tags ?? [segments[0] ?? 'root'])],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(body === undefined ? {} : { requestBody: body }),
    responses: {
      ...successResponses(route, doc.success),
      ...(doc.errors === undefined ? problemResponses([...impliedProblems(route), ...(doc.problems ?? [])]) : errors),
    },
    security: security(route),
  };
}

/**
 * The OpenAPI 3.1 document of the routes that carry an `@ApiOperation` (the OpenAPI spec fails on
 * any registered route without one), plus the raw Fastify routes given.
 */
export function openApiDocument(info: OpenApiInfo, routes: readonly NestRoute[], raw: readonly RawRoute[] = []): Record<string, unknown> {
  const documented: Documented[] = [...routes.filter((r): r is NestRoute & { doc: OperationDoc } => r.doc !== undefined), ...raw];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of [...documented].sort((a, b) => a.path.localeCompare(b.path))) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, info.justificationMinLength);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: info.title,
      version: info.version,
      description:
        'The revmesh authority. Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`, except on `/oauth/*` (RFC 6749 `{error, error_description}`) and the SSF endpoints (their RFCs\' formats). HEAD is answered for every GET route.',
    },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: {
        operatorToken: { type: 'http', scheme: 'bearer', description: 'Operator session token from `POST /v1/login` (and `/v1/login/step-up` for writes).' },
        clientBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'OAuth client authentication `client_secret_basic`; `client_secret_post` and `private_key_jwt` (RFC 7523) go in the form body instead.',
        },
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An access token of this authority (client credentials) with the scope the route names, e.g. `ssf.manage` / `ssf.read` for SSF receivers.',
        },
        transmitterAuthorization: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'The `Authorization` value revmesh gave an SSF transmitter when it created the push stream (RFC 8935).',
        },
      },
    },
  };
}
