import { z } from 'zod';
import { actorSchema, envelopeBaseSchema } from './envelope';

export const KILL_SWITCH_CHANGED = 'kill-switch.changed' as const;

/** Every audience, or one. */
export const killSwitchScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('global') }).strict(),
  z.object({ kind: z.literal('audience'), audience: z.string().min(1).max(256) }).strict(),
]);
export type KillSwitchScopeWire = z.infer<typeof killSwitchScopeSchema>;

/**
 * The current state of one kill switch (global, or one audience). Published on the compacted
 * keys topic keyed `kill-switch:global` / `kill-switch:aud:<audience>`, so the latest state per
 * scope survives as long as the mesh runs (a lockdown lasts until it is lifted, however long).
 * Ordered by `key_set_version` like key events: a sidecar ignores an event for a scope whose
 * version is not newer than the one it holds (a replayed lift cannot end a newer lockdown).
 *
 * - `not_after_iat` (seconds): every token of the scope whose `iat` is at or before it is rejected.
 *   The authority stops issuing tokens with such an `iat` (it waits for the next second).
 * - `lockdown`: while true, sidecars of the scope reject every token, valid or not, with `LOCKDOWN`.
 *   A lift publishes the same scope with `lockdown: false`; the cut stays.
 */
export const killSwitchChangedV1Schema = envelopeBaseSchema.extend({
  type: z.literal(KILL_SWITCH_CHANGED),
  version: z.literal(1),
  payload: z.object({
    scope: killSwitchScopeSchema,
    not_after_iat: z.number().int().nonnegative(),
    lockdown: z.boolean(),
    key_set_version: z.number().int().positive(),
    /** Epoch ms. */
    engaged_at: z.number().int().positive(),
    engaged_by: actorSchema,
    /** Epoch ms; null while engaged. */
    lifted_at: z.number().int().positive().nullable(),
    lifted_by: actorSchema.nullable(),
  }),
});
export type KillSwitchChangedEvent = z.infer<typeof killSwitchChangedV1Schema>;
