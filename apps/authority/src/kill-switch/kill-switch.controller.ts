import { Body, Controller, Get, Header, Inject, Post, Req, Res } from '@nestjs/common';
import {
  KillSwitchNotEngagedError,
  type ApprovalParams,
  type AuthorityCore,
  type KillSwitchScope,
  type KillSwitchState,
} from '@revmesh/authority-core';
import { sendGated } from '../approvals/gated-reply';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { ProblemException } from '../problems/problem';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { engageKillSwitchSchema, liftKillSwitchSchema, type EngageKillSwitchBody, type LiftKillSwitchBody } from './kill-switch.schema';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { PENDING_APPROVAL } from '../openapi/schemas';
import { killSwitchListSchema, killSwitchStateSchema } from '../openapi/view-schemas';

const scopeOf = (body: { readonly audience?: string | undefined }): KillSwitchScope =>
  body.audience === undefined ? { kind: 'global' } : { kind: 'audience', audience: body.audience };
const targetOf = (scope: KillSwitchScope): string => (scope.kind === 'global' ? 'global' : `aud:${scope.audience}`);
const sameScope = (a: KillSwitchScope, b: KillSwitchScope): boolean =>
  a.kind === b.kind && (a.kind === 'global' || (b.kind === 'audience' && a.audience === b.audience));

/**
 * The kill switch: reject every token of a scope (every audience, or one) issued at or before a
 * time, optionally with a lockdown (that scope's sidecars refuse everything with `LOCKDOWN`
 * until it is lifted). Engage and lift go through the approval gate (`kill-switch.engage` /
 * `kill-switch.lift`): 202 `{status:'pending-approval', approval}` when the policy requires a
 * second security-admin, otherwise 200 with the switch's new state. Times are epoch ms.
 */
@Controller('v1/kill-switch')
export class KillSwitchController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Every scope ever engaged, with its current state (viewer). */
  @ApiOperation({ summary: 'Kill switches', success: { schema: killSwitchListSchema } })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(): { switches: KillSwitchState[] } {
    return { switches: this.core.killSwitch.list() };
  }

  /**
   * Engages (security-admin). A cut in the future is refused (400). `incident` (checked first:
   * 422 `INCIDENT_UNKNOWN`, 409 `INCIDENT_CLOSED`) is named by the approval and links the
   * engagement (by the seq of its audit entry) when it runs.
   */
  @ApiOperation({ summary: 'Engage a kill switch (global, tenant or audience)', success: [{ status: 200, schema: killSwitchStateSchema }, PENDING_APPROVAL], problems: ['INCIDENT_UNKNOWN', 'INCIDENT_CLOSED'] })
  @Post()
  async engage(
    @Body(new ZodBodyPipe(engageKillSwitchSchema)) body: EngageKillSwitchBody,
    @Req() request: OperatorRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    const scope = scopeOf(body);
    const issuedAtOrBefore = body.issuedAtOrBefore === undefined ? undefined : Date.parse(body.issuedAtOrBefore);
    if (issuedAtOrBefore !== undefined && issuedAtOrBefore > this.core.clock.now()) {
      throw new ProblemException('INVALID_REQUEST', 'issuedAtOrBefore must not be in the future', {
        errors: [{ field: 'issuedAtOrBefore', message: 'must not be in the future' }],
      });
    }
    if (body.incident !== undefined) this.core.incidents.requireLinkable(body.incident);
    const params: ApprovalParams['kill-switch.engage'] = {
      scope,
      lockdown: body.lockdown,
      ...(issuedAtOrBefore === undefined ? {} : { issuedAtOrBefore }),
      ...(body.incident === undefined ? {} : { incident: body.incident }),
    };
    const outcome = await this.core.approvals.submit<KillSwitchState>({
      action: 'kill-switch.engage',
      target: targetOf(scope),
      params,
      context: auditContextOf(request),
    });
    sendGated(reply, outcome, (state) => ({ status: 200, body: state }));
  }

  /** Lifts (security-admin): ends the lockdown; tokens issued at or before the cut stay rejected. 409 when not engaged. */
  @ApiOperation({ summary: 'Lift a kill switch', success: [{ status: 200, schema: killSwitchStateSchema }, PENDING_APPROVAL], problems: ['CONFLICT', 'INCIDENT_UNKNOWN', 'INCIDENT_CLOSED'] })
  @Post('lift')
  async lift(
    @Body(new ZodBodyPipe(liftKillSwitchSchema)) body: LiftKillSwitchBody,
    @Req() request: OperatorRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    const scope = scopeOf(body);
    // Refused now rather than after a second admin approved something that cannot run.
    const held = this.core.killSwitch.list().find((s) => sameScope(s.scope, scope));
    if (held === undefined || held.liftedAt !== null) throw new KillSwitchNotEngagedError(targetOf(scope));
    if (body.incident !== undefined) this.core.incidents.requireLinkable(body.incident);
    const params: ApprovalParams['kill-switch.lift'] = { scope, ...(body.incident === undefined ? {} : { incident: body.incident }) };
    const outcome = await this.core.approvals.submit<KillSwitchState>({
      action: 'kill-switch.lift',
      target: targetOf(scope),
      params,
      context: auditContextOf(request),
    });
    sendGated(reply, outcome, (state) => ({ status: 200, body: state }));
  }
}
