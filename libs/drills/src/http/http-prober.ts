import type { InstanceProber, ProbeAnswer } from '../drill-ports';

export interface HttpProberOptions {
  readonly fetch?: typeof fetch;
  /** Per request, ms. Default 2000. */
  readonly timeoutMs?: number;
}

/**
 * Probes over HTTP: `GET url` with `Authorization: Bearer <token>`. 2xx is accepted (the
 * instance named by the body's `instance_id` when it says, as every sidecar probe does — the
 * adapters' `revmesh…DrillProbe` helpers, the standalone sidecar's and the demo-api's
 * `/_revmesh/probe`, all answering `drillProbeAnswer` — whatever the URL's path), 401/403/503
 * refused with the body's `code`; no answer is `unreachable`. A drill switch's answer names its
 * instance the same way.
 */
export function createHttpProber(options: HttpProberOptions = {}): InstanceProber {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 2000;
  const json = async (response: Response): Promise<Record<string, unknown>> => {
    try {
      const body = (await response.json()) as unknown;
      return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  return {
    async probe(url, token): Promise<ProbeAnswer> {
      let response: Response;
      try {
        response = await doFetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        return { outcome: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
      }
      const body = await json(response);
      if (response.status >= 200 && response.status < 300) {
        return { outcome: 'accepted', status: response.status, instanceId: typeof body['instance_id'] === 'string' ? body['instance_id'] : null };
      }
      if (response.status === 401 || response.status === 403 || response.status === 503) {
        return { outcome: 'rejected', status: response.status, code: typeof body['code'] === 'string' ? body['code'] : null };
      }
      return { outcome: 'unreachable', reason: `answered ${response.status}` };
    },
    async post(url) {
      try {
        const response = await doFetch(url, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
        const body = await json(response);
        return { ok: response.ok, status: response.status, instanceId: typeof body['instance_id'] === 'string' ? body['instance_id'] : null };
      } catch {
        return { ok: false, status: 0 };
      }
    },
  };
}
