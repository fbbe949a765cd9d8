import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { finishClient, type Libpq } from '../store/postgres-connection';

/**
 * Which engine the authority-core specs open their stores on: `REVMESH_TEST_STORE_ENGINE=postgres`
 * runs them on PostgreSQL (the server `REVMESH_TEST_DATABASE_URL` names, as the integration
 * globalSetup exports it), anything else on SQLite. E.g.
 * `REVMESH_TEST_STORE_ENGINE=postgres REVMESH_TEST_DATABASE_URL=postgres://…/postgres npx jest libs/authority-core --selectProjects unit`.
 */
export const TEST_STORE_ENGINE_ENV = 'REVMESH_TEST_STORE_ENGINE';
const SERVER_URL_ENV = 'REVMESH_TEST_DATABASE_URL';


let workerDatabase: string | undefined;

function admin(url: string, sql: string): void {
  const Client = createRequire(__filename)('libpq') as new () => Libpq;
  const client = new Client();
  client.connectSync(url);
  try {
    client.exec(sql);
    const error = client.resultErrorMessage();
    if (error !== '') throw new Error(`${error.trim()} (in: ${sql})`);
  } finally {
    finishClient(client);
  }
}

function withDatabase(serverUrl: string, database: string, schema?: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const base = url.toString();
  return schema === undefined ? base : `${base}${base.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
}

/**
 * The store options of a spec's data folder on the engine under test: `{ dataDir }` on SQLite;
 * on PostgreSQL also a `databaseUrl` whose schema (search_path) belongs to that folder, so a
 * store reopened on the same folder finds its data. One database per jest worker, dropped when
 * the worker exits.
 */
export function testStoreOptions(dataDir: string): { readonly dataDir: string; readonly databaseUrl?: string } {
  if (process.env[TEST_STORE_ENGINE_ENV] !== 'postgres') return { dataDir };
  const serverUrl = process.env[SERVER_URL_ENV];
  if (serverUrl === undefined || serverUrl === '') throw new Error(`${TEST_STORE_ENGINE_ENV}=postgres needs ${SERVER_URL_ENV} (a server where tests may CREATE DATABASE)`);
  if (workerDatabase === undefined) {
    const name = `core_specs_${randomBytes(6).toString('hex')}`;
    admin(serverUrl, `CREATE DATABASE ${name}`);
    workerDatabase = name;
    // psql, not the native binding: a connection made while the process exits upsets libuv's teardown.
    process.once('exit', () => spawnSync('psql', [serverUrl, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'ignore' }));
  }
  const schema = `s_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  admin(withDatabase(serverUrl, workerDatabase), `CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return { dataDir, databaseUrl: withDatabase(serverUrl, workerDatabase, schema) };
}
