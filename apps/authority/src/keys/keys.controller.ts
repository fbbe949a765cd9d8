import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { KeyNotFoundError, KeyStateConflictError, type ApprovalParams, type AuthorityCore, type RotationRecord } from '@revmesh/authority-core';
import { sendGated } from '../approvals/gated-reply';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { rotationView, type RotationView } from '../rotations/rotation.view';
import { linkToIncident } from '../incidents/incident-link';
import { reasonIncidentBodySchema, type ReasonIncidentBody } from '../incidents/incidents.schema';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { calendarView, keyView, type CalendarView, type KeyView } from './key.view';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { PENDING_APPROVAL } from '../openapi/schemas';
import { calendarViewSchema, keyListSchema, rotationViewSchema } from '../openapi/view-schemas';

/** Token-signing keys (admin): states, calendar, staged rotation, emergency compromise. */
@Controller('v1/keys')
export class KeysController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Every key with its state (oldest first) and the current key-set version. */
  @ApiOperation({ summary: 'Signing keys', success: { schema: keyListSchema } })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(): { key_set_version: number; keys: KeyView[] } {
    return { key_set_version: this.core.keyEvents.version(), keys: this.core.keyStates().map(keyView) };
  }

  /** When the next scheduled rotation happens, which key it promotes, and upcoming retirements. */
  @ApiOperation({ summary: 'Scheduled rotation calendar', success: { schema: calendarViewSchema } })
  @Get('calendar')
  @Header('Cache-Control', 'no-store')
  calendar(): CalendarView {
    return calendarView(this.core.calendar(), this.core.clock.now(), this.core.policy, this.core.rotations.busy());
  }

  /**
   * Staged rotation now: waits (at most REVMESH_PROMOTION_GATE_TIMEOUT_MS) for live sidecars to
   * confirm the standby, then promotes it. 201 with the rotation record. 409
   * `ROTATION_IN_PROGRESS` while another staged rotation waits at its gate. `incident` links the
   * rotation to that incident when it starts (422 `INCIDENT_UNKNOWN`, 409 `INCIDENT_CLOSED`).
   */
  @ApiOperation({ summary: 'Rotate the signing key (emergency or early)', success: [{ status: 201, schema: rotationViewSchema }, PENDING_APPROVAL], problems: ['ROTATION_IN_PROGRESS', 'KEY_STATE_CONFLICT', 'INCIDENT_UNKNOWN', 'INCIDENT_CLOSED'] })
  @Post('rotate')
  @HttpCode(201)
  async rotate(
    @Body(new ZodBodyPipe(reasonIncidentBodySchema)) body: ReasonIncidentBody,
    @Req() request: OperatorRequest,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<RotationView> {
    const context = auditContextOf(request);
    const link = linkToIncident<string>(this.core.incidents, body.incident, context, (rotationId) => [{ kind: 'rotation', actionId: rotationId }]);
    const record = await this.core.rotations.rotate('manual', { actor: context.actor, reason: body.reason, context, ...link });
    reply.header('Location', `/v1/rotations/${encodeURIComponent(record.id)}`);
    return rotationView(record);
  }

  /**
   * Emergency: revokes the key at once; if it was active the standby is promoted without a gate;
   * a new standby is published. 201 with the rotation record (each step timed). Unknown kid:
   * 404; already revoked: 409 `KEY_STATE_CONFLICT`. When the policy requires a second
   * security-admin (`keys.compromise`): 202 `{status:'pending-approval', approval}`. `incident`
   * (checked first: 422 `INCIDENT_UNKNOWN`, 409 `INCIDENT_CLOSED`) is named by the approval and
   * links the compromise and its rotation when it runs.
   */
  @ApiOperation({ summary: 'Mark a key compromised: every token it signed is rejected', success: [{ status: 201, schema: rotationViewSchema }, PENDING_APPROVAL], problems: ['KEY_STATE_CONFLICT', 'ROTATION_IN_PROGRESS', 'INCIDENT_UNKNOWN', 'INCIDENT_CLOSED'] })
  @Post(':kid/compromise')
  async compromise(
    @Param('kid') kid: string,
    @Body(new ZodBodyPipe(reasonIncidentBodySchema)) body: ReasonIncidentBody,
    @Req() request: OperatorRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    // Refused now rather than after a second admin approved something that cannot run.
    const key = this.core.keyStates().find((k) => k.kid === kid);
    if (key === undefined) throw new KeyNotFoundError(kid);
    if (key.state === 'revoked') throw new KeyStateConflictError(kid, 'revoked', 'revoked');
    if (body.incident !== undefined) this.core.incidents.requireLinkable(body.incident);
    const params: ApprovalParams['keys.compromise'] = { kid, reason: body.reason, ...(body.incident === undefined ? {} : { incident: body.incident }) };
    const outcome = await this.core.approvals.submit<RotationRecord>({ action: 'keys.compromise', target: kid, params, context: auditContextOf(request) });
    sendGated(reply, outcome, (record) => ({ status: 201, body: rotationView(record), location: `/v1/rotations/${encodeURIComponent(record.id)}` }));
  }
}
