import { REVOCATION_TARGET_TYPES } from '@revmesh/contracts';
import { MAX_ISSUER_LENGTH, MAX_REASON_LENGTH, MAX_TARGET_VALUE_LENGTH } from '@revmesh/authority-core';
import { z } from 'zod';
import { incidentIdSchema } from '../incidents/incidents.schema';

/** What a revocation targets: the fields of a single revocation and of each target of a batch. */
export const revocationTargetFields = {
  target: z.enum(REVOCATION_TARGET_TYPES, { error: `must be one of ${REVOCATION_TARGET_TYPES.join(', ')}` }),
  value: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_TARGET_VALUE_LENGTH, `must be at most ${MAX_TARGET_VALUE_LENGTH} characters`),
  /** The trusted external issuer whose tokens are targeted (`GET /v1/issuers`); absent: the authority's own tokens. */
  iss: z
    .string()
    .min(1, 'must not be empty (leave iss out to target the authority\'s own tokens)')
    .max(MAX_ISSUER_LENGTH, `must be at most ${MAX_ISSUER_LENGTH} characters`)
    .optional(),
};

/** RFC 7638 SHA-256 JWK thumbprint, base64url: what a `jkt` target names (a DPoP-bound token's `cnf.jkt`). */
const JKT_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Cross-field rule of a target: a `jkt` value must be a thumbprint (a typo would revoke nothing, silently). */
export function checkJktTarget(body: { readonly target: string; readonly value: string }, ctx: z.RefinementCtx): void {
  if (body.target === 'jkt' && !JKT_PATTERN.test(body.value)) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'a jkt is the 43-character base64url SHA-256 thumbprint of the client key (RFC 7638), as in the token\'s cnf.jkt' });
  }
}

/** Why: one per revocation, or one for a whole batch. */
export const revocationReasonSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`);

/** Body of `POST /v1/revocations`. Limits match the `revocation.issued` v1 contract. */
export const createRevocationSchema = z
  .strictObject({ ...revocationTargetFields, reason: revocationReasonSchema, incident: incidentIdSchema.optional() })
  .superRefine(checkJktTarget);
export type CreateRevocationBody = z.infer<typeof createRevocationSchema>;
