import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { systemAuditContext } from '../audit/audit-context';
import type { Client } from '../clients/client-registry';
import { IntrospectionNotAllowedError, SessionGrantRefusedError } from '../errors/errors';
import { openCoreFixture, type CoreFixture } from '../testing/core-fixture.spec-helper';
import { TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT, type SessionTokens } from './session-service';

const ISSUER = 'https://authority.test';
const ORIGIN = { requestId: 'req-1', sourceAddress: '10.0.0.9' };
const context = systemAuditContext('test', 'session tests');

/** A local OpenID provider on loopback: discovery and JWKS over real HTTP, tokens signed here. */
async function startProvider(): Promise<{ issuer: string; sign(claims: Record<string, unknown>): Promise<string>; close(): Promise<void> }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'kc-1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/realms/demo/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/certs` }));
    else if (req.url === '/realms/demo/certs') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/demo`;
  return {
    issuer,
    sign: (claims) => signWith(privateKey, issuer, claims),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function signWith(key: CryptoKey, issuer: string, claims: Record<string, unknown>): Promise<string> {
  const now = typeof claims['iat'] === 'number' ? claims['iat'] : Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: `kc-${Math.random()}`, azp: 'web-app', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'kc-1', typ: 'JWT' })
    .setIssuer(issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key);
}

describe('sessions: token exchange, rotating refresh tokens, revocation and introspection', () => {
  let f: CoreFixture;
  let bff: Client;
  let other: Client;
  let rs: Client;

  beforeEach(async () => {
    f = await openCoreFixture();
    // The token issuer's same-second wait and the kill switch read the fixture's stepping clock.
    f.time.now = Date.now();
    bff = f.core.clients.ensure({ clientId: 'orders-bff', clientSecret: 's', audiences: ['orders-web'], scopes: ['orders:read', 'orders:write'] });
    other = f.core.clients.ensure({ clientId: 'other-bff', clientSecret: 's', audiences: ['orders-web'], scopes: [] });
    rs = f.core.clients.ensure({ clientId: 'legacy-rs', clientSecret: 's', audiences: ['orders-api'], scopes: [] });
  });
  afterEach(() => f.cleanup());

  const allow = (issuers: string[] = ['self'], more: Record<string, unknown> = {}) =>
    f.core.securityPolicy.update(
      {
        tokenExchange: { rules: [{ clients: ['orders-bff', 'other-bff'], issuers, audiences: ['orders-api', 'billing-api'] }] },
        introspection: { clients: ['legacy-rs'] },
        ...more,
      },
      context,
    );
  /** A token of the authority itself for a "user" (a client-credentials token of client `user`). */
  const userToken = async (clientId = 'alice'): Promise<string> => {
    const user = f.core.clients.ensure({ clientId, clientSecret: 's', audiences: ['orders-web'], scopes: [] });
    return (await f.core.tokens.issueClientCredentials(user, {})).accessToken;
  };
  const exchange = (subjectToken: string, more: Partial<Parameters<typeof f.core.sessions.exchange>[0]> = {}) =>
    f.core.sessions.exchange({ client: bff, subjectToken, subjectTokenType: TOKEN_TYPE_ACCESS_TOKEN, origin: ORIGIN, ...more });
  const refusal = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof SessionGrantRefusedError) return error.oauthError;
      throw error;
    }
    throw new Error('expected a refusal');
  };
  const revocationsOf = (type: string, value: string) =>
    f.core.store.db.prepare('SELECT actor_kind, actor_id, reason FROM revocations WHERE target_type = ? AND target_value = ?').all(type, value);
  const active = async (token: string, audience?: string) => (await f.core.sessions.introspect({ client: rs, token, ...(audience === undefined ? {} : { audience }) })).active;

  describe('token exchange', () => {
    it('is denied by default: no policy rule, unauthorized_client, no session stored', async () => {
      expect(await refusal(exchange(await userToken()))).toBe('unauthorized_client');
      expect(f.core.sessions.list({})).toEqual([]);
    });

    it('starts a session: access token with sid, the user, the client and the rule’s first audience; an opaque refresh token; audited', async () => {
      allow();
      const tokens = await exchange(await userToken('alice'), { scope: 'orders:read' });
      expect(tokens.refreshToken).toMatch(/^rmrt_[A-Za-z0-9_-]{43}$/);
      expect(decodeJwt(tokens.accessToken)).toMatchObject({ iss: ISSUER, sub: 'alice', aud: 'orders-api', client_id: 'orders-bff', sid: tokens.sid, scope: 'orders:read' });
      expect(tokens.expiresIn).toBe(300);
      expect(f.core.sessions.get(tokens.sid)).toMatchObject({ sub: 'alice', subjectIssuer: ISSUER, subject: 'alice', clientId: 'orders-bff', audience: 'orders-api', endedAt: null });
      // Only the digest is stored.
      const stored = f.core.store.db.prepare('SELECT token_sha256 FROM refresh_tokens').pluck().all() as Buffer[];
      expect(stored.map((b) => b.length)).toEqual([32]);
      expect(f.core.store.db.prepare("SELECT target FROM audit_log WHERE action = 'sessions.create'").pluck().all()).toEqual([tokens.sid]);
    });

    it('answers each bad request with its RFC 8693 error and stores nothing', async () => {
      allow();
      const subject = await userToken();
      expect(await refusal(exchange(subject, { audience: 'payroll-api' }))).toBe('invalid_target');
      expect(await refusal(exchange(subject, { subjectTokenType: 'urn:ietf:params:oauth:token-type:saml2' }))).toBe('invalid_request');
      expect(await refusal(exchange(subject, { requestedTokenType: 'urn:ietf:params:oauth:token-type:refresh_token' }))).toBe('invalid_request');
      expect(await refusal(exchange(subject, { actorToken: subject }))).toBe('invalid_request');
      expect(await refusal(exchange(subject, { scope: 'orders:admin' }))).toBe('invalid_scope');
      expect(await refusal(exchange('not-a-jwt'))).toBe('invalid_grant');
      const tampered = subject.slice(0, -4) + (subject.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect(await refusal(exchange(tampered))).toBe('invalid_grant');
      expect(f.core.sessions.list({})).toEqual([]);
    });

    it('refuses a subject token that is revoked (as every sidecar would) or expired', async () => {
      allow();
      const subject = await userToken('mallory');
      await f.core.revocations.revoke({ target: { type: 'sub', value: 'mallory' }, reason: 'account takeover', actor: { kind: 'system', id: 'test' } });
      expect(await refusal(exchange(subject))).toBe('invalid_grant');
      const later = await userToken('bob');
      f.time.now += 301_000;
      expect(await refusal(exchange(later))).toBe('invalid_grant');
    });

    it('records the acting service as act when an actor token is sent', async () => {
      allow();
      const actor = (await f.core.tokens.issueClientCredentials(f.core.clients.ensure({ clientId: 'batch-svc', clientSecret: 's', audiences: ['x'], scopes: [] }), {})).accessToken;
      const tokens = await exchange(await userToken('alice'), { actorToken: actor, actorTokenType: TOKEN_TYPE_JWT });
      expect(decodeJwt(tokens.accessToken)['act']).toEqual({ sub: 'batch-svc', client_id: 'batch-svc' });
    });

    describe('with an external issuer', () => {
      let provider: Awaited<ReturnType<typeof startProvider>>;
      beforeEach(async () => {
        provider = await startProvider();
      });
      afterEach(() => provider.close());

      it('exchanges a registered issuer’s token; the session’s sub is issuer-scoped', async () => {
        f.core.issuers.add({ issuer: provider.issuer });
        allow([provider.issuer]);
        const tokens = await exchange(await provider.sign({ sub: 'kc-user-1' }));
        expect(decodeJwt(tokens.accessToken)['sub']).toBe(`${provider.issuer}#kc-user-1`);
        expect(f.core.sessions.get(tokens.sid)).toMatchObject({ subjectIssuer: provider.issuer, subject: 'kc-user-1' });
      });

      it('refuses it when the issuer is not registered or disabled, or the policy does not name it', async () => {
        allow([provider.issuer]);
        expect(await refusal(exchange(await provider.sign({ sub: 'u' })))).toBe('invalid_grant');
        f.core.issuers.add({ issuer: provider.issuer });
        f.core.issuers.setEnabled(provider.issuer, false);
        expect(await refusal(exchange(await provider.sign({ sub: 'u' })))).toBe('invalid_grant');
        allow(['self']);
        f.core.issuers.setEnabled(provider.issuer, true);
        expect(await refusal(exchange(await provider.sign({ sub: 'u' })))).toBe('unauthorized_client');
      });

      it('refuses a subject revmesh revoked at that issuer, and a revocation of that subject ends its sessions everywhere (sid)', async () => {
        f.core.issuers.add({ issuer: provider.issuer });
        allow([provider.issuer]);
        const tokens = await exchange(await provider.sign({ sub: 'kc-user-2' }));
        await f.core.revocations.revoke({ target: { type: 'sub', value: 'kc-user-2' }, iss: provider.issuer, reason: 'logout at the provider', actor: { kind: 'system', id: 'test' } });
        expect(await refusal(exchange(await provider.sign({ sub: 'kc-user-2', iat: Math.floor(f.time.now / 1000) - 5 })))).toBe('invalid_grant');
        expect(f.core.sessions.get(tokens.sid)).toMatchObject({ endReason: 'revoked' });
        expect(await refusal(f.core.sessions.refresh({ client: bff, refreshToken: tokens.refreshToken, origin: ORIGIN }))).toBe('invalid_grant');
        // The session's own access tokens are the authority's, with an issuer-scoped sub: a sid rule ends them.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(revocationsOf('sid', tokens.sid)).toEqual([{ actor_kind: 'system', actor_id: 'sessions', reason: expect.stringContaining('subject revoked at its issuer') }]);
      });
    });
  });

  describe('refresh tokens', () => {
    let first: SessionTokens;
    beforeEach(async () => {
      allow();
      first = await exchange(await userToken('alice'));
    });
    const refresh = (refreshToken: string, client: Client = bff) => f.core.sessions.refresh({ client, refreshToken, origin: ORIGIN });

    it('rotate on every use: a new refresh token and access token of the same session', async () => {
      const second = await refresh(first.refreshToken);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(second.sid).toBe(first.sid);
      expect(decodeJwt(second.accessToken)).toMatchObject({ sid: first.sid, sub: 'alice', client_id: 'orders-bff' });
      const third = await refresh(second.refreshToken);
      expect(third.sid).toBe(first.sid);
    });

    it('honour a spent token again within the grace window (concurrent requests), without ending the session', async () => {
      const a = await refresh(first.refreshToken);
      f.time.now += 1_000;
      const b = await refresh(first.refreshToken);
      expect(b.sid).toBe(first.sid);
      await refresh(a.refreshToken);
      await refresh(b.refreshToken);
      expect(f.core.sessions.get(first.sid).endedAt).toBeNull();
      expect(f.core.anomalies.list()).toEqual([]);
    });

    it('reuse after the grace window revokes the whole family: refresh tokens, access tokens by sid (system actor), one alert; other sessions unaffected', async () => {
      const sibling = await exchange(await userToken('alice'));
      const second = await refresh(first.refreshToken);
      f.time.now += 3_000;
      expect(await refusal(refresh(first.refreshToken))).toBe('invalid_grant');
      expect(f.core.sessions.get(first.sid)).toMatchObject({ endReason: 'refresh-token-reuse' });
      expect(await refusal(refresh(second.refreshToken))).toBe('invalid_grant');
      expect(revocationsOf('sid', first.sid)).toEqual([{ actor_kind: 'system', actor_id: 'refresh-token-reuse', reason: 'refresh token reuse detected' }]);
      expect(await active(second.accessToken)).toBe(false);
      // Replayed again: still refused, the alert counts it but is not raised twice.
      expect(await refusal(refresh(first.refreshToken))).toBe('invalid_grant');
      const alerts = f.core.anomalies.list().filter((a) => a.kind === 'refresh_token_reuse');
      expect(alerts).toEqual([expect.objectContaining({ dedupKey: `refresh_token_reuse:${first.sid}`, severity: 'critical', count: 2 })]);
      expect(revocationsOf('sid', first.sid)).toHaveLength(1);
      expect(f.core.store.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'sessions.refresh-token-reuse'").pluck().get()).toBe(1);
      // Alice's other session lives on.
      const other = await refresh(sibling.refreshToken);
      expect(await active(other.accessToken)).toBe(true);
    });

    it('are refused to another client, and unknown or malformed ones are invalid_grant', async () => {
      expect(await refusal(refresh(first.refreshToken, other))).toBe('invalid_grant');
      expect(await refusal(refresh('rmrt_' + 'A'.repeat(43)))).toBe('invalid_grant');
      expect(await refusal(refresh('garbage'))).toBe('invalid_grant');
      expect(f.core.sessions.get(first.sid).endedAt).toBeNull();
    });

    it('never widen the scope of the session', async () => {
      expect(await refusal(f.core.sessions.refresh({ client: bff, refreshToken: first.refreshToken, scope: 'orders:admin', origin: ORIGIN }))).toBe('invalid_scope');
      // Nothing was spent: the token still rotates.
      expect((await refresh(first.refreshToken)).sid).toBe(first.sid);
    });

    it('end with the session’s idle and absolute lifetimes from the policy', async () => {
      allow(['self'], { sessions: { idleSeconds: 600, absoluteSeconds: 1_200 } });
      const s = await exchange(await userToken('bob'));
      f.time.now += 601_000;
      expect(await refusal(refresh(s.refreshToken))).toBe('invalid_grant');
      expect(f.core.sessions.get(s.sid).endReason).toBe('idle');

      const t = await exchange(await userToken('carol'));
      let current = t.refreshToken;
      for (let i = 0; i < 3; i += 1) {
        f.time.now += 500_000;
        if (i < 2) current = (await refresh(current)).refreshToken;
      }
      expect(await refusal(refresh(current))).toBe('invalid_grant');
      expect(f.core.sessions.get(t.sid).endReason).toBe('expired');
    });

    it('die with a revocation of the session’s sid or sub (through the normal revocation API)', async () => {
      const bobs = await exchange(await userToken('bob'));
      await f.core.sessions.revoke(first.sid, 'laptop stolen', { kind: 'operator', id: 'ann' }, context);
      expect(await refusal(refresh(first.refreshToken))).toBe('invalid_grant');
      expect(f.core.sessions.get(first.sid).endReason).toBe('revoked');
      await f.core.revocations.revoke({ target: { type: 'sub', value: 'bob' }, reason: 'left the company', actor: { kind: 'system', id: 'test' } });
      expect(await refusal(refresh(bobs.refreshToken))).toBe('invalid_grant');
      expect(f.core.sessions.list({ activeOnly: true })).toEqual([]);
    });

    it('die with a client_id revocation of their client, or a jkt revocation of the key they are bound to; other sessions live on', async () => {
      const bound = await exchange(await userToken('bob'));
      f.core.store.db.prepare('UPDATE sessions SET jkt = ? WHERE sid = ?').run('stolen-key-thumbprint', bound.sid);
      await f.core.revocations.revoke({ target: { type: 'jkt', value: 'stolen-key-thumbprint' }, reason: 'key stolen', actor: { kind: 'system', id: 'test' } });
      expect(f.core.sessions.get(bound.sid).endReason).toBe('revoked');
      expect(f.core.sessions.get(first.sid).endedAt).toBeNull();
      await f.core.revocations.revoke({ target: { type: 'client_id', value: 'orders-bff' }, reason: 'client compromised', actor: { kind: 'system', id: 'test' } });
      expect(f.core.sessions.get(first.sid).endReason).toBe('revoked');
    });

    it('die with a covering revocation even when its end was never recorded (the refresh grant checks the rules)', async () => {
      await f.core.revocations.revoke({ target: { type: 'client_id', value: 'orders-bff' }, reason: 'client compromised', actor: { kind: 'system', id: 'test' } });
      f.core.store.db.prepare('UPDATE sessions SET ended_at = NULL, end_reason = NULL').run();
      f.core.store.db.prepare('UPDATE refresh_tokens SET revoked_at = NULL').run();
      expect(await refusal(refresh(first.refreshToken))).toBe('invalid_grant');
    });
  });

  describe('RFC 7009 revocation by the client', () => {
    beforeEach(() => allow());

    it('of a refresh token ends the session and revokes its access tokens by sid, as the client', async () => {
      const s = await exchange(await userToken('alice'));
      expect(await f.core.sessions.revokeToken({ client: bff, token: s.refreshToken, origin: ORIGIN })).toBe('session-ended');
      expect(revocationsOf('sid', s.sid)).toEqual([{ actor_kind: 'client', actor_id: 'orders-bff', reason: 'refresh token revoked by its client' }]);
      expect(await active(s.accessToken)).toBe(false);
      expect(await f.core.sessions.revokeToken({ client: bff, token: s.refreshToken, origin: ORIGIN })).toBe('nothing');
    });

    it('of an access token pushes a jti revocation audited as the client', async () => {
      const s = await exchange(await userToken('alice'));
      expect(await f.core.sessions.revokeToken({ client: bff, token: s.accessToken, tokenTypeHint: 'access_token', origin: ORIGIN })).toBe('access-token-revoked');
      const jti = decodeJwt(s.accessToken).jti!;
      expect(revocationsOf('jti', jti)).toEqual([{ actor_kind: 'client', actor_id: 'orders-bff', reason: 'access token revoked by its client' }]);
      const audit = f.core.store.db.prepare("SELECT actor_kind, actor_id, request_id FROM audit_log WHERE action = 'revocations.create' ORDER BY seq DESC LIMIT 1").get();
      expect(audit).toEqual({ actor_kind: 'client', actor_id: 'orders-bff', request_id: 'req-1' });
      expect(await f.core.sessions.revokeToken({ client: bff, token: s.accessToken, origin: ORIGIN })).toBe('nothing');
    });

    it('changes nothing for another client’s token, an unknown token or garbage', async () => {
      const s = await exchange(await userToken('alice'));
      const before = f.core.store.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get();
      expect(await f.core.sessions.revokeToken({ client: other, token: s.accessToken, origin: ORIGIN })).toBe('nothing');
      expect(await f.core.sessions.revokeToken({ client: other, token: s.refreshToken, origin: ORIGIN })).toBe('nothing');
      expect(await f.core.sessions.revokeToken({ client: bff, token: 'rmrt_' + 'B'.repeat(43), origin: ORIGIN })).toBe('nothing');
      expect(await f.core.sessions.revokeToken({ client: bff, token: 'garbage', origin: ORIGIN })).toBe('nothing');
      expect(f.core.store.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get()).toBe(before);
      expect(f.core.sessions.get(s.sid).endedAt).toBeNull();
    });
  });

  describe('RFC 7662 introspection', () => {
    beforeEach(() => allow());

    it('is refused to clients the policy does not list', async () => {
      await expect(f.core.sessions.introspect({ client: bff, token: 'x' })).rejects.toThrow(IntrospectionNotAllowedError);
    });

    it('returns the standard claims of an active token, and only {active:false} for every inactive one', async () => {
      const s = await exchange(await userToken('alice'));
      const answer = await f.core.sessions.introspect({ client: rs, token: s.accessToken });
      expect(answer).toEqual(expect.objectContaining({ active: true, token_type: 'Bearer', iss: ISSUER, sub: 'alice', aud: 'orders-api', client_id: 'orders-bff', sid: s.sid, jti: expect.any(String), exp: expect.any(Number), iat: expect.any(Number) }));
      expect(await f.core.sessions.introspect({ client: rs, token: s.accessToken, audience: 'billing-api' })).toEqual({ active: false });
      expect(await f.core.sessions.introspect({ client: rs, token: 'garbage' })).toEqual({ active: false });
      await f.core.revocations.revoke({ target: { type: 'jti', value: decodeJwt(s.accessToken).jti! }, reason: 'leaked', actor: { kind: 'system', id: 'test' } });
      expect(await f.core.sessions.introspect({ client: rs, token: s.accessToken })).toEqual({ active: false });
    });

    it('answers inactive for revoked by sub, client_id and sid, expired, and killed tokens', async () => {
      const bySub = (await exchange(await userToken('dave'))).accessToken;
      await f.core.revocations.revoke({ target: { type: 'sub', value: 'dave' }, reason: 'r', actor: { kind: 'system', id: 'test' } });
      expect(await active(bySub)).toBe(false);
      const cc = (await f.core.tokens.issueClientCredentials(other, {})).accessToken;
      expect(await active(cc)).toBe(true);
      await f.core.revocations.revoke({ target: { type: 'client_id', value: 'other-bff' }, reason: 'r', actor: { kind: 'system', id: 'test' } });
      expect(await active(cc)).toBe(false);
      f.time.now += 1_000;
      const fresh = await exchange(await userToken('erin'));
      expect(await active(fresh.accessToken)).toBe(true);
      await f.core.killSwitch.engage({ scope: { kind: 'audience', audience: 'orders-api' }, lockdown: false }, context);
      expect(await active(fresh.accessToken)).toBe(false);
      f.time.now += 1_000;
      const after = await exchange(await userToken('erin'));
      expect(await active(after.accessToken)).toBe(true);
      f.time.now += 301_000;
      expect(await active(after.accessToken)).toBe(false);
    });

    it('answers inactive for a token of a compromised key, and active for the next one (new key)', async () => {
      const before = await exchange(await userToken('alice'));
      await f.core.rotations.compromise(f.core.keys.active.kid, { actor: { kind: 'system', id: 'test' }, reason: 'key leaked' });
      expect(await active(before.accessToken)).toBe(false);
      const after = await f.core.sessions.refresh({ client: bff, refreshToken: before.refreshToken, origin: ORIGIN });
      expect(await active(after.accessToken)).toBe(true);
    });

    it('answers inactive for every token of an audience in lockdown, newer ones included, until it is lifted', async () => {
      await f.core.killSwitch.engage({ scope: { kind: 'audience', audience: 'billing-api' }, lockdown: true }, context);
      f.time.now += 1_000;
      const orders = await exchange(await userToken('alice'));
      const billing = await exchange(await userToken('alice'), { audience: 'billing-api' });
      expect([await active(orders.accessToken), await active(billing.accessToken)]).toEqual([true, false]);
      await f.core.killSwitch.lift({ kind: 'audience', audience: 'billing-api' }, context);
      expect(await active(billing.accessToken)).toBe(true);
    });

    it('shows a live refresh token to its own client only', async () => {
      const s = await exchange(await userToken('alice'));
      f.core.securityPolicy.update({ ...f.core.securityPolicy.current(), introspection: { clients: ['legacy-rs', 'orders-bff'] } }, context);
      expect(await f.core.sessions.introspect({ client: bff, token: s.refreshToken })).toEqual(expect.objectContaining({ active: true, token_type: 'refresh_token', sid: s.sid }));
      expect(await f.core.sessions.introspect({ client: rs, token: s.refreshToken })).toEqual({ active: false });
      await f.core.sessions.refresh({ client: bff, refreshToken: s.refreshToken, origin: ORIGIN });
      expect(await f.core.sessions.introspect({ client: bff, token: s.refreshToken })).toEqual({ active: false });
    });
  });

  it('are deleted with their refresh tokens by the store retention, a retention after they ended or expired; live ones stay', async () => {
    allow(['self'], { sessions: { idleSeconds: 86_400, absoluteSeconds: 30 * 86_400 } });
    const ended = await exchange(await userToken('alice'));
    const live = await exchange(await userToken('bob'));
    await f.core.sessions.revokeToken({ client: bff, token: ended.refreshToken, origin: ORIGIN });
    f.time.now += f.core.storeRetention.periods.expiredRevocationMs + 1_000;
    expect(await f.core.storeRetention.runOnce()).toMatchObject({ sessions: 1 });
    expect(f.core.sessions.list({}).map((s) => s.sid)).toEqual([live.sid]);
    expect(f.core.store.db.prepare('SELECT COUNT(*) FROM refresh_tokens WHERE sid = ?').pluck().get(ended.sid)).toBe(0);
    expect(f.core.store.db.prepare('SELECT COUNT(*) FROM refresh_tokens WHERE sid = ?').pluck().get(live.sid)).toBe(1);
  });

  it('ends at open every session a live revocation covers (a crash between the revocation and the end)', async () => {
    allow();
    const s = await exchange(await userToken('alice'));
    await f.core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'r', actor: { kind: 'system', id: 'test' } });
    f.core.store.db.prepare('UPDATE sessions SET ended_at = NULL, end_reason = NULL').run();
    f.core.close();
    const core = await f.reopen();
    expect(core.sessions.get(s.sid).endReason).toBe('revoked');
  });
});
