import path from 'node:path';
import { findRepoRoot, lastLine, runRepoScript, type ScriptResult } from '../process/repo-script';
import { startState } from '../process/start-state';
import { psql, redact } from './psql';

/** Where the tests' PostgreSQL is, and whether this process started it (and so must stop it). */
export interface LocalPostgres {
  /** A server URL where tests may `CREATE DATABASE` (its user is a superuser). */
  readonly url: string;
  readonly startedHere: boolean;
}

/** The environment variable naming the tests' PostgreSQL server; set by the integration globalSetup. */
export const TEST_DATABASE_URL_ENV = 'REVMESH_TEST_DATABASE_URL';

/** How long a server named by REVMESH_TEST_DATABASE_URL may take to answer. */
const EXTERNAL_TIMEOUT_MS = 30_000;
/** postgres.sh bounds its own start (POSTGRES_START_TIMEOUT); this backstop covers a slow initdb too. */
const SCRIPT_BACKSTOP_MS = 3 * 60_000;
const SERVER_URL = /^postgres(ql)?:\/\/\S+$/;
/** Printed to stderr by `postgres.sh start` when, and only when, it launches the server. */
const LAUNCHED_LINE = /^postgres\.sh: starting PostgreSQL /m;

/**
 * Makes sure a PostgreSQL server is reachable for integration tests.
 *
 * If `REVMESH_TEST_DATABASE_URL` is set (e.g. `postgres://revmesh@127.0.0.1:15432/postgres`) that
 * server is used and only checked. Otherwise the repo's server is started with
 * `deploy/postgres/postgres.sh start` (a no-op when it already runs). Like Kafka, a missing
 * PostgreSQL is an error, not a skip: the message says what to install or set.
 *
 * @returns the server URL, and `startedHere: true` only when this call launched the server.
 * @throws if the named server does not answer, or postgres.sh fails (its output is in the message).
 */
export async function ensurePostgres(): Promise<LocalPostgres> {
  const fromEnv = process.env[TEST_DATABASE_URL_ENV]?.trim();
  if (fromEnv) {
    try {
      await waitForPostgres(fromEnv, EXTERNAL_TIMEOUT_MS);
    } catch (error) {
      throw new Error(`${TEST_DATABASE_URL_ENV}=${redact(fromEnv)} is set but unusable (unset it to start a local PostgreSQL). ${errorText(error)}`);
    }
    return { url: fromEnv, startedHere: false };
  }

  const script = postgresScript();
  const start = await runScript(script, 'start');
  if (start.code !== 0) {
    throw new Error(
      `${script} start failed (exit ${start.code}); install PostgreSQL (apt-get install -y --no-install-recommends postgresql) or set ${TEST_DATABASE_URL_ENV} to a server URL:\n${start.stderr}${start.stdout}`,
    );
  }
  const url = lastLine(start.stdout);
  if (!SERVER_URL.test(url)) {
    throw new Error(`${script} start printed no URL:\n${start.stderr}${start.stdout}`);
  }
  // The script waited for pg_isready; this proves a client can log in and run SQL too.
  await waitForPostgres(url, EXTERNAL_TIMEOUT_MS);
  // Only the server this call launched is ours to stop (postgres.sh prints the line only then).
  const startedHere = LAUNCHED_LINE.test(start.stderr);
  startState('local-postgres').startedHere ||= startedHere;
  return { url, startedHere };
}

/**
 * Stops the local server if {@link ensurePostgres} launched it in this process; leaves one that was
 * already running (or named by REVMESH_TEST_DATABASE_URL) alone.
 *
 * @returns true if a server was stopped.
 */
export async function stopPostgresIfStartedHere(): Promise<boolean> {
  const state = startState('local-postgres');
  if (!state.startedHere) return false;
  const script = postgresScript();
  const stop = await runScript(script, 'stop');
  if (stop.code !== 0) {
    throw new Error(`${script} stop failed (exit ${stop.code}):\n${stop.stderr}${stop.stdout}`);
  }
  state.startedHere = false;
  return true;
}

/**
 * Resolves once `url` accepts a login and answers `SELECT 1`; retries until `timeoutMs` has passed.
 *
 * @throws an Error naming the server and the last failure on timeout.
 */
export async function waitForPostgres(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('no attempt made');
  do {
    try {
      if ((await psql(url, 'SELECT 1', 10_000)) === '1') return;
      lastError = new Error('SELECT 1 did not answer 1');
    } catch (error) {
      lastError = error;
      // psql itself missing will not fix itself: fail at once.
      if (errorText(error).includes('psql not found')) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  } while (Date.now() < deadline);
  throw new Error(`PostgreSQL at ${redact(url)} did not answer within ${timeoutMs} ms: ${errorText(lastError)}`);
}

function postgresScript(): string {
  return path.join(findRepoRoot(), 'deploy', 'postgres', 'postgres.sh');
}

function runScript(script: string, command: 'start' | 'stop'): Promise<ScriptResult> {
  return runRepoScript(script, command, SCRIPT_BACKSTOP_MS);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
