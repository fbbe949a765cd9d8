import { UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE } from '@revmesh/authority-core';
import { startTestAuthority, TEST_PASSWORD, type AuthorityFixture, type FixtureRequest } from '../testing/authority-fixture.spec-helper';

/** Every route a caller reaches without authenticating, each called wrongly. */
const WRONG_CALLS: Readonly<Record<string, FixtureRequest>> = {
  bootstrap: { method: 'POST', url: '/v1/bootstrap', payload: { username: 'x-admin', password: TEST_PASSWORD }, as: null, headers: { authorization: `Bearer ${'w'.repeat(40)}` } },
  login: { method: 'POST', url: '/v1/login', payload: { username: 'ghost', password: 'not-the-password', totp: '000000' }, as: null },
  enrolStart: { method: 'POST', url: '/v1/enrol/start', payload: { code: 'rme_not-a-real-code' }, as: null },
  enrol: { method: 'POST', url: '/v1/enrol', payload: { code: 'rme_not-a-real-code', password: TEST_PASSWORD, totp: '000000' }, as: null },
  operatorApi: { method: 'GET', url: '/v1/me', as: null },
  tokenEndpoint: {
    method: 'POST',
    url: '/oauth/token',
    payload: 'grant_type=client_credentials',
    as: null,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('demo-client:wrong-secret').toString('base64')}` },
  },
};

describe('refusals of unauthenticated callers', () => {
  let f: AuthorityFixture;
  afterEach(() => f.close());

  const deniedRows = (): { action: string; details: string }[] =>
    f.authority.core.store.db.prepare("SELECT action, details FROM audit_log WHERE outcome = 'denied' ORDER BY seq").all() as { action: string; details: string }[];

  it('are audited within ONE budget across bootstrap, login, enrolment, the operator API and the token endpoint, with the count of those left out', async () => {
    f = await startTestAuthority();
    const calls = Object.entries(WRONG_CALLS);
    for (const [name, call] of calls) {
      for (let i = 0; i < 300; i += 1) {
        const res = await f.request(call);
        // Refused (400 for an enrolment code, 401, or 429 once the address or client is locked
        // out); never let through.
        if (![400, 401, 429].includes(res.statusCode)) throw new Error(`${name}: ${res.statusCode} ${res.body}`);
      }
    }
    const rows = deniedRows();
    expect(rows).toHaveLength(UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE);
    // The first route alone used the whole minute's budget.
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(['operators.bootstrap']));

    f.clock.advance(60_000);
    for (const [, call] of calls) expect([400, 401, 429]).toContain((await f.request(call)).statusCode);
    const later = deniedRows().slice(UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE);
    expect(later.map((r) => r.action)).toEqual(['operators.bootstrap', 'operators.login', 'operators.enrol-start', 'operators.enrol', 'access.denied', 'oauth.client-authentication']);
    // The first entry of the new minute says how many refusals the last one left out.
    expect(JSON.parse(later[0]!.details)).toMatchObject({ suppressed: calls.length * 300 - UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE });
    expect(later.slice(1).map((r) => JSON.parse(r.details) as Record<string, unknown>).filter((d) => 'suppressed' in d)).toEqual([]);
  }, 60_000);

  it('count bootstrap refusals within the budget when bootstrap is disabled too', async () => {
    f = await startTestAuthority({ bootstrapToken: undefined });
    for (let i = 0; i < 300; i += 1) expect((await f.request(WRONG_CALLS['bootstrap']!)).statusCode).toBe(403);
    expect(deniedRows()).toHaveLength(UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE);
  });
});
