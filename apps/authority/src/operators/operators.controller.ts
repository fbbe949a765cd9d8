import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { OperatorExistsError, OperatorNotFoundError, roleAtLeast, type ApprovalParams, type AuthorityCore, type Operator } from '@revmesh/authority-core';
import { sendGated } from '../approvals/gated-reply';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { enrolmentCodeView, invitedOperatorView, operatorView, type EnrolmentCodeView, type OperatorView } from './operator.view';
import { addOperatorSchema, emptySchema, setRoleSchema, type AddOperatorBody, type SetRoleBody } from './operators.schema';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { PENDING_APPROVAL } from '../openapi/schemas';
import { enrolmentResponseSchema, invitedOperatorSchema, operatorListSchema, operatorResponseSchema } from '../openapi/view-schemas';

/**
 * Operator accounts (security-admin only). New operators set their own password and TOTP with a
 * one-time enrolment code. The privilege changes — a new security-admin, a higher role, a
 * re-enabled operator, a reset second factor — go through the approval gate
 * (`operators.add-security-admin`, `operators.raise-role`, `operators.enable`,
 * `operators.reset-second-factor`): 202 `{status:'pending-approval', approval}` while the policy
 * requires a second security-admin.
 */
@RequireRole('security-admin')
@Controller('v1/operators')
export class OperatorsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  @ApiOperation({ summary: 'Operators', success: { schema: operatorListSchema } })
  @Get()
  list(): { operators: OperatorView[] } {
    return { operators: this.core.operators.list().map(operatorView) };
  }

  /**
   * 201 `{operator, enrolment: {code, expiresAt}}` (the code shown this once); 409
   * OPERATOR_EXISTS. A security-admin waits for approval (202); once created, get their code
   * with `POST /v1/operators/:username/enrolment`.
   */
  @ApiOperation({ summary: 'Add an operator', success: [{ status: 201, schema: invitedOperatorSchema }, PENDING_APPROVAL], problems: ['OPERATOR_EXISTS'] })
  @Post()
  @Header('Cache-Control', 'no-store')
  async add(@Body(new ZodBodyPipe(addOperatorSchema)) body: AddOperatorBody, @Req() request: OperatorRequest, @Res() reply: HttpReply): Promise<void> {
    const context = auditContextOf(request);
    if (body.role !== 'security-admin') {
      reply.status(201).send(invitedOperatorView(this.core.operators.add(body, context)));
      return;
    }
    this.refuseTaken(body.username);
    const params: ApprovalParams['operators.add-security-admin'] = { username: body.username };
    const outcome = await this.core.approvals.submit<{ operator: Operator }>({ action: 'operators.add-security-admin', target: body.username, params, context });
    // Not gated by the policy: created now, and the code issued to the requester at once.
    sendGated(reply, outcome, ({ operator }) => ({
      status: 201,
      body: invitedOperatorView({ operator, enrolment: this.core.operators.issueEnrolment(operator.username, context) }),
    }));
  }

  /**
   * Sets the role: raising is gated (`operators.raise-role`, 202 while pending), lowering is
   * immediate (200; 409 when it would leave no usable security-admin).
   */
  @ApiOperation({ summary: "Change an operator's role", success: [{ status: 200, schema: operatorResponseSchema }, PENDING_APPROVAL], problems: ['CONFLICT'] })
  @Post(':username/role')
  async setRole(
    @Param('username') username: string,
    @Body(new ZodBodyPipe(setRoleSchema)) body: SetRoleBody,
    @Req() request: OperatorRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    const context = auditContextOf(request);
    const current = this.mustFind(username);
    if (roleAtLeast(current.role, body.role)) {
      reply.status(200).send({ operator: operatorView(this.core.operators.setRole(username, body.role, context)) });
      return;
    }
    const params: ApprovalParams['operators.raise-role'] = { username: current.username, role: body.role };
    const outcome = await this.core.approvals.submit<{ operator: Operator }>({ action: 'operators.raise-role', target: current.username, params, context });
    sendGated(reply, outcome, ({ operator }) => ({ status: 200, body: { operator: operatorView(operator) } }));
  }

  /** Disables the operator and ends its sessions at once. */
  @ApiOperation({ summary: 'Disable an operator', success: [{ status: 200, schema: operatorResponseSchema }, PENDING_APPROVAL], problems: ['CONFLICT'] })
  @Post(':username/disable')
  @HttpCode(200)
  disable(
    @Param('username') username: string,
    @Body(new ZodBodyPipe(emptySchema)) _body: unknown,
    @Req() request: OperatorRequest,
  ): { operator: OperatorView } {
    return { operator: operatorView(this.core.operators.disable(username, auditContextOf(request))) };
  }

  /** Re-enables a disabled operator (gated: `operators.enable`). */
  @ApiOperation({ summary: 'Enable an operator', success: [{ status: 200, schema: operatorResponseSchema }, PENDING_APPROVAL], problems: ['CONFLICT'] })
  @Post(':username/enable')
  async enable(
    @Param('username') username: string,
    @Body(new ZodBodyPipe(emptySchema)) _body: unknown,
    @Req() request: OperatorRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    await this.gated('operators.enable', username, request, reply);
  }

  /**
   * Forgets the operator's password and TOTP and ends their sessions (gated:
   * `operators.reset-second-factor`); they enrol again with a code from `…/enrolment`.
   */
  @ApiOperation({ summary: "Reset an operator's second factor", success: [{ status: 200, schema: operatorResponseSchema }, PENDING_APPROVAL], problems: ['CONFLICT'] })
  @Post(':username/reset-second-factor')
  async resetSecondFactor(
    @Param('username') username: string,
    @Body(new ZodBodyPipe(emptySchema)) _body: unknown,
    @Req() request: OperatorRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    await this.gated('operators.reset-second-factor', username, request, reply);
  }

  /**
   * A new one-time enrolment code for an operator who has yet to enrol (earlier codes stop
   * working): 201 `{enrolment: {code, expiresAt}}`, shown this once; 409 OPERATOR_ENROLLED.
   */
  @ApiOperation({ summary: 'Issue a new enrolment code', success: { schema: enrolmentResponseSchema }, problems: ['CONFLICT', 'OPERATOR_ENROLLED'] })
  @Post(':username/enrolment')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  issueEnrolment(
    @Param('username') username: string,
    @Body(new ZodBodyPipe(emptySchema)) _body: unknown,
    @Req() request: OperatorRequest,
  ): { enrolment: EnrolmentCodeView } {
    return { enrolment: enrolmentCodeView(this.core.operators.issueEnrolment(username, auditContextOf(request))) };
  }

  /** Submits a privilege change on one operator to the approval gate: 202 pending, or 200 with the operator. */
  private async gated(action: 'operators.enable' | 'operators.reset-second-factor', username: string, request: OperatorRequest, reply: HttpReply): Promise<void> {
    const current = this.mustFind(username);
    const params: ApprovalParams[typeof action] = { username: current.username };
    const outcome = await this.core.approvals.submit<{ operator: Operator }>({ action, target: current.username, params, context: auditContextOf(request) });
    sendGated(reply, outcome, ({ operator }) => ({ status: 200, body: { operator: operatorView(operator) } }));
  }

  /** Refused before asking a second person to approve something that cannot run. */
  private mustFind(username: string): Operator {
    const found = this.core.operators.list().find((o) => o.username.toLowerCase() === username.toLowerCase());
    if (found === undefined) throw new OperatorNotFoundError(username);
    return found;
  }

  private refuseTaken(username: string): void {
    if (this.core.operators.list().some((o) => o.username.toLowerCase() === username.toLowerCase())) {
      throw new OperatorExistsError(username);
    }
  }
}
