import { ApiOperation } from '../openapi/api-operation.decorator';
import { OBJECT, objectWith, listOf, PENDING_APPROVAL } from '../openapi/schemas';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { AuthorityCore } from '@revmesh/authority-core';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { emptySchema } from '../operators/operators.schema';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { addTransmitterSchema, streamStatusSchema, type AddTransmitterBody, type StreamStatusBody } from './ssf-transmitters.schema';
import { transmitterView, type TransmitterJson } from './transmitter.view';

/**
 * SSF transmitters revmesh receives CAEP/RISC events from (revmesh as an SSF receiver). Reads:
 * any operator; writes: security-admin with step-up and a justification, audited
 * (`ssf.transmitters.create`, `.verify`, `.remove`). The transmitter's issuer must be a trusted
 * issuer (`POST /v1/issuers`) first: its events become revocations of that issuer's tokens.
 */
@Controller('v1/ssf/transmitters')
export class SsfTransmittersController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  @ApiOperation({ summary: 'SSF transmitters revmesh receives from', success: { schema: listOf('transmitters') } })
  @Get()
  list(): { transmitters: TransmitterJson[] } {
    return { transmitters: this.core.ssfReceiver.list().map(transmitterView) };
  }

  @ApiOperation({ summary: 'One SSF transmitter', success: { schema: objectWith('transmitter') } })
  @Get(':id')
  get(@Param('id') id: string): { transmitter: TransmitterJson } {
    return { transmitter: transmitterView(this.core.ssfReceiver.get(id)) };
  }

  /**
   * Reads the transmitter's configuration, creates the stream (push to this authority, or poll)
   * and stores it: 201 with `Location`. 409 when the id exists, 422 ISSUER_NOT_TRUSTED, 502
   * SSF_TRANSMITTER_FAILED naming the step that failed (discovery, token, stream creation).
   */
  @ApiOperation({ summary: 'Register an SSF transmitter (creates the push stream)', success: [{ status: 201, schema: OBJECT }, PENDING_APPROVAL], problems: ['CONFLICT', 'SSF_TRANSMITTER_FAILED'] })
  @Post()
  async add(@Body(new ZodBodyPipe(addTransmitterSchema)) body: AddTransmitterBody, @Req() request: OperatorRequest, @Res() reply: HttpReply): Promise<void> {
    const added = await this.core.ssfReceiver.add(
      {
        id: body.id,
        configUrl: body.config_url,
        clientId: body.client_id,
        clientSecret: body.client_secret,
        delivery: body.delivery,
        ...(body.scope === undefined ? {} : { scope: body.scope }),
        ...(body.token_endpoint === undefined ? {} : { tokenEndpoint: body.token_endpoint }),
        ...(body.description === undefined ? {} : { description: body.description }),
      },
      auditContextOf(request),
    );
    reply.status(201).header('Location', `/v1/ssf/transmitters/${added.id}`).send({ transmitter: transmitterView(added) });
  }

  /** Reads the stream and its status from the transmitter again (200). */
  @ApiOperation({ summary: "Re-read a transmitter's metadata", success: { schema: objectWith('transmitter') }, problems: ['SSF_TRANSMITTER_FAILED'] })
  @Post(':id/refresh')
  @HttpCode(200)
  async refresh(@Param('id') id: string, @Body(new ZodBodyPipe(emptySchema)) _body: unknown): Promise<{ transmitter: TransmitterJson }> {
    return { transmitter: transmitterView(await this.core.ssfReceiver.refresh(id)) };
  }

  /** Asks the transmitter for a verification event (202: it arrives on the stream; `verifiedAt` shows it). */
  @ApiOperation({ summary: 'Ask the transmitter for a verification event', success: { schema: objectWith('state') }, problems: ['SSF_TRANSMITTER_FAILED'] })
  @Post(':id/verify')
  @HttpCode(202)
  async verify(@Param('id') id: string, @Body(new ZodBodyPipe(emptySchema)) _body: unknown, @Req() request: OperatorRequest): Promise<{ state: string }> {
    return this.core.ssfReceiver.requestVerification(id, auditContextOf(request));
  }

  /** A new authorization header for the push stream (PATCH at the transmitter); the old one works for another minute (200). */
  @ApiOperation({ summary: 'New push authorization for the stream (the old one works a minute longer)', success: { schema: objectWith('transmitter') }, problems: ['SSF_TRANSMITTER_FAILED'] })
  @Post(':id/rotate-push-authorization')
  @HttpCode(200)
  async rotatePushAuthorization(@Param('id') id: string, @Body(new ZodBodyPipe(emptySchema)) _body: unknown, @Req() request: OperatorRequest): Promise<{ transmitter: TransmitterJson }> {
    return { transmitter: transmitterView(await this.core.ssfReceiver.rotatePushAuthorization(id, auditContextOf(request))) };
  }

  /** Asks the transmitter to enable, pause (hold SETs) or disable (drop SETs) the stream (200). */
  @ApiOperation({ summary: 'Ask the transmitter to enable, pause or disable the stream', success: { schema: objectWith('transmitter') }, problems: ['SSF_TRANSMITTER_FAILED'] })
  @Post(':id/status')
  @HttpCode(200)
  async status(@Param('id') id: string, @Body(new ZodBodyPipe(streamStatusSchema)) body: StreamStatusBody, @Req() request: OperatorRequest): Promise<{ transmitter: TransmitterJson }> {
    return { transmitter: transmitterView(await this.core.ssfReceiver.setStreamStatus(id, body.status, body.reason, auditContextOf(request))) };
  }

  /** Deletes the stream at the transmitter (when it answers) and the registration (200). */
  @ApiOperation({ summary: 'Remove a transmitter (and delete its stream)', success: { schema: objectWith('removed') }, problems: ['SSF_TRANSMITTER_FAILED'] })
  @Post(':id/remove')
  @HttpCode(200)
  async remove(@Param('id') id: string, @Body(new ZodBodyPipe(emptySchema)) _body: unknown, @Req() request: OperatorRequest): Promise<{ removed: string; streamDeleted: boolean }> {
    const { streamDeleted } = await this.core.ssfReceiver.remove(id, auditContextOf(request));
    return { removed: id, streamDeleted };
  }
}
