import { z } from 'zod';
import { envelopeBaseSchema } from './envelope';

/** What a revocation can name. */
export const REVOCATION_TARGET_TYPES = ['jti', 'sub', 'client_id', 'sid', 'jkt'] as const;
export type RevocationTargetType = (typeof REVOCATION_TARGET_TYPES)[number];

export const revocationTargetSchema = z.object({
  type: z.enum(REVOCATION_TARGET_TYPES),
  value: z.string().min(1).max(512),
});
export type RevocationTarget = z.infer<typeof revocationTargetSchema>;

export const REVOCATION_ISSUED = 'revocation.issued' as const;

/**
 * A revocation decided by the authority.
 *
 * - `jti` targets deny exactly one token.
 * - `sub`, `client_id`, `sid` and `jkt` targets deny every matching token whose `iat` (seconds) is
 *   at or before `not_after_iat`. `jkt` matches tokens bound to a client key (DPoP, RFC 9449:
 *   `cnf.jkt`, the key's RFC 7638 SHA-256 thumbprint): revoking a stolen key's thumbprint denies
 *   every token bound to it. The authority sets it to the revocation second itself, so a
 *   token issued earlier in that second can never pass (see README, "Revocation and the
 *   one-second `iat`").
 * - `iss` (optional) names the issuer whose tokens the rule applies to, for tokens of a trusted
 *   external issuer (an OIDC provider registered with the authority). Absent means the
 *   authority's own issuer, so events written before the field existed keep their meaning.
 * - `expires_at` (epoch ms) is when the rule can no longer match a live token (revocation time +
 *   the longest access-token lifetime); sidecars drop the rule then, which bounds their memory.
 */
export const revocationIssuedV1Schema = envelopeBaseSchema.extend({
  type: z.literal(REVOCATION_ISSUED),
  version: z.literal(1),
  payload: z
    .object({
      revocation_id: z.string().min(1).max(100),
      target: revocationTargetSchema,
      iss: z.string().min(1).max(2048).optional(),
      revoked_at: z.number().int().positive(),
      not_after_iat: z.number().int().nonnegative(),
      expires_at: z.number().int().positive(),
      reason: z.string().min(1).max(1000),
    })
    .refine((p) => p.expires_at >= p.revoked_at, {
      message: 'expires_at must not be before revoked_at',
      path: ['expires_at'],
    }),
});
export type RevocationIssuedEvent = z.infer<typeof revocationIssuedV1Schema>;
