import { z } from 'zod';
import { auditEntrySchema } from '../audit/audit-entry';
import { envelopeBaseSchema } from './envelope';

export const AUDIT_RECORDED = 'audit.recorded' as const;

/**
 * One audit-log entry, published signed on the audit topic for a SIEM: an off-host copy of the
 * hash chain, so rewriting the authority's database cannot rewrite what was already shipped.
 * `actor` is the entry's actor; the payload is the entry exactly as stored (hash included).
 */
export const auditRecordedV1Schema = envelopeBaseSchema.extend({
  type: z.literal(AUDIT_RECORDED),
  version: z.literal(1),
  payload: auditEntrySchema,
});
export type AuditRecordedEvent = z.infer<typeof auditRecordedV1Schema>;

export const AUDIT_BATCH_RECORDED = 'audit.batch-recorded' as const;

/** Most entries one `audit.batch-recorded` carries (the event's byte limit usually binds first). */
export const MAX_AUDIT_BATCH_ENTRIES = 500;

/**
 * Consecutive audit-log entries, published signed as ONE record on the audit topic: what the
 * authority ships when several entries wait at once (one signature for all of them instead of
 * one each). Same guarantee as `audit.recorded`, per entry: each entry exactly as stored (hash
 * included), in `seq` order. The record key is `audit:<seq of the last entry>`. `actor` is the
 * shipper (`system`), each entry names its own.
 */
export const auditBatchRecordedV1Schema = envelopeBaseSchema.extend({
  type: z.literal(AUDIT_BATCH_RECORDED),
  version: z.literal(1),
  payload: z.strictObject({
    entries: z
      .array(auditEntrySchema)
      .min(1)
      .max(MAX_AUDIT_BATCH_ENTRIES)
      .refine((entries) => entries.every((e, i) => i === 0 || e.seq > entries[i - 1]!.seq), 'entries must be in increasing seq order'),
  }),
});
export type AuditBatchRecordedEvent = z.infer<typeof auditBatchRecordedV1Schema>;
