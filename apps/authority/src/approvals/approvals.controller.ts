import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { ApprovalState, AuthorityCore } from '@revmesh/authority-core';
import { z } from 'zod';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { parseLimit } from '../http/limit';
import { ProblemException } from '../problems/problem';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { approvalView, type ApprovalView } from './approval.view';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { approvalListSchema, approvalResponseSchema } from '../openapi/view-schemas';

const STATES: readonly ApprovalState[] = ['pending', 'executing', 'executed', 'denied', 'expired', 'failed'];

/** Body of approve/deny: only the `justification`, which the operator guard takes out of it. */
const decisionSchema = z.strictObject({});

function parseState(value: string | undefined): ApprovalState | undefined {
  if (value === undefined || value === '') return undefined;
  if ((STATES as readonly string[]).includes(value)) return value as ApprovalState;
  throw new ProblemException('INVALID_REQUEST', 'invalid state', { errors: [{ field: 'state', message: `must be one of ${STATES.join(', ')}` }] });
}

/**
 * The two-person rule's requests: list and read (viewer), approve or deny (a security-admin
 * other than the requester, within the policy's window).
 */
@Controller('v1/approvals')
export class ApprovalsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Newest first. `?state=` one state only; `?limit=` 1..500, default 50. */
  @ApiOperation({ summary: 'Approval requests', success: { schema: approvalListSchema }, problems: ['INVALID_REQUEST'] })
  @Get()
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  list(@Query('state') state?: string, @Query('limit') limit?: string): { approvals: ApprovalView[] } {
    return { approvals: this.core.approvals.list(parseState(state), parseLimit(limit)).map(approvalView) };
  }

  /** One request. Unknown id: 404. */
  @ApiOperation({ summary: 'One approval request', success: { schema: approvalResponseSchema } })
  @Get(':id')
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  get(@Param('id') id: string): { approval: ApprovalView } {
    return { approval: approvalView(this.core.approvals.get(id)) };
  }

  /**
   * Approves and runs the action (as the requester). 200 with the request `executed` (with the
   * action's result) or `failed` (with its error). 403 `SELF_APPROVAL` for the requester; 409
   * `APPROVAL_EXPIRED` after the window (nothing runs), `APPROVAL_NOT_PENDING` once decided.
   */
  @ApiOperation({ summary: 'Approve (second security-admin): the action runs', success: { schema: approvalResponseSchema }, problems: ['SELF_APPROVAL', 'APPROVER_SPONSORED', 'APPROVAL_NOT_PENDING', 'APPROVAL_EXPIRED', 'CONFLICT', 'KEY_STATE_CONFLICT', 'ROTATION_IN_PROGRESS', 'ROLLBACK_TARGET_REVOKED', 'ROTATION_NOT_ROLLBACKABLE', 'OPERATOR_EXISTS', 'POLICY_INVALID', 'ISSUER_NOT_TRUSTED'] })
  @Post(':id/approve')
  @RequireRole('security-admin')
  @HttpCode(200)
  async approve(
    @Param('id') id: string,
    @Body(new ZodBodyPipe(decisionSchema)) _body: unknown,
    @Req() request: OperatorRequest,
  ): Promise<{ approval: ApprovalView }> {
    return { approval: approvalView(await this.core.approvals.approve(id, auditContextOf(request))) };
  }

  /**
   * Denies: the action never runs. 200 with the request `denied`; 409 as approve. The requester
   * may deny (withdraw) their own request: only approving needs a second person.
   */
  @ApiOperation({ summary: 'Deny an approval request', success: { schema: approvalResponseSchema }, problems: ['SELF_APPROVAL', 'APPROVAL_NOT_PENDING', 'APPROVAL_EXPIRED'] })
  @Post(':id/deny')
  @RequireRole('security-admin')
  @HttpCode(200)
  deny(
    @Param('id') id: string,
    @Body(new ZodBodyPipe(decisionSchema)) _body: unknown,
    @Req() request: OperatorRequest,
  ): { approval: ApprovalView } {
    return { approval: approvalView(this.core.approvals.deny(id, auditContextOf(request))) };
  }
}
