import { TEST_DATABASE_URL_ENV } from './local-postgres';

/** A store engine the authority's store contract tests run on. */
export type TestStoreEngine = 'sqlite' | 'postgres';

/**
 * The engines the store's contract tests run on: SQLite always; PostgreSQL when a server URL is
 * known (`REVMESH_TEST_DATABASE_URL`, which the integration globalSetup always sets, starting
 * PostgreSQL if needed). Under `CI=true` a missing PostgreSQL is a failure, never a silent skip.
 * Use in `describe.each(storeEnginesUnderTest())`.
 *
 * @throws when `CI=true` and no PostgreSQL URL is set.
 */
export function storeEnginesUnderTest(env: NodeJS.ProcessEnv = process.env): TestStoreEngine[] {
  const url = env[TEST_DATABASE_URL_ENV]?.trim();
  if (url !== undefined && url !== '') return ['sqlite', 'postgres'];
  if (env['CI'] === 'true') {
    throw new Error(`${TEST_DATABASE_URL_ENV} is not set under CI=true: the store's PostgreSQL contract tests must run (the integration project's globalSetup sets it)`);
  }
  return ['sqlite'];
}
