import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, CompactSign } from 'jose';
import { KeyUnwrapError } from '../errors/errors';
import { openCoreFixture, type CoreFixture } from '../testing/core-fixture.spec-helper';

describe('signing keys (key ring)', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await openCoreFixture();
  });
  afterEach(() => f.cleanup());

  const rows = (): { kid: string; state: string; sealed_key: string; public_jwk: string }[] =>
    f.core.store.db.prepare('SELECT kid, state, sealed_key, public_jwk FROM signing_keys ORDER BY created_at, kid').all() as {
      kid: string;
      state: string;
      sealed_key: string;
      public_jwk: string;
    }[];

  it('generates an active ES256 key and a pending standby at first start, kid = RFC 7638 thumbprint, stored sealed', async () => {
    const keys = f.core.keys;
    expect(keys.active.alg).toBe('ES256');
    expect(keys.active.kid).toBe(await calculateJwkThumbprint(keys.active.publicJwk, 'sha256'));
    const stored = rows();
    expect(stored.map((r) => r.state).sort()).toEqual(['active', 'pending']);
    for (const row of stored) {
      const sealed = JSON.parse(row.sealed_key) as Record<string, unknown>;
      expect(Object.keys(sealed).sort()).toEqual(['alg', 'ciphertext', 'dek_iv', 'dek_tag', 'iv', 'tag', 'version', 'wrapped_dek'].sort());
      expect(row.public_jwk).not.toContain('"d"');
    }
  });

  it('publishes active and pending keys in the JWKS, public members only, and they verify what the active key signs', async () => {
    const jwks = f.core.keys.jwks();
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual(rows().map((r) => r.kid).sort());
    for (const key of jwks.keys) expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const jws = await new CompactSign(Buffer.from('hello'))
      .setProtectedHeader({ alg: 'ES256', kid: f.core.keys.active.kid })
      .sign(f.core.keys.active.privateKey);
    const { payload } = await compactVerify(jws, createLocalJWKSet({ keys: [...jwks.keys] }));
    expect(Buffer.from(payload).toString()).toBe('hello');
  });

  it('imports private keys as non-extractable', () => {
    expect(f.core.keys.active.privateKey.extractable).toBe(false);
  });

  it('loads the same keys on the next start, generating nothing', async () => {
    const kid = f.core.keys.active.kid;
    const before = rows();
    f.core.close();
    await f.reopen();
    expect(f.core.keys.active.kid).toBe(kid);
    expect(rows()).toEqual(before);
  });

  it('fails with KeyUnwrapError under a wrong KEK and overwrites nothing', async () => {
    const before = rows();
    const signers = f.core.store.db.prepare('SELECT * FROM event_signers').all();
    f.core.close();
    const failure = f.reopen({ kek: randomBytes(32) });
    await expect(failure).rejects.toBeInstanceOf(KeyUnwrapError);
    await expect(failure).rejects.toThrow(/KEK this data folder was created with/);
    await f.reopen();
    expect(rows()).toEqual(before);
    expect(f.core.store.db.prepare('SELECT * FROM event_signers').all()).toEqual(signers);
  });

  it('refuses a row whose kid was changed', async () => {
    const kid = f.core.keys.active.kid;
    f.core.store.db.prepare('UPDATE signing_keys SET kid = ? WHERE kid = ?').run('forged', kid);
    f.core.close();
    // The kid is bound into the envelope as AAD, so the altered row no longer opens at all.
    await expect(f.reopen()).rejects.toBeInstanceOf(KeyUnwrapError);
  });
});
