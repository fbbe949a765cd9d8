import { randomBytes } from 'node:crypto';
import { TEST_DATABASE_URL_ENV } from './local-postgres';
import { psql, redact } from './psql';

/** A database of its own for one suite (or test), on the tests' PostgreSQL server. */
export interface TestDatabase {
  /** The database's name: `<prefix>_<12 hex>`, lower case. */
  readonly name: string;
  /** Its URL: the server URL with the database name as path (user, host, port, query kept). */
  readonly url: string;
  /** Drops it, closing whatever connections are left (`WITH (FORCE)`). Idempotent. */
  drop(): Promise<void>;
}

/** PostgreSQL's identifier limit (NAMEDATALEN - 1). */
const MAX_NAME = 63;

/**
 * The name {@link createTestDatabase} uses for `prefix`: lower-cased, anything but `[a-z0-9_]`
 * turned into `_`, shortened so that `_` and 12 random hex digits fit in 63 characters.
 */
export function testDatabaseName(prefix: string, random: string = randomBytes(6).toString('hex')): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z_]+/, '');
  const head = (clean === '' ? 'test' : clean).slice(0, MAX_NAME - random.length - 1);
  return `${head}_${random}`;
}

/**
 * `serverUrl` with `database` as its path: `postgres://u@h:p/postgres?x=1` → `postgres://u@h:p/<database>?x=1`.
 */
export function databaseUrl(serverUrl: string, database: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/**
 * Creates a fresh, empty database on the server named by `REVMESH_TEST_DATABASE_URL` (which the
 * integration globalSetup sets, starting PostgreSQL if needed), so parallel suites never share
 * tables. Call it in `beforeAll` and `drop()` it in `afterAll`:
 *
 * ```ts
 * let db: TestDatabase;
 * beforeAll(async () => { db = await createTestDatabase('store_contract'); });
 * afterAll(() => db.drop());
 * // … openStore({ databaseUrl: db.url }) …
 * ```
 *
 * @param prefix a readable part of the name (e.g. the suite's), so a leftover database says whose it is.
 * @param serverUrl default: `process.env.REVMESH_TEST_DATABASE_URL`.
 * @throws if no server URL is known, or `CREATE DATABASE` fails (psql's message included).
 */
export async function createTestDatabase(prefix: string, serverUrl: string | undefined = process.env[TEST_DATABASE_URL_ENV]): Promise<TestDatabase> {
  if (serverUrl === undefined || serverUrl.trim() === '') {
    throw new Error(`${TEST_DATABASE_URL_ENV} is not set: run the suite in jest's integration project (its globalSetup starts PostgreSQL), or set it to a server URL`);
  }
  const name = testDatabaseName(prefix);
  const url = databaseUrl(serverUrl, name);
  // The name is [a-z0-9_] only (testDatabaseName), so quoting it is enough.
  await psql(serverUrl, `CREATE DATABASE "${name}"`);
  let dropped = false;
  return {
    name,
    url,
    drop: async () => {
      if (dropped) return;
      await psql(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch((error: unknown) => {
        throw new Error(`cannot drop test database ${name} on ${redact(serverUrl)}: ${error instanceof Error ? error.message : String(error)}`);
      });
      dropped = true;
    },
  };
}
