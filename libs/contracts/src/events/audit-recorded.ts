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
