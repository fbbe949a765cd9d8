import { z } from 'zod';

/**
 * Who caused an event. Until operator accounts exist (issue: operator security) the
 * authority records the admin key as `{ kind: 'admin-key' }`.
 */
export const actorSchema = z.object({
  kind: z.enum(['admin-key', 'operator', 'system', 'client']),
  id: z.string().min(1).max(200),
});
export type Actor = z.infer<typeof actorSchema>;

/** Fields every event carries, whatever its type. `issued_at` is Unix epoch milliseconds. */
export const envelopeBaseSchema = z.object({
  id: z.string().uuid(),
  issued_at: z.number().int().positive(),
  actor: actorSchema,
});
