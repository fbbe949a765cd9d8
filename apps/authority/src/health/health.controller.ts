import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { OutboxRelay, OutboxStore } from '@revmesh/authority-core';
import { Public } from '../auth/public.decorator';
import { ACKS_CONSUMER, OUTBOX, OUTBOX_RELAY } from '../core/core.tokens';
import type { AcksConsumerStatus } from '../reports/acks-consumer';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { healthSchema } from '../openapi/view-schemas';

/**
 * Liveness, plus the relay's state: `relay: "starting"` with a growing `outbox_pending` means
 * the broker is unreachable; revocations are still accepted and will be published. `acks` is the
 * acks-topic consumer: `connecting` while the broker is unreachable, `connected` once consuming.
 */
@Public()
@Controller('healthz')
export class HealthController {
  constructor(
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @Inject(OUTBOX) private readonly outbox: OutboxStore,
    @Inject(ACKS_CONSUMER) private readonly acks: AcksConsumerStatus,
  ) {}

  @ApiOperation({ summary: 'Health and relay state', success: { schema: healthSchema } })
  @Get()
  @Header('Cache-Control', 'no-store')
  health(): { status: 'ok'; relay: string; outbox_pending: number; acks: string } {
    return { status: 'ok', relay: this.relay.status().state, outbox_pending: this.outbox.pendingCount(), acks: this.acks.state() };
  }
}
