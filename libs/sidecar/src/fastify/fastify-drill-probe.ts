import { drillProbeAnswer, type DrillProbeAnswer } from '../drill-probe/drill-probe';
import type { TokenVerifierLike } from '../internal/http/authenticate';
import type { Sidecar } from '../sidecar-api';
import { revmeshFastify, type FastifyLikeReply, type FastifyLikeRequest, type RevmeshFastifyOptions } from './revmesh-fastify';

/** Route options for Fastify's `app.get(path, options)`: the verifying hook and the handler. */
export interface FastifyDrillProbeRoute {
  readonly onRequest: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<void>;
  readonly handler: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<DrillProbeAnswer>;
}

/**
 * An opt-in Fastify route for breach drills (`revmesh drill run --probe-url`): its `onRequest`
 * hook is {@link revmeshFastify} with the same options (a refused token gets its 401/503 problem
 * document and the handler does not run); its handler answers an accepted token with 200
 * `{ accepted: true, instance_id, sub, scope }` (`drillProbeAnswer`), so the drill learns which
 * instance accepted its canary token. Mount it where the service wants.
 *
 * @example
 * import { DRILL_PROBE_PATH } from '@revmesh/sidecar';
 * app.get(DRILL_PROBE_PATH, revmeshFastifyDrillProbe(sidecar));
 */
export function revmeshFastifyDrillProbe(sidecar: TokenVerifierLike & Pick<Sidecar, 'instanceId'>, options: RevmeshFastifyOptions = {}): FastifyDrillProbeRoute {
  return {
    onRequest: revmeshFastify(sidecar, options),
    async handler(request, reply) {
      const claims = request.revmesh?.claims;
      // Only reachable through the hook; without claims nothing was verified, so never "accepted".
      if (claims === undefined || claims === null) throw new Error('the drill probe has no verified claims: mount it with its onRequest hook');
      reply.header('cache-control', 'no-store');
      return drillProbeAnswer(sidecar.instanceId, claims);
    },
  };
}
