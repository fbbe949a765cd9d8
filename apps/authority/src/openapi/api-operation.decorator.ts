import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import type { ProblemCode } from '../problems/problem';

export const API_OPERATION = 'revmesh:openapi-operation';

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) written by hand, for what zod does not describe. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A response body: a zod schema (converted with `z.toJSONSchema`, output side) or a JSON Schema. */
export type SchemaSource = z.ZodType | JsonSchema;

/** The success answer of a route. */
export interface SuccessDoc {
  /** Default: the route's `@HttpCode`, else Nest's default (201 for POST, 200 otherwise). */
  readonly status?: number;
  readonly description?: string;
  /** Omitted: an empty body (e.g. 204). */
  readonly schema?: SchemaSource;
  /** Default `application/json`. */
  readonly contentType?: string;
}

/**
 * What the code cannot tell about a route. The rest is read from Nest's metadata: path, method,
 * path and query parameters, the request body (the zod schema of its `ZodBodyPipe`), the success
 * status (`@HttpCode`), who may call it (`@Public`, `@RequireRole`, `@SessionRoute`) and the
 * problems every route of that kind can answer (see `openapi-document.ts`).
 */
export interface OperationDoc {
  readonly summary: string;
  readonly description?: string;
  /** Default: the first segment of the path after `v1`. */
  readonly tags?: readonly string[];
  /** One success answer, or several (e.g. 200 and 202 for an action that may need approval). */
  readonly success?: SuccessDoc | readonly SuccessDoc[];
  /** Problem codes this route answers besides the ones implied by its kind. */
  readonly problems?: readonly ProblemCode[];
  /** Request body when it is not a `ZodBodyPipe`'s, e.g. a form or a compact JWS. */
  readonly body?: { readonly contentType: string; readonly schema: SchemaSource; readonly required?: boolean };
  /**
   * Error answers not in problem+json, e.g. RFC 6749 `{ error }` bodies of the OAuth endpoints:
   * status → description and schema. Such a route lists no problems.
   */
  readonly errors?: Readonly<Record<number, { readonly description: string; readonly schema: SchemaSource }>>;
  /** Overrides the security read from the guard metadata (e.g. OAuth client authentication). */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  /** Query parameters beyond the `@Query('name')` ones (all optional strings). */
  readonly query?: readonly string[];
}

/**
 * Documents a route in `GET /openapi.json`, beside its handler. Every route needs one: the
 * OpenAPI spec fails, naming the route and this decorator, when a registered route has none.
 */
export const ApiOperation = (doc: OperationDoc): MethodDecorator => SetMetadata(API_OPERATION, doc);
