import { psql } from './psql';
import { TEST_DATABASE_URL_ENV } from './local-postgres';
import { createTestDatabase, type TestDatabase } from './test-database';

// The integration globalSetup's PostgreSQL, and the per-suite databases the store's suites use.
describe('createTestDatabase on the tests\' PostgreSQL', () => {
  const created: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of created) await db.drop();
  });

  it('is given a server URL by the globalSetup', () => {
    expect(process.env[TEST_DATABASE_URL_ENV]).toMatch(/^postgres(ql)?:\/\//);
  });

  it('creates separate empty databases that accept tables, and drops them', async () => {
    const [a, b] = await Promise.all([createTestDatabase('test_support_a'), createTestDatabase('test_support_b')]);
    created.push(a, b);
    expect(a.name).not.toBe(b.name);
    await psql(a.url, 'CREATE TABLE t (id integer PRIMARY KEY); INSERT INTO t VALUES (1), (2)');
    expect(await psql(a.url, 'SELECT count(*) FROM t')).toBe('2');
    expect(await psql(b.url, "SELECT count(*) FROM information_schema.tables WHERE table_name = 't'")).toBe('0');

    await a.drop();
    await a.drop();
    const server = process.env[TEST_DATABASE_URL_ENV]!;
    expect(await psql(server, `SELECT count(*) FROM pg_database WHERE datname IN ('${a.name}', '${b.name}')`)).toBe('1');
  });
});
