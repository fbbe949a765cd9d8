import { Controller, Delete, Get, Header, HttpCode, Inject, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import type { AuthorityCore, PollResponse, ReceiverAccess, ReceiverIdentity, ReceiverRequestOrigin, StreamConfiguration, StreamStatusView } from '@revmesh/authority-core';
import { requestOriginOf, type OperatorRequest } from '../auth/operator-request';
import { Public } from '../auth/public.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { headerValue } from '../http/http-types';
import { ssfCall } from './ssf-problem';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { OBJECT, objectWith, JWKS, SSF_PROBLEMS } from '../openapi/schemas';

/** A request as Fastify hands it over: the raw socket tells a long poll that its caller left. */
type ReceiverRequest = OperatorRequest & { readonly raw?: { once(event: 'close', listener: () => void): unknown } };

/**
 * The SSF 1.0 stream management API (§8.1) and the RFC 8936 poll endpoint of revmesh as a
 * transmitter. Public to the operator guard: receivers are OAuth clients, authenticated here by
 * a client-credentials access token of this authority (`ssf.manage` for writes; `ssf.read` or
 * `ssf.manage` for reads and polls). A stream is visible only to the client that created it.
 */
@Public()
@Controller('ssf/transmitter')
export class SsfTransmitterController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  private receiver(request: OperatorRequest, access: ReceiverAccess): Promise<ReceiverIdentity> {
    return this.core.ssfTransmitter.authenticate(headerValue(request, 'authorization'), access);
  }

  private origin(request: OperatorRequest): ReceiverRequestOrigin {
    return requestOriginOf(request);
  }

  /** The SET signing key(s): `jwks_uri` of the metadata. */
  @ApiOperation({ summary: 'SET signing keys of the SSF transmitter', success: { schema: JWKS } })
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { readonly keys: readonly unknown[] } {
    return this.core.ssfTransmitter.jwks();
  }

  /** Create a stream: 201 with its configuration. */
  @ApiOperation({ summary: 'Create a stream (SSF 1.0 §8.1.1)', body: { contentType: 'application/json', schema: OBJECT }, success: { schema: OBJECT }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.manage'] }] })
  @Post('streams')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  create(@Req() request: OperatorRequest): Promise<StreamConfiguration> {
    return ssfCall(async () => this.core.ssfTransmitter.createStream(await this.receiver(request, 'manage'), request.body, this.origin(request)));
  }

  /** One stream (`?stream_id=`), or every stream of the receiver (a list, maybe empty). */
  @ApiOperation({ summary: 'One stream or all streams of the receiver', success: { schema: {} }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.read'] }] })
  @Get('streams')
  @Header('Cache-Control', 'no-store')
  read(@Req() request: OperatorRequest, @Query('stream_id') streamId?: string): Promise<StreamConfiguration | StreamConfiguration[]> {
    return ssfCall(async () => this.core.ssfTransmitter.readStreams(await this.receiver(request, 'read'), streamId));
  }

  @ApiOperation({ summary: 'Update a stream', body: { contentType: 'application/json', schema: OBJECT }, success: { schema: OBJECT }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.manage'] }] })
  @Patch('streams')
  @Header('Cache-Control', 'no-store')
  update(@Req() request: OperatorRequest): Promise<StreamConfiguration> {
    return ssfCall(async () => this.core.ssfTransmitter.updateStream(await this.receiver(request, 'manage'), request.body, false, this.origin(request)));
  }

  @ApiOperation({ summary: 'Replace a stream', body: { contentType: 'application/json', schema: OBJECT }, success: { schema: OBJECT }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.manage'] }] })
  @Put('streams')
  @Header('Cache-Control', 'no-store')
  replace(@Req() request: OperatorRequest): Promise<StreamConfiguration> {
    return ssfCall(async () => this.core.ssfTransmitter.updateStream(await this.receiver(request, 'manage'), request.body, true, this.origin(request)));
  }

  /** 204; the stream's queued SETs go with it. */
  @ApiOperation({ summary: 'Delete a stream', success: { status: 204 }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.manage'] }] })
  @Delete('streams')
  @HttpCode(204)
  @Header('Cache-Control', 'no-store')
  delete(@Req() request: OperatorRequest, @Query('stream_id') streamId?: string): Promise<void> {
    return ssfCall(async () => this.core.ssfTransmitter.deleteStream(await this.receiver(request, 'manage'), streamId, this.origin(request)));
  }

  @ApiOperation({ summary: 'Stream status', success: { schema: OBJECT }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.read'] }] })
  @Get('status')
  @Header('Cache-Control', 'no-store')
  status(@Req() request: OperatorRequest, @Query('stream_id') streamId?: string): Promise<StreamStatusView> {
    return ssfCall(async () => this.core.ssfTransmitter.readStatus(await this.receiver(request, 'read'), streamId));
  }

  /** enabled, paused (SETs held) or disabled (SETs dropped). */
  @ApiOperation({ summary: 'Enable, pause or disable a stream', body: { contentType: 'application/json', schema: OBJECT }, success: { schema: OBJECT }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.manage'] }] })
  @Post('status')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  updateStatus(@Req() request: OperatorRequest): Promise<StreamStatusView> {
    return ssfCall(async () => this.core.ssfTransmitter.updateStatus(await this.receiver(request, 'manage'), request.body, this.origin(request)));
  }

  /** 204: a verification SET is queued (pushed at once, or waiting for the next poll). */
  @ApiOperation({ summary: 'Request a verification event', body: { contentType: 'application/json', schema: OBJECT }, success: { status: 204 }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.manage'] }] })
  @Post('verify')
  @HttpCode(204)
  @Header('Cache-Control', 'no-store')
  verify(@Req() request: OperatorRequest): Promise<void> {
    return ssfCall(async () => this.core.ssfTransmitter.verify(await this.receiver(request, 'manage'), request.body));
  }

  /** RFC 8936 poll of a poll stream (`delivery.endpoint_url`). */
  @ApiOperation({ summary: 'Poll for SETs (RFC 8936)', body: { contentType: 'application/json', schema: OBJECT, required: false }, success: { schema: objectWith('sets') }, problems: [...SSF_PROBLEMS], security: [{ accessToken: ['ssf.read'] }] })
  @Post('poll/:streamId')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  poll(@Req() request: ReceiverRequest, @Param('streamId') streamId: string): Promise<PollResponse> {
    return ssfCall(async () => {
      const receiver = await this.receiver(request, 'read');
      const left = new AbortController();
      request.raw?.once('close', () => left.abort());
      return this.core.ssfTransmitter.poll(receiver, streamId, request.body ?? {}, left.signal);
    });
  }
}
