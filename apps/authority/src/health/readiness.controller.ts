import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { evaluateReadiness, type AuthorityCore, type OutboxRelay, type Readiness } from '@revmesh/authority-core';
import { Public } from '../auth/public.decorator';
import type { TopicHealth } from '../core/core.module';
import { ACKS_CONSUMER, AUTHORITY_CORE, OUTBOX_RELAY, TOPIC_HEALTH } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import type { AcksConsumerStatus } from '../reports/acks-consumer';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { objectWith } from '../openapi/schemas';

/**
 * Liveness and readiness for orchestrators and people. Liveness only says the process answers
 * (restarting would cure nothing else). Readiness says whether this authority can do its job:
 * `200 ok`; `200 degraded` with reasons when revocations are accepted but do not reach the
 * sidecars (keep routing here: they wait durably in the outbox); `503 failing` when it cannot
 * accept a revocation at all (its store cannot write).
 */
@Public()
@Controller('health')
export class ReadinessController {
  constructor(
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @Inject(ACKS_CONSUMER) private readonly acks: AcksConsumerStatus,
    @Inject(TOPIC_HEALTH) private readonly topics: TopicHealth,
  ) {}

  @ApiOperation({ summary: 'Liveness', success: { schema: objectWith('status') } })
  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @ApiOperation({ summary: 'Readiness (503 until ready)', success: [{ status: 200, schema: objectWith('status') }, { status: 503, description: 'Not ready', schema: objectWith('status') }] })
  @Get('ready')
  @Header('Cache-Control', 'no-store')
  ready(@Res({ passthrough: true }) reply: HttpReply): Readiness {
    const readiness = evaluateReadiness({
      now: this.core.clock.now(),
      store: this.core.store.health(),
      relay: this.relay.status(),
      outbox: this.core.outbox.backlog(),
      acks: this.acks.state(),
      missingTopics: this.topics.unhealthy(),
    });
    reply.status(readiness.status === 'failing' ? 503 : 200);
    return readiness;
  }
}
