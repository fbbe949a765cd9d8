import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { AuthorityCore } from '@revmesh/authority-core';
import { TRACEPARENT_HEADER } from '@revmesh/contracts';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { headerValue, type HttpReply } from '../http/http-types';
import { parseLimit } from '../http/limit';
import { revocationView, type RevocationView } from '../revocations/revocation.view';
import { reasonBodySchema, type ReasonBody } from '../validation/reason-body.schema';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { sessionView, type SessionView } from './session.view';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { revocationViewSchema, sessionViewSchema } from '../openapi/view-schemas';
import { z } from 'zod';

/** Sessions started by token exchange (their refresh-token families). */
@Controller('v1/sessions')
export class SessionsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: Pick<AuthorityCore, 'sessions'>) {}

  /** Newest first. `?sub=`, `?client_id=`, `?active=true` (not ended), `?limit=` 1..1000 (default 100). */
  @ApiOperation({ summary: 'Sessions (refresh-token families)', success: { schema: z.object({ sessions: z.array(sessionViewSchema) }) }, problems: ['INVALID_REQUEST'] })
  @Get()
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  list(
    @Query('sub') sub?: string,
    @Query('client_id') clientId?: string,
    @Query('active') active?: string,
    @Query('limit') limit?: string,
  ): { sessions: SessionView[] } {
    const sessions = this.core.sessions.list({
      ...(sub === undefined ? {} : { sub }),
      ...(clientId === undefined ? {} : { clientId }),
      activeOnly: active === 'true',
      limit: parseLimit(limit, 100, 1000),
    });
    return { sessions: sessions.map(sessionView) };
  }

  /** One session. Unknown sid: 404. */
  @ApiOperation({ summary: 'One session', success: { schema: sessionViewSchema } })
  @Get(':sid')
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  get(@Param('sid') sid: string): SessionView {
    return sessionView(this.core.sessions.get(sid));
  }

  /**
   * Ends the session everywhere: a `sid` revocation (published to every sidecar, which then
   * refuses the session's access tokens) that also ends its refresh tokens. 202 with the
   * revocation, as `POST /v1/revocations`. Unknown sid: 404.
   */
  @ApiOperation({ summary: 'Revoke a session: its refresh tokens and, by `sid`, its access tokens', success: { schema: revocationViewSchema } })
  @Post(':sid/revoke')
  @RequireRole('responder')
  @HttpCode(202)
  async revoke(
    @Param('sid') sid: string,
    @Body(new ZodBodyPipe(reasonBodySchema)) body: ReasonBody,
    @Req() request: OperatorRequest,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<RevocationView> {
    const context = auditContextOf(request);
    const traceparent = headerValue(request, TRACEPARENT_HEADER);
    const revocation = await this.core.sessions.revoke(sid, body.reason, context.actor, context, traceparent);
    reply.header('Location', `/v1/revocations/${encodeURIComponent(revocation.id)}`);
    return revocationView(revocation);
  }
}
