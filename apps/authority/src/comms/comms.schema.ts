import { COMMS_AUDIENCES, MAX_WHAT_TO_DO_LENGTH } from '@revmesh/authority-core';
import { z } from 'zod';

// The guard has already taken `justification` out of the body (it goes to the audit context).
const audience = z.enum(COMMS_AUDIENCES, { error: `must be one of ${COMMS_AUDIENCES.join(', ')}` });
const whatToDo = z.string().trim().min(1, 'must not be empty').max(MAX_WHAT_TO_DO_LENGTH, `must be at most ${MAX_WHAT_TO_DO_LENGTH} characters`);

/** Body of `POST /v1/incidents/:id/comms`. */
export const sendCommsSchema = z.strictObject({
  audience,
  /** `{{whatToDo}}`; default: the policy's `comms.whatToDo` for the audience. */
  what_to_do: whatToDo.optional(),
  /** The `text_sha256` of the preview the sender read: refused (409 COMMS_TEXT_CHANGED) when the text is no longer that. */
  expected_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256 (text_sha256 of a preview)').optional(),
});
export type SendCommsBody = z.infer<typeof sendCommsSchema>;

/** Query of `GET /v1/incidents/:id/comms/preview`. */
export const previewCommsQuerySchema = z.strictObject({ audience, what_to_do: whatToDo.optional() });
