import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CompactSign, compactVerify, createLocalJWKSet } from 'jose';
import { KeyUnwrapError } from '../errors/errors';
import { DATABASE_FILE } from '../store/store';
import { openCoreFixture, type CoreFixture } from '../testing/core-fixture.spec-helper';
import { rewrapKek } from './rewrap-kek';

const OPERATOR = { kind: 'operator' as const, id: 'ops' };

describe('KEK rotation (rewrapKek)', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await openCoreFixture();
  });
  afterEach(() => f.cleanup());

  // Read straight from the file: the core is closed while the command runs, as in production.
  const sealedRows = (): unknown[] => {
    const db = new Database(join(f.dir, DATABASE_FILE), { readonly: true });
    try {
      return db.prepare('SELECT kid, sealed_key FROM signing_keys UNION ALL SELECT kid, sealed_key FROM event_signers ORDER BY kid').all();
    } finally {
      db.close();
    }
  };

  it('re-wraps every private key under the new KEK without changing the keys; the old KEK no longer opens them', async () => {
    const kids = f.core.keyStates().map((k) => k.kid);
    const signer = f.core.eventSigners.currentKid();
    const jwks = f.core.keys.jwks();
    const before = sealedRows();
    f.core.close();

    const newKek = randomBytes(32);
    expect(rewrapKek({ dataDir: f.dir, currentKek: f.kek, newKek, actor: OPERATOR, reason: 'yearly KEK rotation' })).toMatchObject({
      tokenKeys: 2,
      eventSigners: 1,
      operatorTotpSecrets: 0,
    });

    const after = sealedRows();
    expect(after).not.toEqual(before);
    // Only the wrapping changed: the data key's ciphertext of the key material is the same.
    const ciphertexts = (rows: unknown[]) => rows.map((r) => (JSON.parse((r as { sealed_key: string }).sealed_key) as { ciphertext: string }).ciphertext);
    expect(ciphertexts(after)).toEqual(ciphertexts(before));

    await expect(f.reopen()).rejects.toBeInstanceOf(KeyUnwrapError);
    await f.reopen({ kek: newKek });
    expect(f.core.keyStates().map((k) => k.kid)).toEqual(kids);
    expect(f.core.eventSigners.currentKid()).toBe(signer);
    expect(f.core.keys.jwks()).toEqual(jwks);
    // The re-opened private key still matches the published public key.
    const jws = await new CompactSign(Buffer.from('x')).setProtectedHeader({ alg: 'ES256', kid: f.core.keys.active.kid }).sign(f.core.keys.active.privateKey);
    await expect(compactVerify(jws, createLocalJWKSet({ keys: [...jwks.keys] }))).resolves.toBeDefined();
    expect(f.core.admin.recent(1)[0]).toMatchObject({ action: 'kek.rewrap', actor: OPERATOR, reason: 'yearly KEK rotation', details: { token_keys: 2, event_signers: 1 } });
  });

  it('refuses a wrong current KEK with a clear error and changes nothing', () => {
    const before = sealedRows();
    f.core.close();
    let error: unknown;
    try {
      rewrapKek({ dataDir: f.dir, currentKek: randomBytes(32), newKek: randomBytes(32), actor: OPERATOR, reason: 'r' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyUnwrapError);
    expect((error as Error).message).toMatch(/current KEK does not open .* Nothing was changed/);
    return f.reopen().then(() => {
      expect(sealedRows()).toEqual(before);
      expect(f.core.admin.recent(10).map((a) => a.action)).not.toContain('kek.rewrap');
    });
  });

  it('refuses the same KEK twice (a typo, not a rotation)', () => {
    f.core.close();
    expect(() => rewrapKek({ dataDir: f.dir, currentKek: f.kek, newKek: Buffer.from(f.kek), actor: OPERATOR, reason: 'r' })).toThrow(TypeError);
  });
});
