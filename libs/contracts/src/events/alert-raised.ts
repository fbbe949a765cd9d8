import { z } from 'zod';
import { envelopeBaseSchema } from './envelope';

export const ALERT_RAISED = 'alert.raised' as const;

export const ANOMALY_KINDS = ['revoked_token_use', 'jti_spread', 'auth_failure_spike', 'mass_invalidation', 'topic_lost', 'refresh_token_reuse'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/**
 * An anomaly the authority detected, published signed on the alerts topic for a SIEM. One
 * incident is one alert: `dedup_key` identifies it, and repeats inside the dedup window update
 * `count`/`last_seen` in the authority instead of raising a new alert.
 */
export const alertRaisedV1Schema = envelopeBaseSchema.extend({
  type: z.literal(ALERT_RAISED),
  version: z.literal(1),
  payload: z.object({
    alert_id: z.string().min(1).max(100),
    kind: z.enum(ANOMALY_KINDS),
    severity: z.enum(['info', 'warning', 'critical']),
    dedup_key: z.string().min(1).max(300),
    summary: z.string().min(1).max(1000),
    first_seen: z.number().int().positive(),
    last_seen: z.number().int().positive(),
    count: z.number().int().positive(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
  }),
});
export type AlertRaisedEvent = z.infer<typeof alertRaisedV1Schema>;
