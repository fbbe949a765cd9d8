import { MAX_BATCH_TARGETS } from '@revmesh/authority-core';
import { z } from 'zod';
import { incidentIdSchema } from '../incidents/incidents.schema';
import { checkJktTarget, revocationReasonSchema, revocationTargetFields } from './revocations.schema';

/**
 * Largest body of `POST /v1/revocations:batch`: room for {@link MAX_BATCH_TARGETS} targets of
 * ordinary size (every other route keeps the global 16 KiB). Longer values or many `iss` make a
 * smaller batch: a 413 says to split it.
 */
export const MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024;

/** The batch route as declared to Fastify: `::` is a literal colon (one `:` would start a parameter). */
export const REVOCATION_BATCH_ROUTE = '/v1/revocations::batch';

/** One target: the fields of `POST /v1/revocations` except the shared `reason`. */
const batchTargetSchema = z.strictObject(revocationTargetFields).superRefine(checkJktTarget);

/** Body of `POST /v1/revocations:batch` (plus the `justification` every write carries). */
export const revocationBatchSchema = z.strictObject({
  targets: z
    .array(batchTargetSchema)
    .min(1, 'must hold at least one target')
    .max(MAX_BATCH_TARGETS, `must hold at most ${MAX_BATCH_TARGETS} targets; split the list into several batches`),
  reason: revocationReasonSchema,
  /** The incident the batch is made for: the batch and each of its revocations are linked to it. */
  incident: incidentIdSchema.optional(),
});
export type RevocationBatchBody = z.infer<typeof revocationBatchSchema>;
