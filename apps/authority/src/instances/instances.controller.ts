import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import type { AuthorityCore, SidecarInstance } from '@revmesh/authority-core';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { ProblemException } from '../problems/problem';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { instanceListSchema } from '../openapi/view-schemas';

/** A sidecar instance as the API shows it. Times are epoch ms (the sidecar's clock). */
export interface InstanceView {
  readonly instance_id: string;
  readonly live: boolean;
  readonly ready: boolean;
  readonly started_at: number;
  readonly last_heartbeat_at: number;
  readonly heartbeat_interval_ms: number;
  readonly key_set_version: number;
  readonly audiences: readonly string[];
  readonly first_seen_at: number;
  /**
   * Its last heartbeat's staleness: `stale` past its bound, its default `policy` while stale,
   * `fail_open_accepted` tokens its fail-open routes accepted while stale; null when it did not
   * say (an older sidecar).
   */
  readonly staleness: { readonly stale: boolean; readonly policy: 'fail-closed' | 'fail-open-UNSAFE'; readonly fail_open_accepted: number } | null;
}

/** Sidecar instances as reported on the acks topic (admin). */
@Controller('v1/instances')
export class InstancesController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /**
   * Live instances (last heartbeat younger than 3 of its intervals). `?all=true` adds the gone
   * ones, with `live: false`.
   */
  @ApiOperation({ summary: 'Sidecar instances and their coherence', success: { schema: instanceListSchema }, problems: ['INVALID_REQUEST'] })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(@Query('all') all?: string): { now: number; live_instances: number; instances: InstanceView[] } {
    if (all !== undefined && all !== 'true' && all !== 'false') {
      throw new ProblemException('INVALID_REQUEST', 'invalid all', { errors: [{ field: 'all', message: 'must be true or false' }] });
    }
    const now = this.core.clock.now();
    const live = this.core.instances.live(now);
    const liveIds = new Set(live.map((i) => i.instanceId));
    const shown = all === 'true' ? this.core.instances.all() : live;
    return {
      now,
      live_instances: live.length,
      instances: shown.map((i) => instanceView(i, liveIds.has(i.instanceId))),
    };
  }
}

function instanceView(i: SidecarInstance, live: boolean): InstanceView {
  return {
    instance_id: i.instanceId,
    live,
    ready: i.ready,
    started_at: i.startedAt,
    last_heartbeat_at: i.lastHeartbeatAt,
    heartbeat_interval_ms: i.heartbeatIntervalMs,
    key_set_version: i.keySetVersion,
    audiences: i.audiences,
    first_seen_at: i.firstSeenAt,
    staleness: i.staleness === undefined ? null : { stale: i.staleness.stale, policy: i.staleness.policy, fail_open_accepted: i.staleness.failOpenAccepted },
  };
}

