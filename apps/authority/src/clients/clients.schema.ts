import {
  CLIENT_ID_PATTERN,
  clientJwksProblem,
  encryptionJwkProblem,
  jwksUriProblem,
  MAX_AUDIENCE_LENGTH,
  MAX_REASON_LENGTH,
  SCOPE_TOKEN_PATTERN,
} from '@revmesh/authority-core';
import type { JSONWebKeySet, JWK } from 'jose';
import { z } from 'zod';
import { incidentIdSchema } from '../incidents/incidents.schema';

/** A JSON value checked by one of the core's `*Problem` functions (message = the problem). */
const checked = <T>(problem: (value: unknown) => string | undefined) =>
  z.unknown().superRefine((value, ctx) => {
    const found = problem(value);
    if (found !== undefined) ctx.addIssue({ code: 'custom', message: found });
  }) as unknown as z.ZodType<T>;

/**
 * Body of `POST /v1/clients`. Strict: an unknown field is an error, not silently dropped.
 * `jwks` or `jwks_uri` makes a `private_key_jwt` client (no secret); otherwise it gets a secret,
 * sealed to `encryption_jwk` when given.
 */
export const registerClientSchema = z
  .strictObject({
    client_id: z
      .string()
      .regex(CLIENT_ID_PATTERN, "must be 1..128 of letters, digits, '.', '_', '~', '-'")
      .optional(),
    audiences: z
      .array(z.string().min(1, 'must not be empty').max(MAX_AUDIENCE_LENGTH, `must be at most ${MAX_AUDIENCE_LENGTH} characters`))
      .min(1, 'must list at least one audience')
      .max(32, 'must list at most 32 audiences'),
    scopes: z
      .array(z.string().regex(SCOPE_TOKEN_PATTERN, 'must be an RFC 6749 scope token (printable ASCII, no spaces)'))
      .max(64, 'must list at most 64 scopes'),
    /** The client's public signing keys (JWK Set) for private_key_jwt. */
    jwks: checked<JSONWebKeySet>(clientJwksProblem).optional(),
    /** Where the client publishes its signing keys, for private_key_jwt. */
    jwks_uri: z.string().superRefine((uri, ctx) => {
      const problem = jwksUriProblem(uri);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }).optional(),
    /** A public key (JWK) the client's secrets are sealed to (JWE) instead of being shown. */
    encryption_jwk: checked<JWK>(encryptionJwkProblem).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.jwks !== undefined && body.jwks_uri !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['jwks_uri'], message: 'give jwks or jwks_uri, not both' });
    }
    if (body.encryption_jwk !== undefined && (body.jwks !== undefined || body.jwks_uri !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['encryption_jwk'], message: 'a private_key_jwt client has no secret to seal: leave encryption_jwk out' });
    }
  });
export type RegisterClientBody = z.infer<typeof registerClientSchema>;

/** Body of `POST /v1/clients/:id/rotate-secret` (besides the justification). */
export const rotateSecretSchema = z.strictObject({
  /** How long the current secret(s) stay valid beside the new one, seconds. Default: the policy's `clients.secretOverlapSeconds`. */
  overlap_seconds: z.int('must be a whole number of seconds').min(0, 'must be at least 0').optional(),
});
export type RotateSecretBody = z.infer<typeof rotateSecretSchema>;

/** Body of `POST /v1/clients/:id/disable` (besides the justification). */
export const disableClientSchema = z.strictObject({
  /** The reason of the `client_id` revocation that ends its tokens. Default: the justification. */
  reason: z.string().trim().min(1, 'must not be empty').max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`).optional(),
  /**
   * The open incident the disabling is made for (a drill's canary cleanup): its approval belongs
   * to the incident, and a drill incident's may be self-approved under `drills.allowSelfApproval`.
   */
  incident: incidentIdSchema.optional(),
});
export type DisableClientBody = z.infer<typeof disableClientSchema>;
