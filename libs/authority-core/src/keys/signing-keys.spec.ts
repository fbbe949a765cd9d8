import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, CompactSign } from 'jose';
import { KeyUnwrapError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { loadSigningKeys } from './signing-keys';

describe('loadSigningKeys', () => {
  let dir: string;
  let store: AuthorityStore;
  const kek = randomBytes(32);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-keys-'));
    store = openStore({ dataDir: dir });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = (): { kid: string; sealed_key: string; public_jwk: string }[] =>
    store.db.prepare('SELECT kid, sealed_key, public_jwk FROM signing_keys').all() as {
      kid: string;
      sealed_key: string;
      public_jwk: string;
    }[];

  it('generates an ES256 key at first start, with kid = RFC 7638 thumbprint, stored sealed', async () => {
    const keys = await loadSigningKeys({ store, kek });
    expect(keys.active.alg).toBe('ES256');
    expect(keys.active.kid).toBe(await calculateJwkThumbprint(keys.active.publicJwk, 'sha256'));
    const stored = rows();
    expect(stored).toHaveLength(1);
    const sealed = JSON.parse(stored[0]!.sealed_key) as Record<string, unknown>;
    expect(Object.keys(sealed).sort()).toEqual(
      ['alg', 'ciphertext', 'dek_iv', 'dek_tag', 'iv', 'tag', 'version', 'wrapped_dek'].sort(),
    );
    expect(stored[0]!.public_jwk).not.toContain('"d"');
  });

  it('publishes only public members in the JWKS, and they verify what the private key signs', async () => {
    const keys = await loadSigningKeys({ store, kek });
    const jwks = keys.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const jws = await new CompactSign(Buffer.from('hello'))
      .setProtectedHeader({ alg: 'ES256', kid: keys.active.kid })
      .sign(keys.active.privateKey);
    const { payload } = await compactVerify(jws, createLocalJWKSet({ keys: [...jwks.keys] }));
    expect(Buffer.from(payload).toString()).toBe('hello');
  });

  it('imports the private key as non-extractable', async () => {
    const keys = await loadSigningKeys({ store, kek });
    expect(keys.active.privateKey.extractable).toBe(false);
  });

  it('loads the same key on the next start', async () => {
    const first = await loadSigningKeys({ store, kek });
    const second = await loadSigningKeys({ store, kek });
    expect(second.active.kid).toBe(first.active.kid);
    expect(rows()).toHaveLength(1);
  });

  it('fails with KeyUnwrapError under a wrong KEK and overwrites nothing', async () => {
    await loadSigningKeys({ store, kek });
    const before = rows();
    const failure = loadSigningKeys({ store, kek: randomBytes(32) });
    await expect(failure).rejects.toBeInstanceOf(KeyUnwrapError);
    await expect(failure).rejects.toThrow(/KEK this data folder was created with/);
    expect(rows()).toEqual(before);
  });

  it('refuses a row whose kid was changed', async () => {
    const { active } = await loadSigningKeys({ store, kek });
    store.db.prepare('UPDATE signing_keys SET kid = ?').run('forged');
    // The kid is bound into the envelope as AAD, so the altered row no longer opens at all.
    await expect(loadSigningKeys({ store, kek })).rejects.toBeInstanceOf(KeyUnwrapError);
    expect(active.kid).not.toBe('forged');
  });
});
