import { Body, Controller, HttpCode, Inject, Post, Req, type PipeTransform } from '@nestjs/common';
import type { AuthorityCore, RevocationBatch, RevocationService } from '@revmesh/authority-core';
import { TRACEPARENT_HEADER } from '@revmesh/contracts';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE, REVOCATION_SERVICE } from '../core/core.tokens';
import { linkToIncident } from '../incidents/incident-link';
import { headerValue } from '../http/http-types';
import { ProblemException } from '../problems/problem';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { REVOCATION_BATCH_ROUTE, revocationBatchSchema, type RevocationBatchBody } from './revocation-batch.schema';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { revocationBatchViewSchema } from '../openapi/view-schemas';

/** One revocation of an accepted batch (the batch's shared fields are given once). */
export interface BatchRevocationView {
  readonly id: string;
  readonly target: string;
  readonly value: string;
  readonly iss: string | null;
  readonly expires_at: number;
}

/** The answer to an accepted batch: its revocations in the order of the request's targets. */
export interface RevocationBatchView {
  readonly batch_id: string;
  readonly count: number;
  readonly revoked_at: number;
  /** Same second for every revocation of the batch. */
  readonly not_after_iat: number;
  readonly revocations: readonly BatchRevocationView[];
}

function batchView(batch: RevocationBatch): RevocationBatchView {
  const first = batch.revocations[0]!;
  return {
    batch_id: batch.batchId,
    count: batch.revocations.length,
    revoked_at: first.revokedAt,
    not_after_iat: first.notAfterIat,
    revocations: batch.revocations.map((r) => ({ id: r.id, target: r.target.type, value: r.target.value, iss: r.iss ?? null, expires_at: r.expiresAt })),
  };
}

/** The body pipe, with each error of a target carrying its `index` (`targets[3].value` → 3). */
class BatchBodyPipe implements PipeTransform<unknown, RevocationBatchBody> {
  /** Documents the body in `GET /openapi.json`. */
  readonly schema = revocationBatchSchema;
  private readonly inner = new ZodBodyPipe(revocationBatchSchema);
  transform(value: unknown): RevocationBatchBody {
    try {
      return this.inner.transform(value);
    } catch (error) {
      if (!(error instanceof ProblemException) || error.extra.errors === undefined) throw error;
      const errors = error.extra.errors.map((e) => {
        const match = /^targets\[(\d+)\]/.exec(e.field);
        return match === null ? e : { ...e, index: Number(match[1]) };
      });
      throw new ProblemException(error.code, error.detail, { ...error.extra, errors });
    }
  }
}

/** Many revocations in one request (responder). */
@Controller()
export class RevocationBatchController {
  constructor(
    @Inject(REVOCATION_SERVICE) private readonly revocations: RevocationService,
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
  ) {}

  /**
   * Up to 10,000 targets, one `reason` and one justification: all stored or none. 202 once the
   * whole batch is durable, each target with its own revocation id (`GET /v1/revocations/:id`)
   * and event. A target refused (invalid, issuer not trusted) is a 400/422 naming each one by
   * `index`; a target whose type the policy puts behind a second security-admin refuses the
   * batch with 422 `BATCH_NEEDS_APPROVAL` (send those one by one to `POST /v1/revocations`).
   * `incident` links the batch and each revocation to that incident, in the batch's transaction
   * (422 `INCIDENT_UNKNOWN`, 409 `INCIDENT_CLOSED`: nothing stored).
   */
  @ApiOperation({ summary: 'Many revocations at once, all or none', success: { schema: revocationBatchViewSchema }, problems: ['BATCH_INVALID', 'BATCH_NEEDS_APPROVAL', 'INCIDENT_UNKNOWN', 'INCIDENT_CLOSED'] })
  @Post(REVOCATION_BATCH_ROUTE)
  @RequireRole('responder')
  @HttpCode(202)
  async revokeBatch(@Body(new BatchBodyPipe()) body: RevocationBatchBody, @Req() request: OperatorRequest): Promise<RevocationBatchView> {
    const traceparent = headerValue(request, TRACEPARENT_HEADER);
    const context = auditContextOf(request);
    const batch = await this.revocations.revokeBatch({
      targets: body.targets.map((t) => ({ target: { type: t.target, value: t.value }, ...(t.iss === undefined ? {} : { iss: t.iss }) })),
      reason: body.reason,
      actor: context.actor,
      context,
      ...(traceparent === undefined ? {} : { traceparent }),
      ...linkToIncident<RevocationBatch>(this.core.incidents, body.incident, context, (made) => [
        { kind: 'revocation-batch', actionId: made.batchId },
        ...made.revocations.map((r) => ({ kind: 'revocation' as const, actionId: r.id })),
      ]),
    });
    return batchView(batch);
  }
}
