import { z } from 'zod';
import { envelopeBaseSchema } from './envelope';

export const AUTHORITY_HEARTBEAT = 'authority.heartbeat' as const;

/**
 * A signed "I am here" from the authority, so a sidecar can tell a quiet mesh from a broken one:
 * its staleness is the time since the last event or heartbeat it applied. Published on the keys
 * topic under the record key `authority-heartbeat` (compaction keeps only the latest).
 */
export const authorityHeartbeatV1Schema = envelopeBaseSchema.extend({
  type: z.literal(AUTHORITY_HEARTBEAT),
  version: z.literal(1),
  payload: z.object({
    /** How often the authority sends one, ms: sidecars may size their staleness bound from it. */
    interval_ms: z.number().int().positive(),
    key_set_version: z.number().int().nonnegative(),
  }),
});
export type AuthorityHeartbeatEvent = z.infer<typeof authorityHeartbeatV1Schema>;
