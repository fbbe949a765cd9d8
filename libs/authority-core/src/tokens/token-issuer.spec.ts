import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { openAuthorityCore, type AuthorityCore } from '../authority-core';
import type { Client } from '../clients/client-registry';
import { AudienceNotAllowedError, ScopeNotAllowedError } from '../errors/errors';
import { systemAuditContext } from '../audit/audit-context';
import { DEFAULT_POLICY, type PolicySource } from '../policy/policy-document';
import { createTokenIssuer } from './token-issuer';

const ISSUER = 'https://authority.test';

describe('token issuer', () => {
  let dir: string;
  let core: AuthorityCore;
  let now: number;
  let sleeps: number[];
  let client: Client;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-tokens-'));
    now = Date.UTC(2030, 0, 1, 12, 0, 0, 400); // .400 into a second
    sleeps = [];
    core = await openAuthorityCore({
      dataDir: dir,
      kek: randomBytes(32),
      issuer: ISSUER,
      accessTokenTtlSeconds: 300,
      topicPrefix: 'test.',
      clock: { now: () => now },
      // A sleep that moves the fake clock: the wait rule is observable without waiting.
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    client = core.clients.register({ clientId: 'svc', audiences: ['api-a', 'api-b'], scopes: ['read', 'write'] });
  });
  afterEach(() => {
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const verify = (token: string, audience: string) =>
    jwtVerify(token, createLocalJWKSet({ keys: [...core.keys.jwks().keys] }), {
      issuer: ISSUER,
      audience,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      currentDate: new Date(now),
    });

  it('issues an RFC 9068 token that verifies against the JWKS with every required claim', async () => {
    const issued = await core.tokens.issueClientCredentials(client, {});
    const { payload, protectedHeader } = await verify(issued.accessToken, 'api-a');
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: core.keys.active.kid, typ: 'at+jwt' });
    const iat = Math.floor(now / 1000);
    expect(payload).toEqual({
      iss: ISSUER,
      sub: 'svc',
      aud: 'api-a',
      iat,
      exp: iat + 300,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_id: 'svc',
      scope: 'read write',
    });
    expect(issued).toMatchObject({ tokenType: 'Bearer', expiresIn: 300, scope: 'read write' });
    expect(sleeps).toEqual([]);
  });

  it('gives every token its own jti', async () => {
    const a = await core.tokens.issueClientCredentials(client, {});
    const b = await core.tokens.issueClientCredentials(client, {});
    expect(a.claims.jti).not.toBe(b.claims.jti);
  });

  it('grants a requested subset of scopes and a requested audience', async () => {
    const issued = await core.tokens.issueClientCredentials(client, { scope: 'write', audience: 'api-b' });
    const { payload } = await verify(issued.accessToken, 'api-b');
    expect(payload['scope']).toBe('write');
    expect(issued.scope).toBe('write');
  });

  it('rejects scopes the client does not have', async () => {
    await expect(core.tokens.issueClientCredentials(client, { scope: 'read admin' })).rejects.toEqual(
      new ScopeNotAllowedError(['admin']),
    );
  });

  it('rejects an audience the client does not have', async () => {
    await expect(core.tokens.issueClientCredentials(client, { audience: 'elsewhere' })).rejects.toBeInstanceOf(
      AudienceNotAllowedError,
    );
  });

  it('omits the scope claim for a client without scopes', async () => {
    const bare = core.clients.register({ clientId: 'bare', audiences: ['api-a'], scopes: [] });
    const { payload } = await verify((await core.tokens.issueClientCredentials(bare, {})).accessToken, 'api-a');
    expect(payload).not.toHaveProperty('scope');
  });

  describe('lifetime per audience (security policy)', () => {
    it("gives an audience the shorter lifetime the policy sets, from the next token on", async () => {
      const before = await core.tokens.issueClientCredentials(client, { audience: 'api-b' });
      expect(before.claims.exp - before.claims.iat).toBe(300);
      core.securityPolicy.update({ tokens: { audiences: { 'api-b': { lifetimeSeconds: 60 } } } }, systemAuditContext('test', 'short tokens for api-b'));

      const issued = await core.tokens.issueClientCredentials(client, { audience: 'api-b' });
      const { payload } = await verify(issued.accessToken, 'api-b');
      expect(payload.exp).toBe(payload.iat! + 60);
      expect(issued.expiresIn).toBe(60);
      // Other audiences keep the global TTL.
      const other = await core.tokens.issueClientCredentials(client, { audience: 'api-a' });
      expect(other.claims.exp - other.claims.iat).toBe(300);
      expect(other.expiresIn).toBe(300);
    });

    it('never exceeds the global TTL, whatever the policy source says', async () => {
      const generous: PolicySource = {
        current: () => ({ ...DEFAULT_POLICY, tokens: { audiences: { 'api-a': { lifetimeSeconds: 3600 } }, maxLifetimeSeconds: 86_400 } }),
      };
      const issuer = createTokenIssuer({ issuer: ISSUER, keys: core.keys, revocations: core.revocations, accessTokenTtlSeconds: 300, policy: generous, clock: { now: () => now } });
      const issued = await issuer.issueClientCredentials(client, { audience: 'api-a' });
      expect(issued.claims.exp - issued.claims.iat).toBe(300);
      expect(issued.expiresIn).toBe(300);
    });

    it('never exceeds tokens.maxLifetimeSeconds, even when a stored policy says otherwise (sidecars would reject it)', async () => {
      // A policy that validation refuses, as if edited into the store: the issuer still caps.
      const edited: PolicySource = {
        current: () => ({ ...DEFAULT_POLICY, tokens: { audiences: { 'api-a': { lifetimeSeconds: 3600 } }, maxLifetimeSeconds: 120 } }),
      };
      const issuer = createTokenIssuer({ issuer: ISSUER, keys: core.keys, revocations: core.revocations, accessTokenTtlSeconds: 300, policy: edited, clock: { now: () => now } });
      for (const audience of ['api-a', 'api-b']) {
        const issued = await issuer.issueClientCredentials(client, { audience });
        expect(issued.claims.exp - issued.claims.iat).toBe(120);
        expect(issued.expiresIn).toBe(120);
      }
    });

    it('refuses a policy whose maximum is below the TTL or below an audience lifetime', () => {
      const context = systemAuditContext('test', 'try a too-short maximum');
      expect(() => core.securityPolicy.update({ tokens: { maxLifetimeSeconds: 120 } }, context)).toThrow(/tokens\.maxLifetimeSeconds: must be at least the access-token TTL/);
      expect(() => core.securityPolicy.update({ tokens: { maxLifetimeSeconds: 300, audiences: { 'api-a': { lifetimeSeconds: 600 } } } }, context)).toThrow(
        /tokens\.audiences\.api-a\.lifetimeSeconds: must be at most tokens\.maxLifetimeSeconds/,
      );
    });
  });

  describe('same-second rule', () => {
    const revoke = (type: 'sub' | 'client_id' | 'jti', value: string) =>
      core.revocations.revoke({ target: { type, value }, reason: 'test', actor: { kind: 'admin-key', id: 'admin' } });

    it('waits for the next whole second when the subject was revoked this second', async () => {
      const revocation = await revoke('sub', 'svc');
      const issued = await core.tokens.issueClientCredentials(client, {});
      expect(sleeps).toEqual([600]); // from .400 to the next second
      expect(issued.claims.iat).toBe(revocation.notAfterIat + 1);
    });

    it('waits as well for a client_id revocation', async () => {
      const revocation = await revoke('client_id', 'svc');
      const issued = await core.tokens.issueClientCredentials(client, {});
      expect(issued.claims.iat).toBeGreaterThan(revocation.notAfterIat);
    });

    it('does not wait for a revocation of an earlier second, another subject, or a jti', async () => {
      await revoke('sub', 'svc');
      now += 1000;
      await revoke('sub', 'someone-else');
      await revoke('jti', 'svc');
      const issued = await core.tokens.issueClientCredentials(client, {});
      expect(sleeps).toEqual([]);
      expect(issued.claims.iat).toBe(Math.floor(now / 1000));
    });
  });
});
