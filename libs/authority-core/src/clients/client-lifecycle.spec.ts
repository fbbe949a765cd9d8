import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt, decodeProtectedHeader, type JWK } from 'jose';
import { ClientAuthenticationError, ClientAuthMethodConflictError, ClientNotFoundError } from '../errors/errors';
import { DEFAULT_POLICY, type PolicyDocument } from '../policy/policy-document';
import type { RevokeInput } from '../revocations/revocation-service';
import { openStore, type AuthorityStore } from '../store/store';
import { createClientLifecycle, type ClientLifecycle } from './client-lifecycle';
import { createClientRegistry, type ClientRegistry } from './client-registry';

const HOUR = 3_600_000;

/** Secret rotation with an overlap, sealed secrets, disable/enable, listing: with an injected clock. */
describe('client lifecycle', () => {
  let dir: string;
  let store: AuthorityStore;
  let clients: ClientRegistry;
  let lifecycle: ClientLifecycle;
  let revoked: RevokeInput[];
  let now: number;
  let policy: PolicyDocument;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-lifecycle-'));
    store = openStore({ dataDir: dir });
    now = Date.UTC(2026, 0, 1);
    clients = createClientRegistry({ store, clock: { now: () => now } });
    revoked = [];
    policy = DEFAULT_POLICY;
    lifecycle = createClientLifecycle({
      clients,
      policy: { current: () => policy },
      revocations: {
        revoke: async (input) => {
          revoked.push(input);
          return { id: `rev-${revoked.length}`, target: input.target, reason: input.reason, actor: input.actor, revokedAt: now, notAfterIat: now / 1000, expiresAt: now + HOUR };
        },
      },
    });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const secretOf = (issued: { secret?: { clientSecret: string } | { clientSecretJwe: string } }): string => {
    if (issued.secret === undefined || !('clientSecret' in issued.secret)) throw new Error('expected a shown secret');
    return issued.secret.clientSecret;
  };
  const works = (clientId: string, secret: string): boolean => {
    try {
      clients.authenticate(clientId, secret);
      return true;
    } catch (error) {
      if (error instanceof ClientAuthenticationError) return false;
      throw error;
    }
  };

  it('keeps the old secret valid beside the new one during the overlap, then only the new one', async () => {
    const old = secretOf(await lifecycle.register({ clientId: 'svc', audiences: ['api'], scopes: [] }));
    const rotation = await lifecycle.rotateSecret('svc', { overlapSeconds: 2 * 3600 });
    const fresh = secretOf(rotation);
    expect(rotation).toMatchObject({ overlapSeconds: 7200, previousExpiresAt: now + 2 * HOUR });
    expect(fresh).not.toBe(old);
    expect([works('svc', old), works('svc', fresh)]).toEqual([true, true]);
    expect(clients.get('svc').secrets).toEqual([
      { createdAt: now, expiresAt: now + 2 * HOUR },
      { createdAt: now, expiresAt: null },
    ]);
    now += 2 * HOUR - 1;
    expect([works('svc', old), works('svc', fresh)]).toEqual([true, true]);
    now += 1;
    expect([works('svc', old), works('svc', fresh)]).toEqual([false, true]);
    expect(clients.get('svc').secrets).toEqual([{ createdAt: now - 2 * HOUR, expiresAt: null }]);
  });

  it("uses the policy's default overlap, never lengthens an earlier overlap, and refuses one beyond the policy's maximum", async () => {
    const first = secretOf(await lifecycle.register({ clientId: 'svc', audiences: ['api'], scopes: [] }));
    const r1 = await lifecycle.rotateSecret('svc', {});
    expect(r1.overlapSeconds).toBe(DEFAULT_POLICY.clients.secretOverlapSeconds);
    const second = secretOf(r1);
    now += HOUR;
    const third = secretOf(await lifecycle.rotateSecret('svc', { overlapSeconds: 0 }));
    expect([works('svc', first), works('svc', second), works('svc', third)]).toEqual([false, false, true]);
    await expect(lifecycle.rotateSecret('svc', { overlapSeconds: DEFAULT_POLICY.clients.maxSecretOverlapSeconds + 1 })).rejects.toThrow(RangeError);
    policy = { ...DEFAULT_POLICY, clients: { secretOverlapSeconds: 60, maxSecretOverlapSeconds: 120 } };
    await expect(lifecycle.rotateSecret('svc', { overlapSeconds: 121 })).rejects.toThrow(/0\.\.120/);
    expect(works('svc', third)).toBe(true);
  });

  it('seals a new secret to the RSA or EC key the client registered; only its private key opens it', async () => {
    for (const [type, options] of [
      ['rsa', { modulusLength: 2048 }],
      ['ec', { namedCurve: 'P-256' }],
      ['x25519', {}],
    ] as const) {
      const pair = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
      const jwk = { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid: `seal-${type}` };
      const issued = await lifecycle.register({ clientId: `sealed-${type}`, audiences: ['api'], scopes: [], encryptionJwk: jwk });
      if (issued.secret === undefined || !('clientSecretJwe' in issued.secret)) throw new Error('expected a sealed secret');
      const jwe = issued.secret.clientSecretJwe;
      expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: type === 'rsa' ? 'RSA-OAEP-256' : 'ECDH-ES', enc: 'A256GCM', kid: `seal-${type}` });
      const secret = new TextDecoder().decode((await compactDecrypt(jwe, pair.privateKey)).plaintext);
      expect(works(`sealed-${type}`, secret)).toBe(true);
      const rotated = await lifecycle.rotateSecret(`sealed-${type}`, { overlapSeconds: 0 });
      expect('clientSecretJwe' in rotated.secret).toBe(true);
    }
  });

  it('a private_key_jwt client gets no secret, and cannot rotate one', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issued = await lifecycle.register({ clientId: 'keyed', audiences: ['api'], scopes: [], jwks: { keys: [pair.publicKey.export({ format: 'jwk' }) as JWK] } });
    expect(issued.secret).toBeUndefined();
    expect(issued.client).toMatchObject({ authMethod: 'private_key_jwt', jwksUri: null });
    await expect(lifecycle.rotateSecret('keyed', {})).rejects.toThrow(ClientAuthMethodConflictError);
    await expect(lifecycle.rotateSecret('nobody', {})).rejects.toThrow(ClientNotFoundError);
  });

  it('refuses private or symmetric keys, an http jwks_uri, and a sealing key on a keyed client (TypeError, nothing stored)', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const priv = pair.privateKey.export({ format: 'jwk' }) as JWK;
    const pub = pair.publicKey.export({ format: 'jwk' }) as JWK;
    expect(() => clients.register({ clientId: 'a', audiences: ['x'], scopes: [], jwks: { keys: [priv] } })).toThrow(/private member "d"/);
    expect(() => clients.register({ clientId: 'a', audiences: ['x'], scopes: [], jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).toThrow(/kty/);
    expect(() => clients.register({ clientId: 'a', audiences: ['x'], scopes: [], jwksUri: 'http://keys.example.test/jwks' })).toThrow(/https/);
    expect(() => clients.register({ clientId: 'a', audiences: ['x'], scopes: [], encryptionJwk: { ...pub, use: 'sig' } })).toThrow(/use "enc"/);
    expect(clients.list().clients).toEqual([]);
  });

  it('a disabled client is refused with the right secret, and disabling revokes its tokens by client_id; enable restores it', async () => {
    const secret = secretOf(await lifecycle.register({ clientId: 'svc', audiences: ['api'], scopes: [] }));
    const { client, revocation } = await lifecycle.disable('svc', 'key leaked');
    expect(client.enabled).toBe(false);
    expect(revoked).toEqual([expect.objectContaining({ target: { type: 'client_id', value: 'svc' }, reason: 'key leaked' })]);
    expect(revocation.target).toEqual({ type: 'client_id', value: 'svc' });
    let reason: string | undefined;
    try {
      clients.authenticate('svc', secret);
    } catch (error) {
      reason = (error as ClientAuthenticationError).reason;
    }
    expect(reason).toBe('disabled');
    // Disabling again revokes again (completes a disable interrupted between its two steps).
    await lifecycle.disable('svc', 'again');
    expect(revoked).toHaveLength(2);
    expect(lifecycle.enable('svc').enabled).toBe(true);
    expect(works('svc', secret)).toBe(true);
  });

  it('lists clients by id in pages, filtered by enabled state and auth method', async () => {
    for (const id of ['c1', 'c2', 'c3', 'c4']) await lifecycle.register({ clientId: id, audiences: ['api'], scopes: [] });
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    clients.register({ clientId: 'c0-keyed', audiences: ['api'], scopes: [], jwks: { keys: [pair.publicKey.export({ format: 'jwk' }) as JWK] } });
    clients.setEnabled('c3', false);
    const page1 = clients.list({ limit: 2 });
    expect(page1.clients.map((c) => c.clientId)).toEqual(['c0-keyed', 'c1']);
    expect(page1.nextAfter).toBe('c1');
    const page2 = clients.list({ limit: 2, after: 'c1' });
    expect(page2.clients.map((c) => c.clientId)).toEqual(['c2', 'c3']);
    expect(clients.list({ limit: 2, after: 'c3' })).toMatchObject({ nextAfter: null });
    expect(clients.list({ enabled: false }).clients.map((c) => c.clientId)).toEqual(['c3']);
    expect(clients.list({ authMethod: 'private_key_jwt' }).clients.map((c) => c.clientId)).toEqual(['c0-keyed']);
    expect(clients.list({ enabled: true, authMethod: 'client_secret' }).clients.map((c) => c.clientId)).toEqual(['c1', 'c2', 'c4']);
  });
});
