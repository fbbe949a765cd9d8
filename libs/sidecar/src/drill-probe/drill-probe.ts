import type { AccessTokenClaims } from '../verify/verify-result';

/**
 * Where the demo-api and the standalone sidecar serve their drill probe. A service mounting one of
 * the adapters' probe helpers may choose any path: `revmesh drill run --probe-url` takes the URL.
 */
export const DRILL_PROBE_PATH = '/_revmesh/probe';

/**
 * What a drill probe answers (200, JSON) once the sidecar accepted the token: which instance did
 * (`instance_id`, the id it sends in its heartbeats and acknowledgements, so the drill matches the
 * answer to the authority's record of that instance) and whose token it was. A refused token gets
 * the adapter's usual 401/503 problem document instead.
 */
export interface DrillProbeAnswer {
  readonly accepted: true;
  readonly instance_id: string;
  readonly sub: string | null;
  readonly scope: string | null;
}

/**
 * The body of a drill probe's answer, for a token the sidecar verified. Every probe helper
 * (Express, Fastify, NestJS, the standalone sidecar) answers with it, so a drill reads them alike.
 */
export function drillProbeAnswer(instanceId: string, claims: Pick<AccessTokenClaims, 'sub' | 'scope'>): DrillProbeAnswer {
  return { accepted: true, instance_id: instanceId, sub: typeof claims.sub === 'string' ? claims.sub : null, scope: typeof claims.scope === 'string' ? claims.scope : null };
}
