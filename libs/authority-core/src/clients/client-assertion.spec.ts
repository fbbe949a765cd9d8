import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ClientAuthenticationError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { createClientAssertionVerifier, type ClientAssertionVerifier } from './client-assertion';
import { createClientRegistry, type ClientRegistry } from './client-registry';

const ISSUER = 'https://authority.example.test';
const TOKEN_ENDPOINT = `${ISSUER}/oauth/token`;

/** private_key_jwt (RFC 7523): every check an assertion must pass, with an injected clock. */
describe('client assertion verifier', () => {
  let dir: string;
  let store: AuthorityStore;
  let clients: ClientRegistry;
  let verifier: ClientAssertionVerifier;
  let now: number;
  let key: CryptoKey;
  let publicJwk: JWK;
  let otherKey: CryptoKey;
  let seq = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    otherKey = (await generateKeyPair('ES256')).privateKey;
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-assertion-'));
    store = openStore({ dataDir: dir });
    now = Date.UTC(2026, 0, 1);
    const clock = { now: () => now };
    clients = createClientRegistry({ store, clock });
    clients.register({ clientId: 'keyed', audiences: ['api'], scopes: [], jwks: { keys: [publicJwk] } });
    verifier = createClientAssertionVerifier({ store, clients, clock, audiences: [TOKEN_ENDPOINT, ISSUER] });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const assertion = (
    claims: { iss?: string; sub?: string; aud?: string; exp?: number; jti?: string | null; iat?: number } = {},
    signingKey: CryptoKey = key,
  ): Promise<string> => {
    const t = Math.floor(now / 1000);
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(claims.iss ?? 'keyed')
      .setSubject(claims.sub ?? 'keyed')
      .setAudience(claims.aud ?? TOKEN_ENDPOINT)
      .setIssuedAt(claims.iat ?? t)
      .setExpirationTime(claims.exp ?? t + 60);
    if (claims.jti !== null) jwt.setJti(claims.jti ?? `jti-${++seq}`);
    return jwt.sign(signingKey);
  };
  const refusal = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof ClientAuthenticationError) return error.reason;
      throw error;
    }
    return 'accepted';
  };

  it('accepts an assertion signed by a registered key, for the token endpoint or the issuer as aud', async () => {
    expect((await verifier.verify(await assertion())).clientId).toBe('keyed');
    expect((await verifier.verify(await assertion({ aud: ISSUER }), 'keyed')).clientId).toBe('keyed');
  });

  it('refuses a wrong key, a wrong aud, a passed exp, an exp too far ahead, no jti, and iss/sub/client_id mismatches', async () => {
    const t = Math.floor(now / 1000);
    expect(await refusal(verifier.verify(await assertion({}, otherKey)))).toBe('invalid');
    expect(await refusal(verifier.verify(await assertion({ aud: 'https://elsewhere.test/oauth/token' })))).toBe('invalid');
    expect(await refusal(verifier.verify(await assertion({ iat: t - 200, exp: t - 60 })))).toBe('invalid');
    expect(await refusal(verifier.verify(await assertion({ exp: t + 3600 })))).toBe('invalid');
    expect(await refusal(verifier.verify(await assertion({ iat: t - 290, exp: t + 60 })))).toBe('invalid');
    expect(await refusal(verifier.verify(await assertion({ jti: null })))).toBe('invalid');
    expect(await refusal(verifier.verify(await assertion({ iss: 'someone-else' })))).toBe('invalid');
    expect(await refusal(verifier.verify(await assertion(), 'another-client'))).toBe('invalid');
    expect(await refusal(verifier.verify('not-a-jwt'))).toBe('invalid');
  });

  it('refuses a replayed jti until the assertion expires, also after a restart (the store keeps it)', async () => {
    const once = await assertion({ jti: 'same' });
    expect(await refusal(verifier.verify(once))).toBe('accepted');
    expect(await refusal(verifier.verify(once))).toBe('replayed');
    const restarted = createClientAssertionVerifier({ store, clients, clock: { now: () => now }, audiences: [TOKEN_ENDPOINT] });
    expect(await refusal(restarted.verify(once))).toBe('replayed');
    // Another client's identical jti is its own.
    expect(store.db.prepare('SELECT COUNT(*) FROM client_assertion_jtis').pluck().get()).toBe(1);
  });

  it('forgets used jtis once their assertion has expired (bounded store)', async () => {
    await verifier.verify(await assertion({ jti: 'old' }));
    now += 10 * 60_000;
    await verifier.verify(await assertion({ jti: 'new' }));
    expect(store.db.prepare('SELECT jti FROM client_assertion_jtis').pluck().all()).toEqual(['new']);
  });

  it('refuses a secret client, an unknown client, and a disabled client (reason disabled)', async () => {
    clients.register({ clientId: 'secretive', audiences: ['api'], scopes: [] });
    expect(await refusal(verifier.verify(await assertion({ iss: 'secretive', sub: 'secretive' })))).toBe('invalid');
    expect(await refusal(verifier.verify(await assertion({ iss: 'nobody', sub: 'nobody' })))).toBe('invalid');
    clients.setEnabled('keyed', false);
    expect(await refusal(verifier.verify(await assertion()))).toBe('disabled');
  });

  it('fetches keys of a client registered with a jwks_uri through the remote key set', async () => {
    const fetched: string[] = [];
    const { createLocalJWKSet } = await import('jose');
    const remote = createClientAssertionVerifier({
      store,
      clients,
      clock: { now: () => now },
      audiences: [TOKEN_ENDPOINT],
      remoteKeySet: (uri) => {
        fetched.push(uri.href);
        return createLocalJWKSet({ keys: [publicJwk] });
      },
    });
    clients.register({ clientId: 'remote', audiences: ['api'], scopes: [], jwksUri: 'https://remote.example.test/jwks.json' });
    expect((await remote.verify(await assertion({ iss: 'remote', sub: 'remote' }))).clientId).toBe('remote');
    expect((await remote.verify(await assertion({ iss: 'remote', sub: 'remote' }))).clientId).toBe('remote');
    expect(fetched).toEqual(['https://remote.example.test/jwks.json']);
  });
});
