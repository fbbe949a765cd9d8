import type { SidecarStats } from '../sidecar-api';

/** What a service's readiness endpoint answers for its sidecar. */
export interface SidecarReadiness {
  /** 200 when `ok`; 503 otherwise, so a load balancer or proxy stops routing to the service. */
  readonly httpStatus: 200 | 503;
  readonly body: {
    /** `starting` until caught up with the authority; `stale` past the staleness bound. */
    readonly status: 'ok' | 'starting' | 'stale';
    readonly instance_id: string;
    readonly state: SidecarStats['state'];
    readonly staleness: { readonly age_ms: number; readonly max_silence_ms: number; readonly stale: boolean };
  };
}

/**
 * The readiness of a service protected by the sidecar: ready once caught up with the authority
 * and while not stale. Liveness should not use it: restarting a process cures neither.
 *
 * @example
 * app.get('/health/ready', async (_request, reply) => {
 *   const { httpStatus, body } = sidecarReadiness(sidecar.stats());
 *   return reply.code(httpStatus).send(body);
 * });
 */
export function sidecarReadiness(stats: SidecarStats): SidecarReadiness {
  const status = !stats.ready ? 'starting' : stats.staleness.stale ? 'stale' : 'ok';
  return {
    httpStatus: status === 'ok' ? 200 : 503,
    body: {
      status,
      instance_id: stats.instanceId,
      state: stats.state,
      staleness: { age_ms: stats.staleness.ageMs, max_silence_ms: stats.staleness.maxSilenceMs, stale: stats.staleness.stale },
    },
  };
}
