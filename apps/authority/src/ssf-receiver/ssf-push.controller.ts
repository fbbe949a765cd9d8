import { ApiOperation } from '../openapi/api-operation.decorator';
import { objectWith } from '../openapi/schemas';
import { Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { SET_MEDIA_TYPE, SSF_PUSH_PATH, SetRefusedError, type AuthorityCore } from '@revmesh/authority-core';
import { Public } from '../auth/public.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { headerValue, type HttpReply, type HttpRequest } from '../http/http-types';

/**
 * The RFC 8935 push endpoint of the SSF receiver: one URL per registered transmitter, public to
 * the operator guard because the transmitter authenticates with the `Authorization` header
 * revmesh gave it when it created the stream. Answers `202` (accepted, also for a replay), `401`
 * `authentication_failed`, or `400` with the RFC 8935 error JSON `{err, description}`; a failure
 * on revmesh's side (store unavailable) goes through the problem filter (5xx: the transmitter retries).
 */
@Public()
@Controller(SSF_PUSH_PATH.slice(1))
export class SsfPushController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  @ApiOperation({ summary: 'SSF push endpoint (RFC 8935) of one transmitter', body: { contentType: 'application/secevent+jwt', schema: { type: 'string' } }, success: { description: 'Accepted (also a replay)' }, errors: { 400: { description: 'RFC 8935 error', schema: objectWith('err', 'description') }, 401: { description: 'authentication_failed', schema: objectWith('err', 'description') } }, security: [{ transmitterAuthorization: [] }] })
  @Post(':transmitter')
  @HttpCode(202)
  async push(@Param('transmitter') transmitter: string, @Req() request: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    try {
      const contentType = headerValue(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
      const authorization = headerValue(request, 'authorization');
      const traceparent = headerValue(request, 'traceparent');
      // Authentication first: an unauthenticated caller learns nothing about the body.
      const body = contentType === SET_MEDIA_TYPE ? request.body : contentType === undefined ? undefined : { notASet: true };
      await this.core.ssfReceiver.receivePush(transmitter, { authorization, body, ...(traceparent === undefined ? {} : { traceparent }) });
      reply.status(202).header('Cache-Control', 'no-store').send();
    } catch (error) {
      if (!(error instanceof SetRefusedError)) throw error;
      reply
        .status(error.code === 'authentication_failed' ? 401 : 400)
        .header('Content-Type', 'application/json')
        .header('Cache-Control', 'no-store')
        .send({ err: error.code, description: error.description });
    }
  }
}
