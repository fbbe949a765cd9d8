import { Body, Controller, Get, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { AuthorityCore, StoredEventSigner } from '@revmesh/authority-core';
import type { EventSignerJwk } from '@revmesh/contracts';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { reasonBodySchema, type ReasonBody } from '../validation/reason-body.schema';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { OBJECT, objectWith } from '../openapi/schemas';

/** An event signer as the API shows it (public key only). */
export interface EventSignerView {
  readonly kid: string;
  readonly state: StoredEventSigner['state'];
  readonly created_at: number;
  readonly activated_at: number | null;
  readonly withdraw_after: number | null;
  readonly republished_at: number | null;
  readonly public_jwk: EventSignerJwk;
}

/** `POST /v1/event-signers/rotate` answer. */
export interface SignerRotationView {
  readonly previous_kid: string;
  readonly current_kid: string;
  readonly announced_event_id: string;
  readonly key_set_version: number;
  readonly withdraw_after: number;
  readonly gate: { readonly outcome: string; readonly started_at: number; readonly ended_at: number; readonly unconfirmed_instances: readonly string[] };
}

/** The keys that sign events (admin). The public trust list is at /.well-known/revmesh-event-signers.json. */
@Controller('v1/event-signers')
export class EventSignersController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  @ApiOperation({ summary: 'Event-signing keys', success: { schema: objectWith('current_kid', 'signers') } })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(): { current_kid: string; signers: EventSignerView[] } {
    return {
      current_kid: this.core.eventSigners.currentKid(),
      signers: this.core.eventSigners.list().map((s) => ({
        kid: s.kid,
        state: s.state,
        created_at: s.createdAt,
        activated_at: s.activatedAt,
        withdraw_after: s.withdrawAfter,
        republished_at: s.republishedAt,
        public_jwk: s.publicJwk,
      })),
    };
  }

  /**
   * Announces a new event signer (signed by the current one), waits at the promotion gate,
   * switches signing to it and re-signs the compacted topics; the previous signer is withdrawn
   * after REVMESH_EVENT_SIGNER_OVERLAP_SECONDS. 201. 409 `ROTATION_IN_PROGRESS` if one runs.
   */
  @ApiOperation({ summary: 'Rotate the event-signing key', success: { schema: OBJECT } })
  @Post('rotate')
  @HttpCode(201)
  async rotate(@Body(new ZodBodyPipe(reasonBodySchema)) body: ReasonBody, @Req() request: OperatorRequest): Promise<SignerRotationView> {
    const r = await this.core.eventSigners.rotation.rotate({ actor: auditContextOf(request).actor, reason: body.reason, context: auditContextOf(request) });
    return {
      previous_kid: r.previousKid,
      current_kid: r.currentKid,
      announced_event_id: r.announcedEventId,
      key_set_version: r.keySetVersion,
      withdraw_after: r.withdrawAfter,
      gate: { outcome: r.gate.outcome, started_at: r.gate.startedAt, ended_at: r.gate.endedAt, unconfirmed_instances: r.gate.unconfirmed },
    };
  }
}
