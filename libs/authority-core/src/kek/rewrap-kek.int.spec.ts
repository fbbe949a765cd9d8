import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, compactVerify, createLocalJWKSet } from 'jose';
import { createTestDatabase, type TestDatabase } from '@revmesh/test-support';
import { openAuthorityCore, type AuthorityCore } from '../authority-core';
import { verifyAuditStore } from '../audit/verify-audit-store';
import { KeyUnwrapError } from '../errors/errors';
import { openStore } from '../store/store';
import { rewrapKek } from './rewrap-kek';

const OPERATOR = { kind: 'operator' as const, id: 'ops' };

/** KEK rotation of an authority whose store is PostgreSQL, through a real server. */
describe('KEK rotation on PostgreSQL (rewrapKek with a databaseUrl)', () => {
  let db: TestDatabase;
  let dir: string;
  const open = (kek: Buffer): Promise<AuthorityCore> =>
    openAuthorityCore({ dataDir: dir, database: { url: db.url }, kek, issuer: 'https://authority.test', accessTokenTtlSeconds: 300, topicPrefix: 'test.' });
  // Read with a store of its own: the core is closed while the command runs, as in production.
  const sealedRows = (): { kid: string; sealed_key: string }[] => {
    const store = openStore({ databaseUrl: db.url });
    try {
      return store.db.prepare<[], { kid: string; sealed_key: string }>('SELECT kid, sealed_key FROM signing_keys UNION ALL SELECT kid, sealed_key FROM event_signers ORDER BY kid').all();
    } finally {
      store.close();
    }
  };

  beforeEach(async () => {
    db = await createTestDatabase('kek_rewrap');
    dir = mkdtempSync(join(tmpdir(), 'revmesh-kek-rewrap-'));
  });
  afterEach(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-wraps the sealed keys in the database; the authority opens them with the new KEK only, and the rotation is audited', async () => {
    const kek = randomBytes(32);
    const first = await open(kek);
    const kids = first.keyStates().map((k) => k.kid);
    const signer = first.eventSigners.currentKid();
    const jwks = first.keys.jwks();
    first.close();
    const before = sealedRows();

    const newKek = randomBytes(32);
    expect(rewrapKek({ databaseUrl: db.url, currentKek: kek, newKek, actor: OPERATOR, reason: 'yearly KEK rotation' })).toMatchObject({
      tokenKeys: 2,
      eventSigners: 1,
      operatorTotpSecrets: 0,
    });

    const after = sealedRows();
    expect(after.map((r) => r.kid)).toEqual(before.map((r) => r.kid));
    expect(after.map((r) => r.sealed_key)).not.toEqual(before.map((r) => r.sealed_key));
    // Only the wrapping changed: the data key's ciphertext of the key material is the same.
    const ciphertexts = (rows: { sealed_key: string }[]) => rows.map((r) => (JSON.parse(r.sealed_key) as { ciphertext: string }).ciphertext);
    expect(ciphertexts(after)).toEqual(ciphertexts(before));

    await expect(open(kek)).rejects.toBeInstanceOf(KeyUnwrapError);
    const core = await open(newKek);
    try {
      expect(core.keyStates().map((k) => k.kid)).toEqual(kids);
      expect(core.eventSigners.currentKid()).toBe(signer);
      expect(core.keys.jwks()).toEqual(jwks);
      // The re-opened private key still matches the published public key.
      const jws = await new CompactSign(Buffer.from('x')).setProtectedHeader({ alg: 'ES256', kid: core.keys.active.kid }).sign(core.keys.active.privateKey);
      await expect(compactVerify(jws, createLocalJWKSet({ keys: [...jwks.keys] }))).resolves.toBeDefined();
      expect(core.admin.recent(1)[0]).toMatchObject({ action: 'kek.rewrap', actor: OPERATOR, reason: 'yearly KEK rotation', details: { token_keys: 2, event_signers: 1 } });
    } finally {
      core.close();
    }
    // The rotation's entry joined the audit chain in the same database.
    expect((await verifyAuditStore({ databaseUrl: db.url })).chain.ok).toBe(true);
  });

  it('refuses a wrong current KEK and changes nothing in the database', async () => {
    const kek = randomBytes(32);
    (await open(kek)).close();
    const before = sealedRows();
    expect(() => rewrapKek({ databaseUrl: db.url, currentKek: randomBytes(32), newKek: randomBytes(32), actor: OPERATOR, reason: 'r' })).toThrow(
      /current KEK does not open .* Nothing was changed/,
    );
    expect(sealedRows()).toEqual(before);
    const core = await open(kek);
    try {
      expect(core.admin.recent(10).map((a) => a.action)).not.toContain('kek.rewrap');
    } finally {
      core.close();
    }
  });
});
