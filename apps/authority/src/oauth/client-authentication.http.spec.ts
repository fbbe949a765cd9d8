import { CLIENT_AUTHENTICATION_ACTION } from '@revmesh/authority-core';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

const DEMO_SECRET = 'demo-secret-0123456789';
const OTHER_SECRET = 'other-secret-0123456789';

describe('POST /oauth/token: failed client authentication', () => {
  let f: AuthorityFixture;
  beforeEach(async () => {
    f = await startTestAuthority();
    f.authority.core.clients.ensure({ clientId: 'other-client', clientSecret: OTHER_SECRET, audiences: ['demo-api'], scopes: [] });
  });
  afterEach(() => f.close());

  const token = (clientId: string, secret: string, remoteAddress = '10.0.0.1') =>
    f.authority.app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      payload: 'grant_type=client_credentials',
    });
  const refusals = (): { target: string; details: Record<string, unknown> }[] =>
    (
      f.authority.core.store.db
        .prepare("SELECT target, details FROM audit_log WHERE action = ? AND outcome = 'denied' ORDER BY seq")
        .all(CLIENT_AUTHENTICATION_ACTION) as { target: string; details: string }[]
    ).map((r) => ({ target: r.target, details: JSON.parse(r.details) as Record<string, unknown> }));

  it('refuses a form parameter holding a NUL character as invalid_request, before any client is looked up', async () => {
    const response = await f.authority.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&client_id=demo%00client&client_secret=x',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_request', error_description: 'parameter client_id holds a NUL character' });
    expect(refusals()).toEqual([]);
  });

  it('locks a client id out after the policy’s maxFailedLogins (429, Retry-After, RFC 6749 body): a correct secret is refused too, another client is not', async () => {
    const { maxFailedLogins, lockoutSeconds } = f.authority.core.securityPolicy.current().operators;
    // Guesses from many addresses: the client id's own counter locks it.
    for (let i = 0; i < maxFailedLogins; i += 1) expect((await token('demo-client', `guess-${i}`, `10.0.1.${i}`)).statusCode).toBe(401);

    const locked = await token('demo-client', DEMO_SECRET, '10.0.2.1');
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBe(String(lockoutSeconds));
    expect(locked.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(locked.body)).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many failed client authentications.*try again in \d+ s/) });
    expect((await token('other-client', OTHER_SECRET, '10.0.2.1')).statusCode).toBe(200);

    f.clock.advance(lockoutSeconds * 1000);
    expect((await token('demo-client', DEMO_SECRET, '10.0.2.1')).statusCode).toBe(200);
    // A success clears the client id's failures: one more wrong secret does not lock it again.
    expect((await token('demo-client', 'wrong', '10.0.3.1')).statusCode).toBe(401);
    expect((await token('demo-client', DEMO_SECRET, '10.0.3.2')).statusCode).toBe(200);

    expect(refusals().map((r) => [r.target, r.details['reason']])).toEqual([
      ...Array.from({ length: maxFailedLogins }, () => ['demo-client', 'invalid-client']),
      ['demo-client', 'throttled'],
      ['demo-client', 'invalid-client'],
    ]);
  });

  it('locks an address out whatever client id it tries, unknown ones included; other addresses are unaffected', async () => {
    const { maxFailedLogins } = f.authority.core.securityPolicy.current().operators;
    for (let i = 0; i < maxFailedLogins; i += 1) expect((await token(`made-up-${i}`, 'x', '192.0.2.7')).statusCode).toBe(401);
    expect((await token('demo-client', DEMO_SECRET, '192.0.2.7')).statusCode).toBe(429);
    expect((await token('made-up-0', 'x', '192.0.2.7')).statusCode).toBe(429);
    expect((await token('demo-client', DEMO_SECRET, '192.0.2.8')).statusCode).toBe(200);
  });

  it('feeds the auth-failure anomaly: a burst of guesses raises auth_failure_spike for the authority’s token endpoint', async () => {
    const floor = f.authority.core.anomalies.thresholds.authFailureMinPerMinute;
    for (let i = 0; i < floor - 1; i += 1) expect([401, 429]).toContain((await token('demo-client', `guess-${i}`, '198.51.100.1')).statusCode);
    expect(f.authority.core.anomalies.list().filter((a) => a.kind === 'auth_failure_spike')).toEqual([]);
    expect((await token('demo-client', 'one-more', '198.51.100.1')).statusCode).toBe(429);
    expect(f.authority.core.anomalies.list().filter((a) => a.kind === 'auth_failure_spike')).toEqual([
      expect.objectContaining({ dedupKey: 'auth_failure_spike:authority:/oauth/token', details: expect.objectContaining({ instance_id: 'authority', failures_per_minute: floor }) }),
    ]);
  });
});
