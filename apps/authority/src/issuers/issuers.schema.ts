import { issuerUrlProblem, MAX_ISSUER_DESCRIPTION_LENGTH, MAX_ISSUER_LENGTH } from '@revmesh/authority-core';
import { z } from 'zod';

/**
 * Body of `POST /v1/issuers`. Strict: an unknown field is an error. (The controller also refuses
 * the authority's own issuer, which this schema cannot know.)
 */
export const addIssuerSchema = z.strictObject({
  issuer: z
    .string({ error: 'must be the exact "iss" of the provider\'s tokens, e.g. https://sso.example.com/realms/acme' })
    .max(MAX_ISSUER_LENGTH, `must be at most ${MAX_ISSUER_LENGTH} characters`)
    .superRefine((issuer, ctx) => {
      const problem = issuerUrlProblem(issuer);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  description: z.string().max(MAX_ISSUER_DESCRIPTION_LENGTH, `must be at most ${MAX_ISSUER_DESCRIPTION_LENGTH} characters`).optional(),
});
export type AddIssuerBody = z.infer<typeof addIssuerSchema>;
