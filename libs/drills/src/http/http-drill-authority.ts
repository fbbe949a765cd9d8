import { DrillAuthorityRefusedError, DrillError } from '../drill-errors';
import type { DrillAction, DrillActionOutcome, DrillApprovalState, DrillAuthority, DrillInstance, DrillTimeline } from '../drill-ports';

/** One JSON exchange with the authority's operator API, authenticated as the drill's operator. */
export type AuthorityExchange = (method: 'GET' | 'POST' | 'PATCH', path: string, body?: Record<string, unknown>) => Promise<{ readonly status: number; readonly body: unknown }>;

export interface HttpDrillAuthorityOptions {
  /**
   * Sends an operator request (`path` starts with `/v1/`). It may throw its own errors for a
   * failed status (the CLI's client does, with its exit codes) or return them; a returned status
   * of 400 or more becomes a {@link DrillAuthorityRefusedError}.
   */
  readonly send: AuthorityExchange;
  /** The authority's base URL, for its token endpoint (`/oauth/token`). */
  readonly authorityUrl: string;
  readonly fetch?: typeof fetch;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The authority's containing link kinds (what contains a leak); others are bookkeeping. */
const CONTAINING = new Set(['revocation', 'revocation-batch', 'key-compromise', 'kill-switch']);

/** The timeline document (`GET /v1/incidents/:id/timeline`) as a drill reads it. */
export function drillTimelineOf(body: unknown): DrillTimeline {
  const doc = isObject(body) ? body : {};
  const incident = isObject(doc['incident']) ? doc['incident'] : {};
  const entries = list(doc['entries']);
  const audits = entries.filter((e) => e['type'] === 'audit');
  const acceptedAt = (kind: string, id: string): number | null => {
    const own =
      kind === 'kill-switch'
        ? audits.filter((e) => String(e['seq']) === id)
        : audits.filter((e) => e['target'] === id && e['outcome'] !== 'denied' && !String(e['action']).startsWith('approvals.'));
    const times = own.map((e) => num(e['at'])).filter((t): t is number => t !== null);
    if (times.length > 0) return Math.min(...times);
    const published = entries.find((e) => e['type'] === 'event.published' && e['action_id'] === id);
    return published === undefined ? null : num(published['at']);
  };
  const actions = list(incident['links'])
    .filter((l) => CONTAINING.has(String(l['kind'])))
    .map((l) => ({ kind: String(l['kind']), id: String(l['id']), acceptedAt: acceptedAt(String(l['kind']), String(l['id'])) }));
  const containment = isObject(doc['containment']) ? doc['containment'] : {};
  return {
    actions,
    applied: entries
      .filter((e) => e['type'] === 'instance.applied')
      .map((e) => ({ actionId: String(e['action_id']), instanceId: String(e['instance_id']), at: num(e['at']) ?? 0 })),
    alerts: entries.filter((e) => e['type'] === 'alert').map((e) => ({ kind: String(e['kind']), at: num(e['at']) ?? 0, summary: str(e['summary']) ?? '' })),
    containedAt: num(containment['contained_at']),
    why: str(containment['why']),
  };
}

/** An instance's `staleness` as `GET /v1/instances` shows it; undefined when absent (null) or not understood. */
function stalenessOf(value: unknown): DrillInstance['staleness'] {
  if (!isObject(value) || typeof value['stale'] !== 'boolean') return undefined;
  const policy = value['policy'];
  if (policy !== 'fail-closed' && policy !== 'fail-open-UNSAFE') return undefined;
  return { stale: value['stale'], policy, failOpenAccepted: num(value['fail_open_accepted']) ?? 0 };
}

function approvalStateOf(body: unknown): DrillApprovalState {
  const approval = isObject(body) && isObject(body['approval']) ? body['approval'] : undefined;
  const state = approval === undefined ? undefined : str(approval['state']);
  if (approval === undefined || state === null || str(approval['id']) === null) throw new DrillError('DRILL_AUTHORITY_ANSWER', 'the authority answered without an approval');
  const decidedBy = isObject(approval['decidedBy']) ? str(approval['decidedBy']['username']) : null;
  return { id: String(approval['id']), state: state as DrillApprovalState['state'], decidedBy, error: str(approval['error']) };
}

/**
 * The {@link DrillAuthority} port over the authority's HTTP API. The CLI passes its own client
 * (so its errors and exit codes apply); the demo and tests pass an operator session's request.
 */
export function createHttpDrillAuthority(options: HttpDrillAuthorityOptions): DrillAuthority {
  const doFetch = options.fetch ?? fetch;
  const call = async (what: string, method: 'GET' | 'POST' | 'PATCH', path: string, body?: Json): Promise<unknown> => {
    const answer = await options.send(method, path, body);
    if (answer.status >= 400) {
      const problem = isObject(answer.body) ? answer.body : {};
      throw new DrillAuthorityRefusedError(what, answer.status, str(problem['code']) ?? undefined, str(problem['detail']) ?? str(problem['title']) ?? '');
    }
    return answer.body;
  };
  const outcomeOf = (body: unknown): DrillActionOutcome =>
    isObject(body) && body['status'] === 'pending-approval' && isObject(body['approval']) ? { state: 'pending-approval', approvalId: String(body['approval']['id']) } : { state: 'done' };
  const write = (what: string, path: string, body: Json, justification: string) => call(what, 'POST', path, { ...body, justification }).then(outcomeOf);

  const act = (action: DrillAction, justification: string): Promise<DrillActionOutcome> => {
    switch (action.type) {
      case 'revoke':
        return write(`revoking ${action.target} ${action.value}`, '/v1/revocations', { target: action.target, value: action.value, reason: action.reason, incident: action.incident }, justification);
      case 'compromise-key':
        return write(`compromising key ${action.kid}`, `/v1/keys/${encodeURIComponent(action.kid)}/compromise`, { reason: action.reason, incident: action.incident }, justification);
      case 'kill-switch':
        return write(`engaging the kill switch of ${action.audience}`, '/v1/kill-switch', { audience: action.audience, lockdown: false, incident: action.incident }, justification);
      case 'lift-kill-switch':
        return write(`lifting the kill switch of ${action.audience}`, '/v1/kill-switch/lift', { audience: action.audience, incident: action.incident }, justification);
      case 'disable-client':
        return write(`disabling client ${action.clientId}`, `/v1/clients/${encodeURIComponent(action.clientId)}/disable`, { reason: action.reason, incident: action.incident }, justification);
    }
  };

  return {
    async policy() {
      const body = await call('reading the policy', 'GET', '/v1/policy');
      const policy = isObject(body) && isObject(body['policy']) ? body['policy'] : {};
      const drills = isObject(policy['drills']) ? policy['drills'] : {};
      // An authority older than the drills policy: its documented defaults.
      return { containWithinSeconds: num(drills['containWithinSeconds']) ?? 30, allowSelfApproval: drills['allowSelfApproval'] === true };
    },
    async openDrillIncident(title, justification) {
      const body = await call('opening the drill incident', 'POST', '/v1/incidents', { title: title.slice(0, 200), severity: 'low', kind: 'drill', justification });
      const id = isObject(body) && isObject(body['incident']) ? str(body['incident']['id']) : null;
      if (id === null) throw new DrillError('DRILL_AUTHORITY_ANSWER', 'the authority opened an incident but did not say its id');
      return { id };
    },
    async setIncidentStatus(id, status, justification) {
      await call(`setting incident ${id} ${status}`, 'PATCH', `/v1/incidents/${encodeURIComponent(id)}`, { status, justification });
    },
    async registerCanaryClient(input, justification) {
      const body = await call(`registering the canary client ${input.clientId}`, 'POST', '/v1/clients', { client_id: input.clientId, audiences: input.audiences, scopes: input.scopes, justification });
      const secret = isObject(body) ? str(body['client_secret']) : null;
      if (secret === null) throw new DrillError('DRILL_AUTHORITY_ANSWER', `the canary client ${input.clientId} was registered without a client_secret`);
      return { clientId: input.clientId, secret };
    },
    async issueToken(clientId, secret) {
      const url = new URL('oauth/token', options.authorityUrl.endsWith('/') ? options.authorityUrl : `${options.authorityUrl}/`).href;
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      const body = (await response.json().catch(() => ({}))) as Json;
      const token = str(body['access_token']);
      if (response.status !== 200 || token === null) throw new DrillAuthorityRefusedError('getting the canary token', response.status, str(body['error']) ?? undefined, str(body['error_description']) ?? '');
      return token;
    },
    act,
    approval: async (id) => approvalStateOf(await call(`reading approval ${id}`, 'GET', `/v1/approvals/${encodeURIComponent(id)}`)),
    approve: async (id, justification) => approvalStateOf(await call(`approving ${id}`, 'POST', `/v1/approvals/${encodeURIComponent(id)}/approve`, { justification })),
    async instances(): Promise<DrillInstance[]> {
      const body = await call('listing instances', 'GET', '/v1/instances?all=true');
      return list(isObject(body) ? body['instances'] : undefined).map((i) => {
        const staleness = stalenessOf(i['staleness']);
        return {
          instanceId: String(i['instance_id']),
          live: i['live'] === true,
          audiences: Array.isArray(i['audiences']) ? i['audiences'].map(String) : [],
          lastHeartbeatAt: num(i['last_heartbeat_at']) ?? 0,
          ...(staleness === undefined ? {} : { staleness }),
        };
      });
    },
    timeline: async (incidentId) => drillTimelineOf(await call(`reading the timeline of ${incidentId}`, 'GET', `/v1/incidents/${encodeURIComponent(incidentId)}/timeline`)),
  };
}
