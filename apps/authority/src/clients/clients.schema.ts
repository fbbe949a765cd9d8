import { CLIENT_ID_PATTERN, MAX_AUDIENCE_LENGTH, SCOPE_TOKEN_PATTERN } from '@revmesh/authority-core';
import { z } from 'zod';

/** Body of `POST /v1/clients`. Strict: an unknown field is an error, not silently dropped. */
export const registerClientSchema = z.strictObject({
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
});
export type RegisterClientBody = z.infer<typeof registerClientSchema>;
