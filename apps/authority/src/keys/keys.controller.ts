import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { AuthorityCore } from '@revmesh/authority-core';
import { ADMIN_KEY_ACTOR } from '../auth/admin-actor';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { rotationView, type RotationView } from '../rotations/rotation.view';
import { reasonBodySchema, type ReasonBody } from '../validation/reason-body.schema';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { calendarView, keyView, type CalendarView, type KeyView } from './key.view';

/** Token-signing keys (admin): states, calendar, staged rotation, emergency compromise. */
@Controller('v1/keys')
export class KeysController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Every key with its state (oldest first) and the current key-set version. */
  @Get()
  @Header('Cache-Control', 'no-store')
  list(): { key_set_version: number; keys: KeyView[] } {
    return { key_set_version: this.core.keyEvents.version(), keys: this.core.keyStates().map(keyView) };
  }

  /** When the next scheduled rotation happens, which key it promotes, and upcoming retirements. */
  @Get('calendar')
  @Header('Cache-Control', 'no-store')
  calendar(): CalendarView {
    return calendarView(this.core.calendar(), this.core.clock.now(), this.core.policy, this.core.rotations.busy());
  }

  /**
   * Staged rotation now: waits (at most REVMESH_PROMOTION_GATE_TIMEOUT_MS) for live sidecars to
   * confirm the standby, then promotes it. 201 with the rotation record. 409
   * `ROTATION_IN_PROGRESS` while another staged rotation waits at its gate.
   */
  @Post('rotate')
  @HttpCode(201)
  async rotate(@Body(new ZodBodyPipe(reasonBodySchema)) body: ReasonBody, @Res({ passthrough: true }) reply: HttpReply): Promise<RotationView> {
    const record = await this.core.rotations.rotate('manual', { actor: ADMIN_KEY_ACTOR, reason: body.reason });
    reply.header('Location', `/v1/rotations/${encodeURIComponent(record.id)}`);
    return rotationView(record);
  }

  /**
   * Emergency: revokes the key at once; if it was active the standby is promoted without a gate;
   * a new standby is published. 201 with the rotation record (each step timed). Unknown kid:
   * 404; already revoked: 409 `KEY_STATE_CONFLICT`.
   */
  @Post(':kid/compromise')
  @HttpCode(201)
  async compromise(
    @Param('kid') kid: string,
    @Body(new ZodBodyPipe(reasonBodySchema)) body: ReasonBody,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<RotationView> {
    const record = await this.core.rotations.compromise(kid, { actor: ADMIN_KEY_ACTOR, reason: body.reason });
    reply.header('Location', `/v1/rotations/${encodeURIComponent(record.id)}`);
    return rotationView(record);
  }
}
