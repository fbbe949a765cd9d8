import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDpopKey, type TestDpopKey } from '@revmesh/test-support';
import { DpopProofError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { checkRefreshTokenBinding, createDpopTokenBinding, refreshTokenJkt, type DpopTokenBinding } from './dpop-token-binding';
import { createClientDpopRequirement } from './client-dpop-requirement';

const T0 = 1_800_000_000_000;
const TOKEN_URL = 'https://auth.example.com/oauth/token';

describe('createDpopTokenBinding (token endpoint, RFC 9449 §5)', () => {
  let dir: string;
  let store: AuthorityStore;
  let now = T0;
  let key: TestDpopKey;
  const clock = { now: () => now };
  beforeEach(async () => {
    now = T0;
    dir = mkdtempSync(join(tmpdir(), 'revmesh-dpop-'));
    store = openStore({ dataDir: dir });
    store.db
      .prepare("INSERT INTO clients (client_id, auth_method, audiences, scopes, created_at, updated_at) VALUES (?, 'client_secret', '[\"api\"]', '[]', 1, 1)")
      .run('svc');
    key = await createTestDpopKey({ now: clock.now });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const binding = (extra: Partial<Parameters<typeof createDpopTokenBinding>[0]> = {}): DpopTokenBinding => createDpopTokenBinding({ store, clock, ...extra });
  const request = async (proofs?: string[]) => ({ proofs: proofs ?? [await key.proof({ htm: 'POST', htu: TOKEN_URL })], method: 'POST', url: TOKEN_URL, clientId: 'svc' });
  const refusal = async (run: Promise<unknown>): Promise<DpopProofError> => {
    try {
      await run;
    } catch (error) {
      if (error instanceof DpopProofError) return error;
      throw error;
    }
    throw new Error('expected a DpopProofError');
  };

  it('binds to the proof key, and issues a bearer token (undefined) when no proof is sent', async () => {
    const dpop = binding();
    expect(await dpop.bind(await request())).toEqual({ jkt: key.jkt });
    expect(await dpop.bind(await request([]))).toBeUndefined();
    expect(dpop.algorithms).toContain('ES256');
    expect(dpop.nonce()).toBeUndefined();
  });

  it('refuses a replayed proof, two proofs, a proof for another URL or method, and a stale proof (invalid_dpop_proof)', async () => {
    const dpop = binding();
    const proof = await key.proof({ htm: 'POST', htu: TOKEN_URL });
    await dpop.bind(await request([proof]));
    expect(await refusal(dpop.bind(await request([proof])))).toMatchObject({ oauthError: 'invalid_dpop_proof', message: expect.stringContaining('already used') });
    expect((await refusal(dpop.bind(await request([proof, proof])))).oauthError).toBe('invalid_dpop_proof');
    expect((await refusal(dpop.bind(await request([await key.proof({ htm: 'POST', htu: 'https://auth.example.com/other' })])))).message).toMatch(/htu|not https/);
    expect((await refusal(dpop.bind(await request([await key.proof({ htm: 'GET', htu: TOKEN_URL })])))).oauthError).toBe('invalid_dpop_proof');
    expect((await refusal(dpop.bind(await request([await key.proof({ htm: 'POST', htu: TOKEN_URL, iat: T0 / 1000 - 120 })])))).message).toMatch(/older/);
  });

  it('asks for a nonce when nonces are required (use_dpop_nonce + the nonce), then binds', async () => {
    const dpop = binding({ nonce: { secret: new Uint8Array(32).fill(3) } });
    const first = await refusal(dpop.bind(await request()));
    expect(first.oauthError).toBe('use_dpop_nonce');
    expect(first.nonce).toBe(dpop.nonce());
    expect(await dpop.bind(await request([await key.proof({ htm: 'POST', htu: TOKEN_URL, nonce: first.nonce! })]))).toEqual({ jkt: key.jkt });
  });

  it('refuses a key with a jkt revocation in force, not one whose rule expired or names another issuer', async () => {
    const insert = store.db.prepare(
      "INSERT INTO revocations (id, target_type, target_value, iss, reason, actor_kind, actor_id, revoked_at, not_after_iat, expires_at) VALUES (?, 'jkt', ?, ?, 'stolen', 'operator', 'op', ?, ?, ?)",
    );
    insert.run('r-other-iss', key.jkt, 'https://idp.example.com', T0, T0 / 1000, T0 + 60_000);
    expect(await binding().bind(await request())).toEqual({ jkt: key.jkt });
    insert.run('r1', key.jkt, null, T0, T0 / 1000, T0 + 60_000);
    expect((await refusal(binding().bind(await request()))).message).toMatch(/revoked/);
    now = T0 + 60_001;
    expect(await binding().bind(await request())).toEqual({ jkt: key.jkt });
  });

  it('refuses a request without a proof from a client registered with dpop_bound_access_tokens, audited when set', async () => {
    const audit = { append: jest.fn() };
    const requirement = createClientDpopRequirement({ store, audit: audit as never, clock });
    expect(requirement.get('svc')).toBe(false);
    requirement.set('svc', true, { actor: { kind: 'operator', id: 'op' }, role: 'security-admin', justification: 'j', requestId: null, sourceAddress: null } as never);
    expect(requirement.get('svc')).toBe(true);
    expect(audit.append).toHaveBeenCalledWith(expect.objectContaining({ action: 'clients.dpop-requirement', target: 'svc', details: { dpop_bound_access_tokens: true, before: false } }));
    expect((await refusal(binding().bind(await request([])))).message).toMatch(/must send a DPoP proof/);
    expect(await binding().bind(await request())).toEqual({ jkt: key.jkt });
    expect(() => requirement.get('nope')).toThrow(/no client/);
  });
});

describe('refresh-token binding (RFC 9449 §5)', () => {
  it('binds the refresh tokens of public clients only', () => {
    expect(refreshTokenJkt({ isPublic: true }, { jkt: 'k' })).toBe('k');
    expect(refreshTokenJkt({ isPublic: false }, { jkt: 'k' })).toBeUndefined();
    expect(refreshTokenJkt({ isPublic: true }, undefined)).toBeUndefined();
  });

  it('a bound refresh token needs a proof of the same key; an unbound one needs none', () => {
    expect(() => checkRefreshTokenBinding(null, undefined)).not.toThrow();
    expect(() => checkRefreshTokenBinding('k', { jkt: 'k' })).not.toThrow();
    expect(() => checkRefreshTokenBinding('k', undefined)).toThrow(DpopProofError);
    expect(() => checkRefreshTokenBinding('k', { jkt: 'other' })).toThrow(/another DPoP key/);
  });
});
