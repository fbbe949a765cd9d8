import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { ApprovalParams, AuthorityCore, Revocation, RevocationService } from '@revmesh/authority-core';
import { TRACEPARENT_HEADER } from '@revmesh/contracts';
import { approvalLocation, approvalView, type PendingApprovalView } from '../approvals/approval.view';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE, REVOCATION_SERVICE } from '../core/core.tokens';
import { coverageView, type CoverageView } from '../instances/coverage.view';
import { headerValue, type HttpReply } from '../http/http-types';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { linkToIncident } from '../incidents/incident-link';
import { revocationView, type RevocationView } from './revocation.view';
import { createRevocationSchema, type CreateRevocationBody } from './revocations.schema';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { coverageViewSchema, pendingApprovalViewSchema, revocationViewSchema } from '../openapi/view-schemas';
import { z } from 'zod';

/** Revocations (admin). */
@Controller('v1/revocations')
export class RevocationsController {
  constructor(
    @Inject(REVOCATION_SERVICE) private readonly revocations: RevocationService,
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
  ) {}

  /**
   * 202, not 201: the revocation is durably stored, but enforcement happens when the sidecars
   * apply the published event; `GET` the `Location` to see when it is published. A `client_id`
   * or `sub` revocation the policy puts behind a second security-admin
   * (`revocations.client_id` / `revocations.sub`) answers 202 `{status:'pending-approval',
   * approval}` with the approval request's `Location` instead. `iss` names the trusted external
   * issuer whose tokens the rule targets; one that is not registered, or disabled, is a 422
   * `ISSUER_NOT_TRUSTED` naming the field, checked before any approval is requested.
   * `incident` links the revocation to that incident in its own transaction (an approval request
   * names it, and links the revocation when it runs): 422 `INCIDENT_UNKNOWN`, 409
   * `INCIDENT_CLOSED`, checked before anything is stored.
   */
  @ApiOperation({ summary: 'Revoke a token, subject, client, session, key…', success: { status: 202, description: 'Stored (published shortly), or pending approval', schema: z.union([revocationViewSchema, pendingApprovalViewSchema]) }, problems: ['ISSUER_NOT_TRUSTED', 'INCIDENT_UNKNOWN', 'INCIDENT_CLOSED'] })
  @Post()
  @RequireRole('responder')
  @HttpCode(202)
  async revoke(
    @Body(new ZodBodyPipe(createRevocationSchema)) body: CreateRevocationBody,
    @Req() request: OperatorRequest,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<RevocationView | PendingApprovalView> {
    const traceparent = headerValue(request, TRACEPARENT_HEADER);
    const iss = this.core.issuers.revocationIssuer(body.iss);
    const context = auditContextOf(request);
    const link = linkToIncident<Revocation>(this.core.incidents, body.incident, context, (made) => [{ kind: 'revocation', actionId: made.id }]);
    if (body.target === 'client_id' || body.target === 'sub') {
      const params: ApprovalParams['revocations.client_id'] = {
        value: body.value,
        ...(iss === undefined ? {} : { iss }),
        reason: body.reason,
        ...(traceparent === undefined ? {} : { traceparent }),
        ...(body.incident === undefined ? {} : { incident: body.incident }),
      };
      const outcome = await this.core.approvals.submit<Revocation>({
        action: body.target === 'client_id' ? 'revocations.client_id' : 'revocations.sub',
        target: body.value,
        params,
        context,
      });
      if (outcome.kind === 'pending') {
        reply.header('Location', approvalLocation(outcome.approval.id));
        return { status: 'pending-approval', approval: approvalView(outcome.approval) };
      }
      reply.header('Location', `/v1/revocations/${encodeURIComponent(outcome.result.id)}`);
      return revocationView(outcome.result);
    }
    const revocation = await this.revocations.revoke({
      target: { type: body.target, value: body.value },
      ...(iss === undefined ? {} : { iss }),
      reason: body.reason,
      actor: context.actor,
      context,
      ...(traceparent === undefined ? {} : { traceparent }),
      ...link,
    });
    reply.header('Location', `/v1/revocations/${encodeURIComponent(revocation.id)}`);
    return revocationView(revocation);
  }

  /** The revocation and whether its event has been published. Unknown id: 404 problem. */
  @ApiOperation({ summary: 'One revocation and its publication state', success: { schema: revocationViewSchema } })
  @Get(':id')
  get(@Param('id') id: string): RevocationView {
    return revocationView(this.revocations.get(id));
  }

  /**
   * Which live sidecars enforce it: `applied` (acknowledged, with when), `covered_at_start`
   * (started, ready, after it was published), `pending`. `complete` once published and nobody
   * live is pending. Unknown id: 404 problem.
   */
  @ApiOperation({ summary: 'Which live sidecars enforce a revocation', success: { schema: coverageViewSchema } })
  @Get(':id/coverage')
  @Header('Cache-Control', 'no-store')
  coverage(@Param('id') id: string): { revocation_id: string } & CoverageView {
    const { revocationId, coverage } = this.core.revocationCoverage(id);
    return { revocation_id: revocationId, ...coverageView(coverage) };
  }
}
