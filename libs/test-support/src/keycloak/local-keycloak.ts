import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findRepoRoot, lastLine, runRepoScript } from '../process/repo-script';
import { demoRealm } from './demo-realm';

/** Where the tests' Keycloak is, and whether this call started it. */
export interface LocalKeycloak {
  /** Base URL, e.g. `http://127.0.0.1:18080` (no trailing slash). */
  readonly url: string;
  /** The demo realm's issuer: `<url>/realms/<realm>`, the `iss` of its tokens. */
  readonly issuer: string;
  /** True only when this call launched Keycloak. */
  readonly startedHere: boolean;
}

/** How long a Keycloak named by KEYCLOAK_URL may take to serve the demo realm. */
const EXTERNAL_TIMEOUT_MS = 30_000;
/** keycloak.sh bounds its own start (KEYCLOAK_START_TIMEOUT); this backstop also covers a first fetch and build. */
const SCRIPT_BACKSTOP_MS = 10 * 60_000;
const BASE_URL = /^https?:\/\/[A-Za-z0-9.:[\]-]+$/;
/** Printed to stderr by `keycloak.sh start` when, and only when, it launches Keycloak. */
const LAUNCHED_LINE = /^keycloak\.sh: starting Keycloak /m;
/** Set by the integration globalSetup; names the jest run that may stop what its workers started. */
const RUN_ID_ENV = 'REVMESH_TEST_RUN_ID';
/** In KEYCLOAK_RUN_DIR: the run id of the test run whose worker launched the running Keycloak. */
const MARKER_FILE = 'started-by-test-run';

/**
 * Makes sure a Keycloak serving the demo realm (deploy/keycloak/realm-revmesh.json) is reachable.
 * Call it from the `beforeAll` of suites that need Keycloak: the first caller of a test run starts
 * it (about 20 s, more on a loaded machine; keycloak.sh serialises concurrent callers with a lock),
 * later callers find it running, and the integration globalTeardown stops it at the end of the run.
 *
 * If `KEYCLOAK_URL` is set (e.g. `http://127.0.0.1:8080`), that server is used and only checked:
 * it must serve the demo realm, imported from the same file.
 *
 * @throws if the named server does not serve the realm, or keycloak.sh fails (its output is in the message).
 */
export async function ensureKeycloak(): Promise<LocalKeycloak> {
  const fromEnv = process.env['KEYCLOAK_URL']?.trim().replace(/\/+$/, '');
  if (fromEnv) {
    try {
      await waitForRealm(fromEnv, EXTERNAL_TIMEOUT_MS);
    } catch (error) {
      throw new Error(`KEYCLOAK_URL=${fromEnv} is set but unusable (unset it to start a local Keycloak). ${errorText(error)}`);
    }
    return { url: fromEnv, issuer: issuerOf(fromEnv), startedHere: false };
  }

  const script = keycloakScript();
  const start = await runRepoScript(script, 'start', SCRIPT_BACKSTOP_MS);
  if (start.code !== 0) {
    throw new Error(`${script} start failed (exit ${start.code}):\n${start.stderr}${start.stdout}`);
  }
  const url = lastLine(start.stdout);
  if (!BASE_URL.test(url)) {
    throw new Error(`${script} start printed no base URL:\n${start.stderr}${start.stdout}`);
  }
  // The script waited for the realm's discovery document; this proves Node's fetch reaches it too.
  await waitForRealm(url, EXTERNAL_TIMEOUT_MS);
  const startedHere = LAUNCHED_LINE.test(start.stderr);
  const runId = process.env[RUN_ID_ENV];
  // Workers are separate processes: the teardown learns what one of them started from this file.
  if (startedHere && runId) await writeFile(markerPath(), `${runId}\n`);
  return { url, issuer: issuerOf(url), startedHere };
}

/**
 * Stops the local Keycloak if a worker of this test run (the one named by REVMESH_TEST_RUN_ID)
 * launched it through {@link ensureKeycloak}; a Keycloak started by hand, by another run, or named
 * by KEYCLOAK_URL is left alone.
 *
 * @returns true if Keycloak was stopped.
 */
export async function stopKeycloakIfStartedThisRun(): Promise<boolean> {
  const runId = process.env[RUN_ID_ENV];
  if (!runId) return false;
  const marker = markerPath();
  const owner = await readFile(marker, 'utf8').then((text) => text.trim(), () => undefined);
  if (owner !== runId) return false;
  const script = keycloakScript();
  const stop = await runRepoScript(script, 'stop', SCRIPT_BACKSTOP_MS);
  if (stop.code !== 0) {
    throw new Error(`${script} stop failed (exit ${stop.code}):\n${stop.stderr}${stop.stdout}`);
  }
  await rm(marker, { force: true });
  return true;
}

/**
 * Resolves once `<url>/realms/<demo realm>/.well-known/openid-configuration` answers 200 with the
 * realm's issuer; retries until `timeoutMs` has passed.
 *
 * @throws an Error naming the URL and the last failure on timeout.
 */
export async function waitForRealm(url: string, timeoutMs: number): Promise<void> {
  const discovery = `${issuerOf(url)}/.well-known/openid-configuration`;
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt made';
  do {
    try {
      const response = await fetch(discovery, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        const body = (await response.json()) as { issuer?: unknown };
        if (body.issuer === issuerOf(url)) return;
        last = `issuer is ${String(body.issuer)}, expected ${issuerOf(url)} (start Keycloak with --hostname=${url})`;
      } else {
        last = `HTTP ${response.status}`;
      }
    } catch (error) {
      last = errorText(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  } while (Date.now() < deadline);
  throw new Error(`${discovery} did not answer within ${timeoutMs} ms: ${last}`);
}

function issuerOf(url: string): string {
  return `${url}/realms/${demoRealm().realm}`;
}

function keycloakScript(): string {
  return path.join(findRepoRoot(), 'deploy', 'keycloak', 'keycloak.sh');
}

function markerPath(): string {
  const runDir = process.env['KEYCLOAK_RUN_DIR'] ?? path.join(findRepoRoot(), 'deploy', 'keycloak', 'run');
  return path.join(path.resolve(findRepoRoot(), 'deploy', 'keycloak', runDir), MARKER_FILE);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
