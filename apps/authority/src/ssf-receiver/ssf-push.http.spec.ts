import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

// The push endpoint's HTTP contract (RFC 8935) without a transmitter: authentication comes first,
// whatever the body, and refusals are RFC 8935 error JSON, not problem documents. Pushes of a
// registered transmitter are covered end to end against Keycloak (apps/e2e/src/ssf-receiver.int.spec.ts).
describe('SSF receiver push endpoint', () => {
  let f: AuthorityFixture;
  beforeAll(async () => {
    f = await startTestAuthority();
  });
  afterAll(() => f.close());

  it('answers 401 authentication_failed to a push for no registered transmitter, before reading the SET', async () => {
    const attempts: Record<string, string>[] = [
      { 'content-type': 'application/secevent+jwt' },
      { 'content-type': 'application/secevent+jwt', authorization: 'Bearer guess' },
      { 'content-type': 'application/json' },
    ];
    for (const headers of attempts) {
      const response = await f.request({ method: 'POST', url: '/ssf/receiver/push/nobody', as: null, headers, payload: headers['content-type'] === 'application/json' ? '{}' : 'a.b.c' });
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toContain('application/json');
      expect(response.json()).toEqual({ err: 'authentication_failed', description: expect.any(String) });
    }
  });

  it('refuses an oversized SET before it reaches the receiver', async () => {
    const response = await f.request({ method: 'POST', url: '/ssf/receiver/push/nobody', as: null, headers: { 'content-type': 'application/secevent+jwt' }, payload: 'x'.repeat(70_000) });
    expect(response.statusCode).toBe(413);
  });
});
