import type { JsonSchema, SuccessDoc } from './api-operation.decorator';
import { pendingApprovalViewSchema } from './view-schemas';

/**
 * JSON Schemas of response bodies whose views are TypeScript types only. They name the members a
 * client relies on and leave the rest open (`additionalProperties` allowed), so a new member is
 * not a breaking change and the fuzzer's conformance check holds.
 */

/** Any JSON object. */
export const OBJECT: JsonSchema = { type: 'object' };

/** An object with these required members (any value). */
export function objectWith(...members: readonly string[]): JsonSchema {
  return { type: 'object', required: [...members], properties: Object.fromEntries(members.map((m) => [m, {}])) };
}

/** `{ [member]: object[] }`, the shape of every list route. */
export function listOf(member: string): JsonSchema {
  return { type: 'object', required: [member], properties: { [member]: { type: 'array', items: OBJECT } } };
}

/** A JWK Set. */
export const JWKS: JsonSchema = { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: objectWith('kty') } } };

/** `202 { status: 'pending-approval', approval }`: the action waits for a second security-admin. */
export const PENDING_APPROVAL: SuccessDoc = {
  status: 202,
  description: 'The policy puts this action behind a second security-admin: an approval request was opened (its URL in `Location`).',
  schema: pendingApprovalViewSchema,
};

/** RFC 6749 §5.2 error body of the OAuth endpoints. */
export const OAUTH_ERROR: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'string',
      enum: ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_target', 'server_error', 'temporarily_unavailable', 'invalid_dpop_proof', 'use_dpop_nonce'],
    },
    error_description: { type: 'string' },
  },
};

/** The error answers of an OAuth endpoint (RFC 6749 format, never problem+json). */
export const OAUTH_ERRORS = {
  400: { description: 'invalid_request, invalid_grant, invalid_scope, invalid_target, unsupported_grant_type, invalid_dpop_proof, use_dpop_nonce, …', schema: OAUTH_ERROR },
  401: { description: 'invalid_client (with `WWW-Authenticate: Basic`)', schema: OAUTH_ERROR },
  413: { description: 'invalid_request: the body is too large', schema: OAUTH_ERROR },
  415: { description: 'invalid_request: not a form body', schema: OAUTH_ERROR },
  429: { description: 'temporarily_unavailable: failed client authentications throttled; retry after `Retry-After`', schema: OAUTH_ERROR },
  503: { description: 'temporarily_unavailable: the store cannot write; retry after `Retry-After`', schema: OAUTH_ERROR },
} as const;

/** Client authentication at the OAuth endpoints: Basic, or credentials in the form body. */
export const CLIENT_AUTH = [{ clientBasic: [] }, {}] as const;

/** Form members every OAuth endpoint accepts for client authentication (RFC 6749 §2.3, RFC 7523). */
const CLIENT_CREDENTIAL_MEMBERS = {
  client_id: { type: 'string' },
  client_secret: { type: 'string' },
  client_assertion_type: { type: 'string' },
  client_assertion: { type: 'string' },
};

/** A form body of an OAuth endpoint with these members besides client authentication. */
export function oauthForm(required: readonly string[], members: Readonly<Record<string, JsonSchema>>): { contentType: string; schema: JsonSchema } {
  return { contentType: 'application/x-www-form-urlencoded', schema: { type: 'object', required: [...required], properties: { ...members, ...CLIENT_CREDENTIAL_MEMBERS } } };
}

/** The SSF transmitter's receiver-facing problems (SSF 1.0 §8.1 statuses). */
export const SSF_PROBLEMS = ['UNAUTHORIZED', 'FORBIDDEN', 'INVALID_REQUEST', 'NOT_FOUND', 'CONFLICT', 'TOO_MANY_REQUESTS'] as const;
