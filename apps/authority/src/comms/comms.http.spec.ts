import { systemAuditContext } from '@revmesh/authority-core';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

/** The comms routes' answers and refusals; deliveries through a real receiver are in apps/e2e (incident-comms). */
describe('incident comms HTTP API', () => {
  let f: AuthorityFixture;
  let incidentId: string;

  beforeAll(async () => {
    f = await startTestAuthority();
    const opened = await f.request({ method: 'POST', url: '/v1/incidents', payload: { title: 'token leaked in a CI log', severity: 'high' }, as: 'responder' });
    incidentId = opened.json<{ incident: { id: string } }>().incident.id;
  });
  afterAll(async () => {
    await f.close();
  });

  const sendsAudited = () => f.authority.core.store.db.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'incidents.comms.send'`).get() as { n: number };

  it('previews the exact text for an audience, with its hash and webhooks', async () => {
    const res = await f.request({ method: 'GET', url: `/v1/incidents/${incidentId}/comms/preview?audience=engineers&what_to_do=rotate%20keys`, as: 'viewer' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ text: string; text_sha256: string; webhooks: string[]; needs_approval: boolean; audience: string }>();
    expect(body).toMatchObject({ audience: 'engineers', webhooks: [], needs_approval: false, text_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(body.text).toContain('**[high] token leaked in a CI log**');
    expect(body.text).toContain('**What to do:** rotate keys');
  });

  it('answers problem+json with stable codes: bad audience 400, unknown incident 404, no webhook 409, a webhook without its secret 409', async () => {
    const bad = await f.request({ method: 'GET', url: `/v1/incidents/${incidentId}/comms/preview?audience=press`, as: 'viewer' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_REQUEST', errors: [{ field: 'audience' }] });
    expect((await f.request({ method: 'GET', url: '/v1/incidents/nope/comms/preview?audience=engineers', as: 'viewer' })).json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const badHash = await f.request({ method: 'POST', url: `/v1/incidents/${incidentId}/comms`, payload: { audience: 'engineers', expected_sha256: 'abc' }, as: 'responder' });
    expect(badHash.json()).toMatchObject({ status: 400, errors: [{ field: 'expected_sha256' }] });
    expect((await f.request({ method: 'POST', url: `/v1/incidents/${incidentId}/comms`, payload: { audience: 'engineers' }, as: 'viewer' })).statusCode).toBe(403);

    const none = await f.request({ method: 'POST', url: `/v1/incidents/${incidentId}/comms`, payload: { audience: 'customers' }, as: 'responder' });
    expect(none.statusCode).toBe(409);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({ code: 'COMMS_NO_WEBHOOK' });

    const current = f.authority.core.securityPolicy.current();
    f.authority.core.securityPolicy.update(
      { ...current, comms: { ...current.comms, webhooks: [{ name: 'status', kind: 'signed', url: 'https://status.example/hook', secretEnv: 'REVMESH_TEST_UNSET_SECRET', audiences: ['engineers'] }] } },
      systemAuditContext('test', 'a webhook whose secret is not set'),
    );
    const unusable = await f.request({ method: 'POST', url: `/v1/incidents/${incidentId}/comms`, payload: { audience: 'engineers' }, as: 'responder' });
    expect(unusable.json()).toMatchObject({ status: 409, code: 'COMMS_WEBHOOK_UNUSABLE', detail: expect.stringContaining('REVMESH_TEST_UNSET_SECRET is not set') });
    expect(sendsAudited().n).toBe(0);
    expect((await f.request({ method: 'GET', url: `/v1/incidents/${incidentId}/comms`, as: 'viewer' })).json()).toEqual({ messages: [] });
  });
});
