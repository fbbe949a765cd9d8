import { MAX_REASON_LENGTH } from '@revmesh/authority-core';
import { z } from 'zod';

/** A written justification: every key-management action requires one (it is recorded with the actor). */
export const reasonField = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`);

/** Body of the key-management actions that only need a reason. */
export const reasonBodySchema = z.strictObject({ reason: reasonField });
export type ReasonBody = z.infer<typeof reasonBodySchema>;
