import { Body, Controller, Get, Header, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { AuthorityCore, CommsMessage } from '@revmesh/authority-core';
import { sendGated } from '../approvals/gated-reply';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { PENDING_APPROVAL } from '../openapi/schemas';
import { ProblemException } from '../problems/problem';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { previewCommsQuerySchema, sendCommsSchema, type SendCommsBody } from './comms.schema';
import { commsListSchema, commsListView, commsMessageView, commsPreviewSchema, commsPreviewView, commsSentSchema, type CommsListView, type CommsPreviewView } from './comms.view';

/**
 * Incident communications: the message for an audience previewed as it would be sent, sent to
 * the policy's webhooks (customers: after a second operator approved the exact text), and the
 * messages sent with each delivery's outcome.
 */
@Controller('v1/incidents/:id/comms')
export class CommsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** The exact text for `?audience=` (with `?what_to_do=`), its hash, and where it would go. Unknown incident: 404. */
  @ApiOperation({ summary: 'Preview the message for an audience', tags: ['incidents'], success: { schema: commsPreviewSchema }, problems: ['INVALID_REQUEST'] })
  @Get('preview')
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  preview(@Param('id') id: string, @Query('audience') audience?: string, @Query('what_to_do') whatToDo?: string): CommsPreviewView {
    const parsed = previewCommsQuerySchema.safeParse({ audience, ...(whatToDo === undefined ? {} : { what_to_do: whatToDo }) });
    if (!parsed.success) {
      throw new ProblemException('INVALID_REQUEST', 'invalid query', { errors: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(query)', message: i.message })) });
    }
    const query = parsed.data;
    return commsPreviewView(this.core.comms.preview(id, query.audience, query.what_to_do === undefined ? {} : { whatToDo: query.what_to_do }));
  }

  /**
   * Sends the message for `audience` (engineers, security: 201 with the message, delivered in the
   * background), or for customers opens an approval request holding the exact text (202): a
   * second operator's approval sends it, unless the incident or the template changed meanwhile.
   */
  @ApiOperation({
    summary: 'Send the message for an audience (customers: after a second operator approves it)',
    tags: ['incidents'],
    success: [{ status: 201, schema: commsSentSchema }, PENDING_APPROVAL],
    problems: ['COMMS_TEXT_CHANGED', 'COMMS_NO_WEBHOOK', 'COMMS_WEBHOOK_UNUSABLE'],
  })
  @Post()
  @RequireRole('responder')
  async send(@Param('id') id: string, @Body(new ZodBodyPipe(sendCommsSchema)) body: SendCommsBody, @Req() request: OperatorRequest, @Res() reply: HttpReply): Promise<void> {
    const outcome = await this.core.comms.send({
      incidentId: id,
      audience: body.audience,
      ...(body.what_to_do === undefined ? {} : { whatToDo: body.what_to_do }),
      ...(body.expected_sha256 === undefined ? {} : { expectedSha256: body.expected_sha256 }),
      context: auditContextOf(request),
    });
    sendGated<CommsMessage>(reply, outcome, (message) => ({ status: 201, body: { message: commsMessageView(message) }, location: `/v1/incidents/${encodeURIComponent(id)}/comms` }));
  }

  /** Messages sent for the incident, oldest first, with their exact text and each delivery's outcome. */
  @ApiOperation({ summary: 'Messages sent for the incident and their deliveries', tags: ['incidents'], success: { schema: commsListSchema } })
  @Get()
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  list(@Param('id') id: string): CommsListView {
    return commsListView(this.core.comms.list(id));
  }
}
