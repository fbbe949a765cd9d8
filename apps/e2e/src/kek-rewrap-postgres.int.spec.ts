import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@revmesh/test-support';
import { runCommand } from './support/authority-command';
import { issueToken, kidOf, startAuthority, type AuthorityHandle } from './support/authority-process';
import { uniquePrefix } from './support/wait';

/**
 * `npm run kek:rewrap` on an authority whose store is PostgreSQL: the real command re-wraps the
 * sealed keys in the database, the authority then starts with the new KEK only, and keeps
 * signing with the same keys.
 */
describe('KEK rotation of an authority on PostgreSQL (kek:rewrap)', () => {
  let db: TestDatabase;
  let authority: AuthorityHandle | undefined;
  beforeAll(async () => {
    db = await createTestDatabase('e2e_kek_rewrap');
  });
  afterAll(async () => {
    await authority?.process.stop();
    await db?.drop();
  });

  it('re-wraps the keys in the database; the authority starts with the new KEK and signs with the same keys; the old KEK no longer opens them', async () => {
    const started = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('kek-rewrap'), extraEnv: { REVMESH_DATABASE_URL: db.url } });
    authority = started;
    const kid = kidOf(await issueToken(started));
    const jwks = await (await fetch(`${started.url}/.well-known/jwks.json`)).json();
    expect(await started.process.stop()).toBe(0);
    authority = undefined;

    const oldKek = started.env['REVMESH_KEK']!;
    const newKek = randomBytes(32).toString('base64');
    // The data folder is named too: the URL, not the folder, must decide where the keys are.
    const exit = await runCommand('rewrap-kek.js', ['--database-url', db.url, '--reason', 'yearly KEK rotation'], {
      REVMESH_DATA_DIR: started.dataDir,
      REVMESH_KEK: oldKek,
      REVMESH_NEW_KEK: newKek,
    });
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    // The TOTP secret is the bootstrapped security-admin's.
    expect(exit.stdout).toMatch(/re-wrapped 2 token-signing key\(s\), 1 event signer\(s\) and 1 operator TOTP secret\(s\) in postgres:\/\/.* under the new KEK/);

    const again = await runCommand('rewrap-kek.js', [], { REVMESH_DATABASE_URL: db.url, REVMESH_KEK: oldKek, REVMESH_NEW_KEK: randomBytes(32).toString('base64') });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/the current KEK does not open .* Nothing was changed/);

    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: started.env['REVMESH_TOPIC_PREFIX']!, previous: { ...started, env: { ...started.env, REVMESH_KEK: newKek } } });
    expect(await (await fetch(`${authority.url}/.well-known/jwks.json`)).json()).toEqual(jwks);
    expect(kidOf(await issueToken(authority))).toBe(kid);
    // The command's audit entry joined the chain in the database (its content: rewrap-kek.int.spec.ts).
    const verified = await runCommand('audit-verify.js', ['--database-url', db.url, '--json'], {});
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
  });
});
