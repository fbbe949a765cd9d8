import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { AnonymousRefusalAudit } from '../audit/anonymous-refusals';
import { ClientAuthenticationError, ClientAuthenticationThrottledError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { createClientAssertionVerifier } from './client-assertion';
import { createClientAuthentication, type ClientAuthentication } from './client-authentication';
import { createClientRegistry, type ClientRegistry } from './client-registry';

const AUD = 'https://authority.test/oauth/token';
const ORIGIN = { requestId: 'r1', sourceAddress: '192.0.2.1' };

/** verify(): every method through one throttle and one audit trail. */
describe('client authentication verify', () => {
  let dir: string;
  let store: AuthorityStore;
  let clients: ClientRegistry;
  let auth: ClientAuthentication;
  let refused: { target: string | null; reason: unknown }[];
  let key: CryptoKey;
  let secret: string;
  const now = Date.UTC(2026, 0, 1);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-client-auth-'));
    store = openStore({ dataDir: dir });
    const clock = { now: () => now };
    clients = createClientRegistry({ store, clock });
    refused = [];
    const refusals: AnonymousRefusalAudit = {
      append: (entry) => {
        refused.push({ target: entry.target, reason: (entry.details as { reason?: unknown } | undefined)?.reason });
        return null;
      },
    };
    auth = createClientAuthentication({
      store,
      clients,
      assertions: createClientAssertionVerifier({ store, clients, clock, audiences: [AUD] }),
      rules: () => ({ maxFailedLogins: 3, lockoutSeconds: 60 }),
      refusals,
      clock,
    });
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    clients.register({ clientId: 'keyed', audiences: ['api'], scopes: [], jwks: { keys: [await exportJWK(pair.publicKey)] } });
    secret = clients.register({ clientId: 'svc', audiences: ['api'], scopes: [] }).clientSecret;
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const assertion = (jti: string) =>
    new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('keyed').setSubject('keyed').setAudience(AUD).setJti(jti).setIssuedAt(now / 1000).setExpirationTime(now / 1000 + 60).sign(key);
  const jwt = async (jti: string) => ({ method: 'private_key_jwt' as const, assertion: await assertion(jti) });

  it('accepts a secret and an assertion; refuses a replay (audited assertion-replayed, counted) until the client id is locked out', async () => {
    expect((await auth.verify({ method: 'client_secret_basic', clientId: 'svc', clientSecret: secret }, ORIGIN)).clientId).toBe('svc');
    const once = await jwt('j1');
    expect((await auth.verify(once, ORIGIN)).clientId).toBe('keyed');
    for (let i = 0; i < 3; i += 1) await expect(auth.verify(once, { ...ORIGIN, sourceAddress: `198.51.100.${i}` })).rejects.toThrow(ClientAuthenticationError);
    // Locked out under the assertion's client id, whatever the assertion (a fresh one too).
    await expect(auth.verify(await jwt('j2'), { ...ORIGIN, sourceAddress: '198.51.100.9' })).rejects.toThrow(ClientAuthenticationThrottledError);
    expect(refused).toEqual([
      { target: 'keyed', reason: 'assertion-replayed' },
      { target: 'keyed', reason: 'assertion-replayed' },
      { target: 'keyed', reason: 'assertion-replayed' },
      { target: 'keyed', reason: 'throttled' },
    ]);
  });

  it("a disabled client's valid credentials are refused and audited, not counted towards a lockout", async () => {
    clients.setEnabled('svc', false);
    for (let i = 0; i < 5; i += 1) {
      await expect(auth.verify({ method: 'client_secret_post', clientId: 'svc', clientSecret: secret }, ORIGIN)).rejects.toMatchObject({ reason: 'disabled' });
    }
    expect(refused.map((r) => r.reason)).toEqual(Array(5).fill('client-disabled'));
    clients.setEnabled('svc', true);
    expect((await auth.verify({ method: 'client_secret_post', clientId: 'svc', clientSecret: secret }, ORIGIN)).clientId).toBe('svc');
  });

  it('refuses an assertion for a secret client, and a secret for a private_key_jwt client', async () => {
    await expect(auth.verify({ method: 'client_secret_basic', clientId: 'keyed', clientSecret: 'anything' }, ORIGIN)).rejects.toMatchObject({ reason: 'invalid' });
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('svc').setSubject('svc').setAudience(AUD).setJti('x').setExpirationTime(now / 1000 + 60).sign(key);
    await expect(auth.verify({ method: 'private_key_jwt', assertion: forged }, ORIGIN)).rejects.toMatchObject({ reason: 'invalid' });
    expect(refused.map((r) => r.target)).toEqual(['keyed', 'svc']);
  });
});
