import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { evaluateReadiness, type AuthorityCore, type OutboxRelay, type Readiness } from '@revmesh/authority-core';
import { Public } from '../auth/public.decorator';
import type { TopicHealth } from '../core/core.module';
import { ACKS_CONSUMER, AUTHORITY_CORE, OUTBOX_RELAY, TOPIC_HEALTH } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import type { AcksConsumerStatus } from '../reports/acks-consumer';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { objectWith } from '../openapi/schemas';
import { replicaHealthSchema } from '../openapi/view-schemas';

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

  /**
   * This replica among the authority's replicas: `leader` (runs the relay and the other
   * singletons) or `follower`, the lease epoch, and the lease's age on this replica's monotonic
   * clock (leader: since its last renewal; follower: since it last saw the leader renew).
   */
  @ApiOperation({ summary: 'Replica role (leader or follower), lease epoch and age', success: { schema: replicaHealthSchema } })
  @Get()
  @Header('Cache-Control', 'no-store')
  replica(): { status: 'ok'; role: 'leader' | 'follower'; epoch: number | null; lease_age_ms: number | null; holder: string | null; replica_id: string } {
    const lease = this.core.leadership.status();
    return {
      status: 'ok',
      role: lease.role,
      epoch: lease.epoch ?? null,
      lease_age_ms: lease.leaseAgeMs === undefined ? null : Math.round(lease.leaseAgeMs),
      holder: lease.holder ?? null,
      replica_id: lease.replicaId,
    };
  }

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
