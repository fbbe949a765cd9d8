import { z } from 'zod';
import { reasonField } from '../validation/reason-body.schema';

/** Body of `POST /v1/rotations/:id/rollback`. */
export const rollbackSchema = z.strictObject({
  reason: reasonField,
  /** What happens to the key the rotation promoted. Default `retired`. */
  new_key_state: z.enum(['retired', 'revoked'], { error: 'must be retired or revoked' }).optional(),
});
export type RollbackBody = z.infer<typeof rollbackSchema>;
