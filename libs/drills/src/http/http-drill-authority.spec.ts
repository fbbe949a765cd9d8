import { DrillAuthorityRefusedError } from '../drill-errors';
import { createHttpDrillAuthority, drillTimelineOf } from './http-drill-authority';

describe('createHttpDrillAuthority', () => {
  it('sends each action to its route with the incident and the justification; a 202 pending-approval is an approval to wait for', async () => {
    const sent: unknown[] = [];
    const authority = createHttpDrillAuthority({
      authorityUrl: 'http://authority',
      send: async (method, path, body) => {
        sent.push([method, path, body]);
        return path.includes('compromise') ? { status: 202, body: { status: 'pending-approval', approval: { id: 'ap-1' } } } : { status: 202, body: { id: 'rev-1' } };
      },
    });
    expect(await authority.act({ type: 'revoke', target: 'jti', value: 'j1', reason: 'drill', incident: 'inc' }, 'why not')).toEqual({ state: 'done' });
    expect(await authority.act({ type: 'compromise-key', kid: 'k/1', reason: 'drill', incident: 'inc' }, 'why not')).toEqual({ state: 'pending-approval', approvalId: 'ap-1' });
    await authority.act({ type: 'kill-switch', audience: 'api', incident: 'inc' }, 'why not');
    expect(sent).toEqual([
      ['POST', '/v1/revocations', { target: 'jti', value: 'j1', reason: 'drill', incident: 'inc', justification: 'why not' }],
      ['POST', '/v1/keys/k%2F1/compromise', { reason: 'drill', incident: 'inc', justification: 'why not' }],
      ['POST', '/v1/kill-switch', { audience: 'api', lockdown: false, incident: 'inc', justification: 'why not' }],
    ]);
  });

  it('turns an error status into DrillAuthorityRefusedError naming what was refused', async () => {
    const authority = createHttpDrillAuthority({ authorityUrl: 'http://authority', send: async () => ({ status: 403, body: { code: 'FORBIDDEN', detail: 'needs security-admin' } }) });
    const refused = authority.openDrillIncident('drill', 'why not');
    await expect(refused).rejects.toBeInstanceOf(DrillAuthorityRefusedError);
    await expect(refused).rejects.toThrow('opening the drill incident: the authority answered 403 FORBIDDEN: needs security-admin');
  });

  it('reads an older authority without drills in its policy with the documented defaults', async () => {
    const authority = createHttpDrillAuthority({ authorityUrl: 'http://authority', send: async () => ({ status: 200, body: { policy: {} } }) });
    expect(await authority.policy()).toEqual({ containWithinSeconds: 30, allowSelfApproval: false });
  });
});

describe('drillTimelineOf', () => {
  it("lists instances with their heartbeat's staleness, when the authority shows one", async () => {
    const instance = { instance_id: 'a', live: true, audiences: ['api'], last_heartbeat_at: 5 };
    const body = { instances: [{ ...instance, staleness: { stale: true, policy: 'fail-open-UNSAFE', fail_open_accepted: 2 } }, { ...instance, instance_id: 'b', staleness: null }, { ...instance, instance_id: 'c' }] };
    const authority = createHttpDrillAuthority({ authorityUrl: 'http://authority', send: async () => ({ status: 200, body }) });
    expect(await authority.instances()).toEqual([
      { instanceId: 'a', live: true, audiences: ['api'], lastHeartbeatAt: 5, staleness: { stale: true, policy: 'fail-open-UNSAFE', failOpenAccepted: 2 } },
      { instanceId: 'b', live: true, audiences: ['api'], lastHeartbeatAt: 5 },
      { instanceId: 'c', live: true, audiences: ['api'], lastHeartbeatAt: 5 },
    ]);
  });

  it('takes the containing links, when each was accepted (a kill switch by its audit seq), acknowledgements and alerts', () => {
    const timeline = drillTimelineOf({
      incident: { links: [{ kind: 'revocation', id: 'r1' }, { kind: 'approval', id: 'ap' }, { kind: 'kill-switch', id: '42' }] },
      entries: [
        { type: 'audit', at: 90, seq: 7, action: 'approvals.request', target: 'r1', outcome: 'requested' },
        { type: 'audit', at: 100, seq: 8, action: 'revocations.create', target: 'r1', outcome: 'succeeded' },
        { type: 'audit', at: 200, seq: 42, action: 'kill-switch.engage', target: 'api', outcome: 'succeeded' },
        { type: 'instance.applied', at: 130, action_id: 'r1', instance_id: 'i1' },
        { type: 'alert', at: 400, kind: 'revoked_token_use', summary: 's' },
      ],
      containment: { contained_at: null, why: 'pending' },
    });
    expect(timeline).toEqual({
      actions: [
        { kind: 'revocation', id: 'r1', acceptedAt: 100 },
        { kind: 'kill-switch', id: '42', acceptedAt: 200 },
      ],
      applied: [{ actionId: 'r1', instanceId: 'i1', at: 130 }],
      alerts: [{ kind: 'revoked_token_use', at: 400, summary: 's' }],
      containedAt: null,
      why: 'pending',
    });
  });
});
