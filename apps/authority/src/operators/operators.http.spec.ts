import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import {
  DEFAULT_JUSTIFICATION,
  startTestAuthority,
  TEST_BOOTSTRAP_TOKEN,
  TEST_PASSWORD,
  type AuthorityFixture,
  type TestOperator,
} from '../testing/authority-fixture.spec-helper';

type Injected = Awaited<ReturnType<AuthorityFixture['authority']['app']['inject']>>;

const json = (res: Injected): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;
function expectProblem(res: Injected, status: number, code: string): Record<string, unknown> {
  expect({ status: res.statusCode, type: res.headers['content-type'] }).toEqual({ status, type: expect.stringMatching(/^application\/problem\+json/) });
  const body = json(res);
  expect(body).toMatchObject({ status, code });
  return body;
}

describe('operator auth HTTP API', () => {
  let f: AuthorityFixture;
  beforeEach(async () => {
    f = await startTestAuthority();
  });
  afterEach(() => f.close());

  const login = (body: Record<string, unknown>, remoteAddress = '10.0.0.1') =>
    f.request({ method: 'POST', url: '/v1/login', payload: body, as: null, remoteAddress });
  const revocationCount = (): number => f.authority.core.store.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get() as number;

  describe('POST /v1/bootstrap', () => {
    const bootstrap = (token: string | undefined, payload: unknown = { username: 'first-admin', password: TEST_PASSWORD }) =>
      f.request({ method: 'POST', url: '/v1/bootstrap', payload, as: null, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

    it('creates the first security-admin once; it can log in with the TOTP of the returned secret', async () => {
      const res = await bootstrap(TEST_BOOTSTRAP_TOKEN);
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = json(res) as { operator: Record<string, unknown>; totp: { secret: string; otpauthUri: string } };
      expect(body.operator).toEqual({
        username: 'first-admin',
        role: 'security-admin',
        createdAt: expect.any(String),
        createdBy: 'bootstrap',
        disabledAt: null,
        enrolledAt: expect.any(String),
      });
      expect(body.totp.otpauthUri).toContain(`secret=${body.totp.secret}`);

      const loggedIn = await login({ username: 'first-admin', password: TEST_PASSWORD, totp: await f.totp({ totpSecret: body.totp.secret }) });
      expect(loggedIn.statusCode).toBe(200);
      expect(json(loggedIn)).toEqual({
        token: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 3600,
        authTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        operator: { username: 'first-admin', role: 'security-admin' },
      });
      expect(decodeJwt(json(loggedIn)['token'] as string)).toMatchObject({ aud: 'revmesh-operator', amr: ['pwd', 'otp'], sub: 'first-admin' });

      expectProblem(await bootstrap(TEST_BOOTSTRAP_TOKEN, { username: 'second', password: TEST_PASSWORD }), 409, 'BOOTSTRAP_DONE');
    });

    it('without a password: the second initial security-admin as an enrolment code; a third is refused (operators.bootstrapAdmins = 2)', async () => {
      expect((await bootstrap(TEST_BOOTSTRAP_TOKEN)).statusCode).toBe(201);
      const second = await bootstrap(TEST_BOOTSTRAP_TOKEN, { username: 'second-admin' });
      expect(second.statusCode).toBe(201);
      expect(json(second)).toMatchObject({
        operator: { username: 'second-admin', role: 'security-admin', createdBy: 'bootstrap', enrolledAt: null },
        enrolment: { code: expect.stringMatching(/^rme_/), expiresAt: expect.any(String) },
      });
      expectProblem(await bootstrap(TEST_BOOTSTRAP_TOKEN, { username: 'third-admin' }), 409, 'BOOTSTRAP_DONE');
      expectProblem(await bootstrap('wrong-token-wrong-token-wrong-token', { username: 'third-admin' }), 401, 'UNAUTHORIZED');
    });

    it('refuses a missing or wrong token with 401 before looking at anything else', async () => {
      expectProblem(await bootstrap(undefined), 401, 'UNAUTHORIZED');
      expectProblem(await bootstrap('w'.repeat(48)), 401, 'UNAUTHORIZED');
      await f.operator('security-admin');
      // Even once an admin exists, a wrong token learns only "wrong token".
      expectProblem(await bootstrap('w'.repeat(48)), 401, 'UNAUTHORIZED');
      expectProblem(await bootstrap(TEST_BOOTSTRAP_TOKEN), 409, 'BOOTSTRAP_DONE');
    });

    it('validates the body after the token: weak password → 400 naming the field', async () => {
      const body = expectProblem(await bootstrap(TEST_BOOTSTRAP_TOKEN, { username: 'root', password: 'short' }), 400, 'INVALID_REQUEST');
      expect(body['errors']).toEqual([{ field: 'password', message: 'must be at least 12 characters' }]);
    });

    it('is disabled without REVMESH_BOOTSTRAP_TOKEN: 403 BOOTSTRAP_DISABLED', async () => {
      await f.close();
      f = await startTestAuthority({ bootstrapToken: undefined });
      expectProblem(await bootstrap(TEST_BOOTSTRAP_TOKEN), 403, 'BOOTSTRAP_DISABLED');
    });
  });

  describe('POST /v1/login', () => {
    it('answers an unknown user, a wrong password, a wrong code and a disabled operator with the same body', async () => {
      const viewer = await f.operator('viewer');
      const admin = await f.operator('security-admin');
      f.clock.advance(30_000);
      const code = await f.totp(viewer);
      const attempts = [
        await login({ username: 'nobody-here', password: TEST_PASSWORD, totp: code }, '10.0.0.1'),
        await login({ username: viewer.username, password: 'not-the-password!', totp: code }, '10.0.0.2'),
        await login({ username: viewer.username, password: TEST_PASSWORD, totp: '000000' }, '10.0.0.3'),
      ];
      await f.request({ method: 'POST', url: `/v1/operators/${viewer.username}/disable`, payload: {}, as: admin });
      attempts.push(await login({ username: viewer.username, password: TEST_PASSWORD, totp: code }, '10.0.0.4'));
      for (const res of attempts) expectProblem(res, 401, 'INVALID_CREDENTIALS');
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    });

    it('throttles brute force per username (429 + Retry-After), even with the right password, without revealing whether the user exists', async () => {
      const viewer = await f.operator('viewer');
      const wrong = (username: string, i: number) => login({ username, password: 'guess-guess-guess', totp: '123456' }, `10.1.${username.length}.${i}`);
      for (const username of [viewer.username, 'ghost']) {
        for (let i = 0; i < 5; i++) expectProblem(await wrong(username, i), 401, 'INVALID_CREDENTIALS');
      }
      f.clock.advance(30_000);
      const right = await login({ username: viewer.username, password: TEST_PASSWORD, totp: await f.totp(viewer) }, '10.9.9.9');
      const ghost = await wrong('ghost', 99);
      for (const res of [right, ghost]) {
        expectProblem(res, 429, 'LOGIN_THROTTLED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(right.body).toBe(ghost.body);

      // The lockout ends: the right credentials work again.
      f.clock.advance(61_000);
      const after = await login({ username: viewer.username, password: TEST_PASSWORD, totp: await f.totp(viewer) }, '10.9.9.9');
      expect(after.statusCode).toBe(200);
    });

    it('throttles per source address across usernames', async () => {
      for (let i = 0; i < 5; i++) expectProblem(await login({ username: `user-${i}`, password: 'guess-guess-guess', totp: '123456' }, '10.2.2.2'), 401, 'INVALID_CREDENTIALS');
      const res = await login({ username: 'someone-else', password: 'guess-guess-guess', totp: '123456' }, '10.2.2.2');
      expectProblem(res, 429, 'LOGIN_THROTTLED');
      expect(res.headers['retry-after']).toBe('60');
    });
  });

  describe('step-up and justification', () => {
    let responder: TestOperator;
    beforeEach(async () => {
      responder = await f.operator('responder');
    });
    const revoke = (payload: Record<string, unknown>, justification?: string | null) =>
      f.request({ method: 'POST', url: '/v1/revocations', payload, as: responder, ...(justification === undefined ? {} : { justification }) });

    it('a write with a second factor older than the window → 401 STEP_UP_REQUIRED; step-up restores it', async () => {
      f.clock.advance(601_000);
      const stale = await revoke({ target: 'jti', value: 'j1', reason: 'r' });
      expectProblem(stale, 401, 'STEP_UP_REQUIRED');
      expect(stale.headers['www-authenticate']).toContain('insufficient_user_authentication');
      expect(revocationCount()).toBe(0);
      // Reads do not need a fresh factor.
      expect((await f.request({ method: 'GET', url: '/v1/me', as: responder })).statusCode).toBe(200);

      const stepUp = await f.request({ method: 'POST', url: '/v1/login/step-up', payload: { totp: await f.totp(responder) }, as: responder });
      expect(stepUp.statusCode).toBe(200);
      const fresh = json(stepUp);
      expect(decodeJwt(fresh['token'] as string)['sid']).toBe(decodeJwt(responder.token)['sid']);
      const stepped = { ...responder, headers: { authorization: `Bearer ${fresh['token'] as string}` } };
      const res = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'j1', reason: 'r' }, as: stepped });
      expect(res.statusCode).toBe(202);
      expect(revocationCount()).toBe(1);
    });

    it('a step-up with a wrong code → 401 INVALID_CREDENTIALS, the token stays stale', async () => {
      f.clock.advance(601_000);
      const res = await f.request({ method: 'POST', url: '/v1/login/step-up', payload: { totp: '000000' }, as: responder });
      expectProblem(res, 401, 'INVALID_CREDENTIALS');
      expectProblem(await revoke({ target: 'jti', value: 'j1', reason: 'r' }), 401, 'STEP_UP_REQUIRED');
    });

    it.each([
      ['missing', null],
      ['too short', 'because'],
      ['blank', '            '],
    ])('a write with a %s justification → 400 JUSTIFICATION_REQUIRED, nothing stored', async (_label, justification) => {
      const payload = { target: 'jti', value: 'j1', reason: 'r', ...(justification === null ? {} : { justification }) };
      expectProblem(await revoke(payload, null), 400, 'JUSTIFICATION_REQUIRED');
      expect(revocationCount()).toBe(0);
    });

    it('records the operator, role, justification and request id with the action', async () => {
      const res = await f.request({
        method: 'POST',
        url: '/v1/revocations',
        payload: { target: 'jti', value: 'j1', reason: 'r' },
        as: responder,
        headers: { 'x-request-id': 'incident-42' },
      });
      expect(res.statusCode).toBe(202);
      expect(res.headers['x-request-id']).toBe('incident-42');
      const row = f.authority.core.store.db.prepare('SELECT actor_kind, actor_id FROM revocations').get();
      expect(row).toEqual({ actor_kind: 'operator', actor_id: responder.username });
      const audited = f.authority.core.store.db
        .prepare("SELECT actor_kind, actor_id, role, justification, source_address FROM audit_log WHERE request_id = 'incident-42'")
        .all();
      expect(audited).toContainEqual({ actor_kind: 'operator', actor_id: responder.username, role: 'responder', justification: DEFAULT_JUSTIFICATION, source_address: '127.0.0.1' });
    });

    it('audits refusals by the guard and failed logins as denied', async () => {
      await f.request({ method: 'GET', url: '/v1/me', as: null, headers: { 'x-request-id': 'no-token' } });
      await f.request({ method: 'POST', url: '/v1/keys/rotate', payload: { reason: 'r' }, as: responder, headers: { 'x-request-id': 'too-weak' } });
      await f.request({ method: 'POST', url: '/v1/login', payload: { username: 'ghost', password: 'guess-guess-guess', totp: '123456' }, as: null, headers: { 'x-request-id': 'bad-login' } });
      const denied = f.authority.core.store.db
        .prepare("SELECT request_id, action, actor_id, target FROM audit_log WHERE outcome = 'denied' ORDER BY seq")
        .all();
      expect(denied).toEqual([
        { request_id: 'no-token', action: 'access.denied', actor_id: '(unauthenticated)', target: 'GET /v1/me' },
        { request_id: 'too-weak', action: 'access.denied', actor_id: responder.username, target: 'POST /v1/keys/rotate' },
        { request_id: 'bad-login', action: 'operators.login', actor_id: 'ghost', target: 'ghost' },
      ]);
    });

    it('caps the audit rows of anonymous refusals (60 a minute, the rest counted into the next); an operator’s refusals are all audited', async () => {
      const deniedRows = (actor: string): { details: string }[] =>
        f.authority.core.store.db.prepare("SELECT details FROM audit_log WHERE action = 'access.denied' AND actor_id = ? ORDER BY seq").all(actor) as { details: string }[];
      for (let i = 0; i < 100; i++) expect((await f.request({ method: 'GET', url: '/v1/me', as: null })).statusCode).toBe(401);
      expect(deniedRows('(unauthenticated)')).toHaveLength(60);
      for (let i = 0; i < 70; i++) expect((await f.request({ method: 'POST', url: '/v1/keys/rotate', payload: { reason: 'r' }, as: responder })).statusCode).toBe(403);
      expect(deniedRows(responder.username)).toHaveLength(70);
      f.clock.advance(60_000);
      expect((await f.request({ method: 'GET', url: '/v1/me', as: null })).statusCode).toBe(401);
      const rows = deniedRows('(unauthenticated)');
      expect(rows).toHaveLength(61);
      expect(JSON.parse(rows[60]!.details)).toMatchObject({ suppressed: 40 });
    });
  });

  describe('sessions and operators', () => {
    it('GET /v1/me shows the operator and its session', async () => {
      const viewer = await f.operator('viewer');
      const res = await f.request({ method: 'GET', url: '/v1/me', as: viewer });
      expect(json(res)).toEqual({ username: viewer.username, role: 'viewer', authTime: expect.any(String), sessionExpiresAt: expect.any(String) });
      expect(Date.parse(json(res)['sessionExpiresAt'] as string) - Date.parse(json(res)['authTime'] as string)).toBeGreaterThanOrEqual(3_599_000);
    });

    it('logout ends the session: the token is refused afterwards', async () => {
      const viewer = await f.operator('viewer');
      expect((await f.request({ method: 'POST', url: '/v1/logout', as: viewer })).statusCode).toBe(204);
      expectProblem(await f.request({ method: 'GET', url: '/v1/me', as: viewer }), 401, 'UNAUTHORIZED');
    });

    it("a disabled operator's token is refused at once; the last security-admin cannot be disabled", async () => {
      const admin = await f.operator('security-admin');
      const responder = await f.operator('responder');
      const res = await f.request({ method: 'POST', url: `/v1/operators/${responder.username}/disable`, payload: {}, as: admin });
      expect(res.statusCode).toBe(200);
      expect(json(res)['operator']).toMatchObject({ username: responder.username, disabledAt: expect.any(String) });
      expectProblem(await f.request({ method: 'GET', url: '/v1/me', as: responder }), 401, 'UNAUTHORIZED');
      expectProblem(await f.request({ method: 'POST', url: `/v1/operators/${admin.username}/disable`, payload: {}, as: admin }), 409, 'CONFLICT');
      expectProblem(await f.request({ method: 'POST', url: '/v1/operators/nobody/disable', payload: {}, as: admin }), 404, 'NOT_FOUND');
    });

    it('POST /v1/operators adds an operator with a one-time enrolment code (no password, no TOTP); the person enrols; a taken name → 409', async () => {
      const add = (username: string) => f.request({ method: 'POST', url: '/v1/operators', payload: { username, role: 'responder' } });
      const res = await add('carol');
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(json(res)['operator']).toMatchObject({ username: 'carol', role: 'responder', createdBy: 'admin', enrolledAt: null });
      expect(json(res)).not.toHaveProperty('totp');
      const enrolmentCode = (json(res)['enrolment'] as { code: string }).code;
      expectProblem(await add('CAROL'), 409, 'OPERATOR_EXISTS');
      // A password in the body is refused: the creator never chooses it.
      expectProblem(await f.request({ method: 'POST', url: '/v1/operators', payload: { username: 'dave', role: 'viewer', password: TEST_PASSWORD } }), 400, 'INVALID_REQUEST');

      const start = await f.request({ method: 'POST', url: '/v1/enrol/start', payload: { code: enrolmentCode }, as: null });
      expect(start.statusCode).toBe(200);
      expect(json(start)).toMatchObject({ username: 'carol', role: 'responder', totp: { secret: expect.any(String), otpauthUri: expect.any(String) } });
      const secret = (json(start)['totp'] as { secret: string }).secret;
      const code = await generate({ secret, epoch: Math.floor(f.clock.now() / 1000) });
      const done = await f.request({ method: 'POST', url: '/v1/enrol', payload: { code: enrolmentCode, password: TEST_PASSWORD, totp: code }, as: null });
      expect(done.statusCode).toBe(200);
      expect(json(done)).toMatchObject({ tokenType: 'Bearer', operator: { username: 'carol', role: 'responder' } });
      // Single use.
      expectProblem(await f.request({ method: 'POST', url: '/v1/enrol/start', payload: { code: enrolmentCode }, as: null }), 400, 'ENROLMENT_CODE_INVALID');
      expectProblem(await f.request({ method: 'POST', url: '/v1/operators/carol/enrolment', payload: {} }), 409, 'OPERATOR_ENROLLED');
      f.clock.advance(30_000);
      const next = await generate({ secret, epoch: Math.floor(f.clock.now() / 1000) });
      expect((await login({ username: 'carol', password: TEST_PASSWORD, totp: next })).statusCode).toBe(200);
      const list = json(await f.request({ method: 'GET', url: '/v1/operators' }))['operators'] as { username: string; enrolledAt: string | null }[];
      expect(list.map((o) => [o.username, o.enrolledAt === null])).toEqual([
        ['admin', false],
        ['carol', false],
      ]);
    });

    it('an enrolment code expires: refused after operators.enrolmentCodeSeconds, a new one works', async () => {
      await f.operator('security-admin');
      const before = f.clock.now();
      const res = await f.request({ method: 'POST', url: '/v1/operators', payload: { username: 'erin', role: 'viewer' } });
      const first = json(res)['enrolment'] as { code: string; expiresAt: string };
      expect(Date.parse(first.expiresAt) - 3_600_000).toBeGreaterThanOrEqual(before);
      expect(Date.parse(first.expiresAt) - 3_600_000).toBeLessThanOrEqual(f.clock.now());
      f.clock.advance(3_600_000);
      expectProblem(await f.request({ method: 'POST', url: '/v1/enrol/start', payload: { code: first.code }, as: null }), 400, 'ENROLMENT_CODE_INVALID');
      // The first admin's session ended with the hour: another admin, logged in now.
      const fresh = await f.newOperator('security-admin', 'admin-later');
      const again = await f.request({ method: 'POST', url: '/v1/operators/erin/enrolment', payload: {}, as: fresh });
      expect(again.statusCode).toBe(201);
      const code = (json(again)['enrolment'] as { code: string }).code;
      expect((await f.request({ method: 'POST', url: '/v1/enrol/start', payload: { code }, as: null })).statusCode).toBe(200);
    });
  });
});

describe('client address behind a reverse proxy (REVMESH_TRUSTED_PROXIES)', () => {
  const guess = (f: AuthorityFixture, username: string, remoteAddress: string, forwardedFor: string) =>
    f.request({
      method: 'POST',
      url: '/v1/login',
      payload: { username, password: 'guess-guess-guess', totp: '123456' },
      as: null,
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
    });
  const deniedFrom = (f: AuthorityFixture): (string | null)[] =>
    f.authority.core.audit
      .list(0, 1000)
      .filter((e) => e.action === 'operators.login' && e.outcome === 'denied')
      .map((e) => e.sourceAddress);

  it('from a trusted proxy, throttles and audits the forwarded client, not the proxy', async () => {
    const f = await startTestAuthority({ trustedProxies: ['10.9.0.0/16'] });
    try {
      for (let i = 0; i < 5; i++) expectProblem(await guess(f, `user-${i}`, '10.9.0.1', '203.0.113.7'), 401, 'INVALID_CREDENTIALS');
      expectProblem(await guess(f, 'user-x', '10.9.0.1', '203.0.113.7'), 429, 'LOGIN_THROTTLED');
      // Another client behind the same proxy is not locked out with the first one.
      expectProblem(await guess(f, 'user-y', '10.9.0.1', '203.0.113.8'), 401, 'INVALID_CREDENTIALS');
      expect(deniedFrom(f)).toContain('203.0.113.7');
      expect(deniedFrom(f)).not.toContain('10.9.0.1');
    } finally {
      await f.close();
    }
  });

  it('without trusted proxies, X-Forwarded-For is ignored: a client cannot dodge throttling by inventing addresses', async () => {
    const f = await startTestAuthority();
    try {
      for (let i = 0; i < 5; i++) expectProblem(await guess(f, `user-${i}`, '10.9.0.1', `203.0.113.${i}`), 401, 'INVALID_CREDENTIALS');
      expectProblem(await guess(f, 'user-x', '10.9.0.1', '203.0.113.99'), 429, 'LOGIN_THROTTLED');
      expect(new Set(deniedFrom(f))).toEqual(new Set(['10.9.0.1']));
    } finally {
      await f.close();
    }
  });
});
