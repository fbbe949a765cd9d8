import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuthorityCore, type AuthorityCore } from '../authority-core';
import { openStore } from '../store/store';
import { createTokenHorizon, TOKEN_HORIZON_STEP_MS } from './token-horizon';

describe('token horizon', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-horizon-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('only grows, rounds up to its step, and survives a restart', () => {
    const store = openStore({ dataDir: dir });
    const horizon = createTokenHorizon(store);
    expect(horizon.current()).toBe(0);
    horizon.extendTo(1_000_001);
    expect(horizon.current()).toBe(Math.ceil(1_000_001 / TOKEN_HORIZON_STEP_MS) * TOKEN_HORIZON_STEP_MS);
    const afterFirst = horizon.current();
    horizon.extendTo(5);
    horizon.extendTo(afterFirst - 1);
    expect(horizon.current()).toBe(afterFirst);
    store.close();
    const reopened = openStore({ dataDir: dir });
    expect(createTokenHorizon(reopened).current()).toBe(afterFirst);
    reopened.close();
  });

  it('keeps a rule alive past every token issued under a longer lifetime than the one in force now', async () => {
    let now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const kek = randomBytes(32);
    const open = (accessTokenTtlSeconds: number): Promise<AuthorityCore> =>
      openAuthorityCore({ dataDir: dir, kek, issuer: 'https://authority.test', accessTokenTtlSeconds, topicPrefix: 'test.', revocationSkewMs: 60_000, clock: { now: () => now } });

    let core = await open(3600);
    const client = core.clients.register({ clientId: 'svc', audiences: ['api'], scopes: [] });
    const issued = await core.tokens.issueClientCredentials(client, {});
    expect(issued.expiresIn).toBe(3600);
    core.close();

    // An incident: the lifetime is lowered to 30 s and the authority restarted; then the token leaks.
    now += 5000;
    core = await open(30);
    const jtiRule = await core.revocations.revoke({ target: { type: 'jti', value: issued.claims.jti }, reason: 'leaked', actor: { kind: 'system', id: 'test' } });
    expect(jtiRule.expiresAt).toBeGreaterThanOrEqual(issued.claims.exp * 1000 + 60_000);
    // Lowering the lifetime must not make the rule outlive the longest token by much either.
    expect(jtiRule.expiresAt).toBeLessThanOrEqual(issued.claims.exp * 1000 + TOKEN_HORIZON_STEP_MS + 60_000);
    core.close();
  });

  it('gives rules on an external issuer the longest lifetime a sidecar accepts', async () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const core = await openAuthorityCore({ dataDir: dir, kek: randomBytes(32), issuer: 'https://authority.test', accessTokenTtlSeconds: 300, topicPrefix: 'test.', revocationSkewMs: 60_000, clock: { now: () => now } });
    try {
      core.issuers.add({ issuer: 'https://idp.example/realms/acme', description: 'the company IdP' });
      const rule = await core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, iss: 'https://idp.example/realms/acme', reason: 'account disabled', actor: { kind: 'system', id: 'test' } });
      expect(rule.expiresAt).toBe(now + 86_400_000 + 60_000);
    } finally {
      core.close();
    }
  });
});
