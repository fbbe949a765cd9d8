import { drillProbeAnswer, type DrillProbeAnswer } from '../drill-probe/drill-probe';
import type { RevmeshRequestContext } from '../internal/http/request-context';
import type { Sidecar } from '../sidecar-api';

/**
 * The answer of an opt-in breach-drill probe (`revmesh drill run --probe-url`) in a NestJS
 * controller: call it from a route `RevmeshGuard` protects (the same verification as every
 * other route; a refused token never reaches the handler). It answers
 * `{ accepted: true, instance_id, sub, scope }` (`drillProbeAnswer`), so the drill learns which
 * instance accepted its canary token. A route the guard skipped (marked public) has no verified
 * claims: it throws instead of answering "accepted".
 *
 * In a controller behind the guard, at the path the service chooses (`DRILL_PROBE_PATH`, say):
 * `probe(request) { return revmeshNestDrillProbe(this.sidecar, request); }` with the request
 * injected by Nest's `Req()` decorator.
 */
export function revmeshNestDrillProbe(sidecar: Pick<Sidecar, 'instanceId'>, request: { readonly revmesh?: RevmeshRequestContext | null | undefined }): DrillProbeAnswer {
  const claims = request.revmesh?.claims;
  if (claims === undefined) throw new Error('the drill probe has no verified claims: its route must be behind RevmeshGuard and not public');
  return drillProbeAnswer(sidecar.instanceId, claims);
}
