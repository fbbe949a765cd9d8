import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { ApprovalParams, AuthorityCore, RotationRecord } from '@revmesh/authority-core';
import { sendGated } from '../approvals/gated-reply';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { parseLimit } from '../http/limit';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { rollbackSchema, type RollbackBody } from './rollback.schema';
import { rotationEventView, rotationView, type RotationEventView, type RotationView } from './rotation.view';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { PENDING_APPROVAL } from '../openapi/schemas';
import { rotationDetailsSchema, rotationListSchema, rotationViewSchema } from '../openapi/view-schemas';

/** Rotation records (admin): history, details with per-instance confirmation, rollback. */
@Controller('v1/rotations')
export class RotationsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Newest first. `?limit=` 1..500, default 50. */
  @ApiOperation({ summary: 'Key rotations', success: { schema: rotationListSchema }, problems: ['INVALID_REQUEST'] })
  @Get()
  list(@Query('limit') limit?: string): { rotations: RotationView[] } {
    return { rotations: this.core.rotations.list(parseLimit(limit)).map(rotationView) };
  }

  /** The record, and each key event it published with which live instances hold it. Unknown id: 404. */
  @ApiOperation({ summary: 'One rotation and its events', success: { schema: rotationDetailsSchema } })
  @Get(':id')
  get(@Param('id') id: string): RotationView & { events: RotationEventView[] } {
    const { record, events } = this.core.rotationDetails(id);
    return { ...rotationView(record), events: events.map(rotationEventView) };
  }

  /**
   * Re-activates the key the rotation replaced; its new key becomes `retired` (or `revoked`).
   * 201 with the new `rollback` rotation record. 409 `ROLLBACK_TARGET_REVOKED` when the previous
   * key is revoked, `KEY_STATE_CONFLICT` when a key is not where a rollback needs it. When the
   * policy requires a second security-admin (`rotations.rollback`): 202
   * `{status:'pending-approval', approval}`.
   */
  @ApiOperation({ summary: 'Roll a rotation back', success: [{ status: 201, schema: rotationViewSchema }, PENDING_APPROVAL], problems: ['ROLLBACK_TARGET_REVOKED', 'ROTATION_NOT_ROLLBACKABLE', 'KEY_STATE_CONFLICT', 'ROTATION_IN_PROGRESS'] })
  @Post(':id/rollback')
  async rollback(
    @Param('id') id: string,
    @Body(new ZodBodyPipe(rollbackSchema)) body: RollbackBody,
    @Req() request: OperatorRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    this.core.rotations.get(id); // unknown id: 404 now, not after a second admin approved it
    const params: ApprovalParams['rotations.rollback'] = {
      rotationId: id,
      reason: body.reason,
      ...(body.new_key_state === undefined ? {} : { newKeyState: body.new_key_state }),
    };
    const outcome = await this.core.approvals.submit<RotationRecord>({ action: 'rotations.rollback', target: id, params, context: auditContextOf(request) });
    sendGated(reply, outcome, (record) => ({ status: 201, body: rotationView(record), location: `/v1/rotations/${encodeURIComponent(record.id)}` }));
  }
}
