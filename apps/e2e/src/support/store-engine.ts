import { createTestDatabase, type TestDatabase, type TestStoreEngine } from '@revmesh/test-support';

/**
 * Selects the store engine of the authorities an e2e test file starts. Read per test file (jest
 * gives each file its own copy of `process.env`), so a `*.postgres.int.spec.ts` file can run
 * another suite's tests on PostgreSQL by setting it before importing that suite
 * (see `./on-postgres.ts`); unset, the authorities store into SQLite.
 */
export const E2E_STORE_ENGINE_ENV = 'REVMESH_E2E_STORE_ENGINE';

/** The engine this test file's authorities store into: `postgres` when {@link E2E_STORE_ENGINE_ENV} says so, else `sqlite`. */
export function e2eStoreEngine(): TestStoreEngine {
  return process.env[E2E_STORE_ENGINE_ENV] === 'postgres' ? 'postgres' : 'sqlite';
}

/**
 * On PostgreSQL, a fresh database of its own on the tests' server (drop it when done); on SQLite,
 * undefined (the authority uses its data folder).
 */
export async function e2eDatabase(prefix: string): Promise<TestDatabase | undefined> {
  return e2eStoreEngine() === 'postgres' ? createTestDatabase(prefix) : undefined;
}
