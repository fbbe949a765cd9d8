import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Alert, AuthorityCore } from '@revmesh/authority-core';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { alertListSchema } from '../openapi/view-schemas';

/** An anomaly alert as the API shows it (the `alert.raised` payload fields). */
export interface AlertView {
  readonly alert_id: string;
  readonly kind: string;
  readonly severity: string;
  readonly dedup_key: string;
  readonly summary: string;
  readonly first_seen: number;
  readonly last_seen: number;
  readonly count: number;
  readonly details: Alert['details'];
}

/** Deduplicated anomaly alerts raised since start, newest first (admin). */
@Controller('v1/alerts')
export class AlertsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  @ApiOperation({ summary: 'Anomaly alerts', success: { schema: alertListSchema } })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(): { alerts: AlertView[] } {
    return {
      alerts: this.core.anomalies.list().map((a) => ({
        alert_id: a.alertId,
        kind: a.kind,
        severity: a.severity,
        dedup_key: a.dedupKey,
        summary: a.summary,
        first_seen: a.firstSeen,
        last_seen: a.lastSeen,
        count: a.count,
        details: a.details,
      })),
    };
  }
}
