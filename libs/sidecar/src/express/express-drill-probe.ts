import { drillProbeAnswer } from '../drill-probe/drill-probe';
import type { TokenVerifierLike } from '../internal/http/authenticate';
import type { Sidecar } from '../sidecar-api';
import { revmeshExpress, type ExpressLikeNext, type ExpressLikeRequest, type ExpressLikeResponse, type RevmeshExpressOptions } from './revmesh-express';

/**
 * An opt-in Express handler for breach drills (`revmesh drill run --probe-url`): verifies the
 * request exactly as {@link revmeshExpress} with the same options (a refused token gets its
 * 401/503 problem document), and answers an accepted one with 200
 * `{ accepted: true, instance_id, sub, scope }` (`drillProbeAnswer`), so the drill learns which
 * instance accepted its canary token. Mount it where the service wants; it tells the caller
 * nothing beyond its own token's `sub` and `scope` and this instance's id.
 *
 * @example
 * import { DRILL_PROBE_PATH } from '@revmesh/sidecar';
 * app.get(DRILL_PROBE_PATH, revmeshExpressDrillProbe(sidecar));
 */
export function revmeshExpressDrillProbe(
  sidecar: TokenVerifierLike & Pick<Sidecar, 'instanceId'>,
  options: RevmeshExpressOptions = {},
): (request: ExpressLikeRequest, response: ExpressLikeResponse, next: ExpressLikeNext) => void {
  const verify = revmeshExpress(sidecar, options);
  return (request, response, next) => {
    verify(request, response, (error?: unknown) => {
      const claims = request.revmesh?.claims;
      // An error, or no claims (nothing verified): Express's error handling answers, never "accepted".
      if (error !== undefined || claims === undefined) {
        next(error ?? new Error('the drill probe has no verified claims'));
        return;
      }
      response.statusCode = 200;
      response.setHeader('content-type', 'application/json; charset=utf-8');
      response.setHeader('cache-control', 'no-store');
      response.end(JSON.stringify(drillProbeAnswer(sidecar.instanceId, claims)));
    });
  };
}
