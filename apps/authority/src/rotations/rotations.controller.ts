import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { AuthorityCore } from '@revmesh/authority-core';
import { ADMIN_KEY_ACTOR } from '../auth/admin-actor';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { parseLimit } from '../http/limit';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { rollbackSchema, type RollbackBody } from './rollback.schema';
import { rotationEventView, rotationView, type RotationEventView, type RotationView } from './rotation.view';

/** Rotation records (admin): history, details with per-instance confirmation, rollback. */
@Controller('v1/rotations')
export class RotationsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Newest first. `?limit=` 1..500, default 50. */
  @Get()
  list(@Query('limit') limit?: string): { rotations: RotationView[] } {
    return { rotations: this.core.rotations.list(parseLimit(limit)).map(rotationView) };
  }

  /** The record, and each key event it published with which live instances hold it. Unknown id: 404. */
  @Get(':id')
  get(@Param('id') id: string): RotationView & { events: RotationEventView[] } {
    const { record, events } = this.core.rotationDetails(id);
    return { ...rotationView(record), events: events.map(rotationEventView) };
  }

  /**
   * Re-activates the key the rotation replaced; its new key becomes `retired` (or `revoked`).
   * 201 with the new `rollback` rotation record. 409 `ROLLBACK_TARGET_REVOKED` when the previous
   * key is revoked, `KEY_STATE_CONFLICT` when a key is not where a rollback needs it.
   */
  @Post(':id/rollback')
  @HttpCode(201)
  async rollback(
    @Param('id') id: string,
    @Body(new ZodBodyPipe(rollbackSchema)) body: RollbackBody,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<RotationView> {
    const record = await this.core.rotations.rollback(id, {
      actor: ADMIN_KEY_ACTOR,
      reason: body.reason,
      ...(body.new_key_state === undefined ? {} : { newKeyState: body.new_key_state }),
    });
    reply.header('Location', `/v1/rotations/${encodeURIComponent(record.id)}`);
    return rotationView(record);
  }
}
