import { z } from 'zod';

/**
 * Body of `PUT /v1/policy`: `{policy, justification}`. The operator guard takes the
 * justification out of the body; the policy itself is validated by authority-core (422
 * `POLICY_INVALID` naming each field), so here it only has to be a JSON object.
 */
export const updatePolicySchema = z.strictObject({
  policy: z.record(z.string(), z.unknown(), { error: 'must be a JSON object (the whole policy; omitted fields take their defaults)' }),
});
export type UpdatePolicyBody = z.infer<typeof updatePolicySchema>;
