import type { DrillAction, DrillAuthority, DrillClock, DrillPolicy, DrillTimeline, InstanceProber } from './drill-ports';

/** A fake instance: when it applies the response after the authority accepted it (null: never, as when cut off). */
export interface FakeInstance {
  readonly id: string;
  readonly url: string;
  applyAfterMs: number | null;
  /** Where its drill switches are, when not on the probe URL's origin; `namesItself`: they answer its id. */
  readonly switches?: { readonly origin: string; readonly namesItself: boolean };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A mesh in memory for the drill engine's unit tests: an authority (incidents, approvals, a
 * timeline computed from each instance's `applyAfterMs`), instances answering probes, and a clock
 * that moves only when someone sleeps.
 */
export function fakeMesh(options: { instances: FakeInstance[]; policy: DrillPolicy; gated?: readonly DrillAction['type'][]; gatedTargets?: readonly string[] }) {
  let now = 1_000_000;
  const clock: DrillClock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      await Promise.resolve();
    },
  };
  const writes: { action: string; justification: string; body?: unknown }[] = [];
  const incidents = new Map<string, { kind: string; status: string }>();
  const containing: { id: string; kind: string; acceptedAt: number }[] = [];
  const approvals = new Map<string, { state: 'pending' | 'executed' | 'denied'; action: DrillAction; decidedBy: string | null }>();
  const disabledClients = new Set<string>();
  let approveAfterSleepMs: number | null = null;
  let denyApprovals = false;
  let lastTokenJti = '';
  const gated = (action: DrillAction) => (options.gated ?? []).includes(action.type) || (action.type === 'revoke' && (options.gatedTargets ?? []).includes(action.target));

  const execute = (action: DrillAction) => {
    if (action.type === 'disable-client') {
      disabledClients.add(action.clientId);
      return;
    }
    if (action.type === 'lift-kill-switch') return;
    containing.push({ id: `action-${containing.length + 1}`, kind: action.type === 'revoke' ? 'revocation' : action.type, acceptedAt: now });
  };
  const pendingSince = new Map<string, number>();

  const authority: DrillAuthority = {
    policy: async () => options.policy,
    async openDrillIncident(title, justification) {
      writes.push({ action: 'incident.open', justification, body: { title } });
      incidents.set('inc-1', { kind: 'drill', status: 'open' });
      return { id: 'inc-1' };
    },
    async setIncidentStatus(id, status, justification) {
      writes.push({ action: `incident.${status}`, justification });
      incidents.get(id)!.status = status;
    },
    async registerCanaryClient(input, justification) {
      writes.push({ action: 'client.register', justification, body: input });
      return { clientId: input.clientId, secret: 's3cret' };
    },
    async issueToken(clientId) {
      lastTokenJti = `jti-of-${clientId}`;
      return `${b64({ alg: 'EdDSA', kid: 'key-1' })}.${b64({ jti: lastTokenJti, client_id: clientId, scope: 'revmesh:drill' })}.sig`;
    },
    async act(action, justification) {
      writes.push({ action: action.type, justification, body: action });
      if (gated(action)) {
        const id = `approval-${approvals.size + 1}`;
        approvals.set(id, { state: 'pending', action, decidedBy: null });
        pendingSince.set(id, now);
        return { state: 'pending-approval', approvalId: id };
      }
      execute(action);
      return { state: 'done' };
    },
    async approval(id) {
      const a = approvals.get(id)!;
      if (a.state === 'pending' && approveAfterSleepMs !== null && now - pendingSince.get(id)! >= approveAfterSleepMs) {
        if (denyApprovals) a.state = 'denied';
        else {
          a.state = 'executed';
          a.decidedBy = 'bob';
          execute(a.action);
        }
      }
      return { id, state: a.state, decidedBy: a.decidedBy, error: null };
    },
    async approve(id) {
      if (!options.policy.allowSelfApproval) throw new Error('403 SELF_APPROVAL');
      const a = approvals.get(id)!;
      a.state = 'executed';
      a.decidedBy = 'drill-operator';
      execute(a.action);
      return { id, state: a.state, decidedBy: a.decidedBy, error: null };
    },
    instances: async () => options.instances.map((i) => ({ instanceId: i.id, live: i.applyAfterMs !== null || now < 1_000_000 + 5_000, audiences: ['demo-api'], lastHeartbeatAt: 1_000_000 })),
    async timeline(): Promise<DrillTimeline> {
      const applied = containing.flatMap((a) =>
        options.instances.filter((i) => i.applyAfterMs !== null && now >= a.acceptedAt + i.applyAfterMs).map((i) => ({ actionId: a.id, instanceId: i.id, at: a.acceptedAt + i.applyAfterMs! })),
      );
      const first = containing[0];
      return {
        actions: containing.map((a) => ({ kind: a.kind, id: a.id, acceptedAt: a.acceptedAt })),
        applied,
        alerts: first !== undefined && now >= first.acceptedAt + 300 ? [{ kind: 'revoked_token_use', at: first.acceptedAt + 300, summary: 'revoked token presented' }] : [],
        containedAt: null,
        why: 'fake',
      };
    },
  };

  const posts: string[] = [];
  const prober: InstanceProber = {
    async probe(url) {
      const instance = options.instances.find((i) => i.url === url)!;
      const applied = containing.some((a) => instance.applyAfterMs !== null && now >= a.acceptedAt + instance.applyAfterMs);
      return applied ? { outcome: 'rejected', status: 401, code: 'TOKEN_REVOKED' } : { outcome: 'accepted', status: 200, instanceId: instance.id };
    },
    async post(url) {
      posts.push(url);
      const instance = options.instances.find((i) => url.startsWith(i.switches?.origin ?? new URL(i.url).origin));
      if (instance !== undefined && url.endsWith('/cut-off')) instance.applyAfterMs = null;
      return { ok: true, status: 200, instanceId: instance?.switches?.namesItself === true ? instance.id : null };
    },
  };

  return {
    clock,
    authority,
    prober,
    writes,
    posts,
    incidents,
    approvals,
    disabledClients,
    approveAfter(ms: number, deny = false) {
      approveAfterSleepMs = ms;
      denyApprovals = deny;
    },
  };
}
