import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bootstrapOperator, DEFAULT_TEST_JUSTIFICATION, freePort, startServiceProcess, type OperatorSession, type ServiceProcess } from '@revmesh/test-support';
import { e2eDatabase } from './store-engine';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

/** What a test needs to drive an authority child process. */
export interface AuthorityHandle {
  readonly url: string;
  /** The security-admin bootstrapped at first start (logged in; its token survives restarts). */
  readonly admin: OperatorSession;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  readonly process: ServiceProcess;
}

export interface AuthorityLaunch {
  readonly brokers: string;
  readonly topicPrefix: string;
  /** Reuse a data dir (and its keys, KEK, admin key) to restart the same authority. */
  readonly previous?: AuthorityHandle;
  /** Extra environment, e.g. a short key-rotation period. */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /**
   * The security policy (REVMESH_POLICY_FILE, JSON). Default: no action needs a second
   * person's approval, so tests of other features act with one admin; approval tests pass theirs.
   */
  readonly policy?: Readonly<Record<string, unknown>>;
}

/** Policy of an e2e authority unless a test gives one: no two-person rule. */
export const E2E_POLICY = { approvals: { requiredFor: [] } } as const;

/** Starts the built authority (`apps/authority/dist/main.js`) as a real process in demo mode. */
export async function startAuthority(launch: AuthorityLaunch): Promise<AuthorityHandle> {
  const port = launch.previous ? Number(new URL(launch.previous.url).port) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = launch.previous?.dataDir ?? mkdtempSync(join(tmpdir(), 'revmesh-e2e-authority-'));
  // REVMESH_E2E_STORE_ENGINE=postgres: the authority stores into a database of its own on the tests' PostgreSQL.
  const database = launch.previous === undefined ? await e2eDatabase('e2e_authority') : undefined;
  const policyFile = join(dataDir, 'policy.json');
  if (launch.previous === undefined || launch.policy !== undefined) writeFileSync(policyFile, JSON.stringify(launch.policy ?? E2E_POLICY));
  const env: Record<string, string> = launch.previous
    ? { ...launch.previous.env, KAFKA_BROKERS: launch.brokers }
    : {
        PATH: process.env['PATH'] ?? '',
        PORT: String(port),
        KAFKA_BROKERS: launch.brokers,
        REVMESH_ISSUER: url,
        REVMESH_DATA_DIR: dataDir,
        REVMESH_BOOTSTRAP_TOKEN: randomBytes(32).toString('base64url'),
        REVMESH_POLICY_FILE: policyFile,
        REVMESH_KEK: randomBytes(32).toString('base64'),
        REVMESH_TOPIC_PREFIX: launch.topicPrefix,
        REVMESH_DEMO: 'true',
        REVMESH_DEMO_CLIENT_ID: 'demo-client',
        REVMESH_DEMO_CLIENT_SECRET: randomBytes(32).toString('base64url'),
        REVMESH_OUTBOX_POLL_MS: '200',
        REVMESH_LOG_LEVEL: 'warn',
        ...(database === undefined ? {} : { REVMESH_DATABASE_URL: database.url }),
        ...launch.extraEnv,
      };
  const child = await startServiceProcess({
    name: 'authority',
    command: process.execPath,
    args: [join(REPO_ROOT, 'apps/authority/dist/main.js')],
    env,
    readyLine: /revmesh authority listening on/,
    readyTimeoutMs: 60_000,
  });
  let admin: OperatorSession;
  try {
    admin = launch.previous?.admin ?? (await bootstrapOperator(url, env['REVMESH_BOOTSTRAP_TOKEN']!));
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    url,
    admin,
    clientId: env['REVMESH_DEMO_CLIENT_ID']!,
    clientSecret: env['REVMESH_DEMO_CLIENT_SECRET']!,
    dataDir: env['REVMESH_DATA_DIR']!,
    env,
    process: child,
  };
}

/** Obtains an access token for the demo client (client_credentials, HTTP Basic). */
export async function issueToken(authority: AuthorityHandle, form: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${authority.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${authority.clientId}:${authority.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface RevocationResponse {
  readonly status: number;
  readonly body: { id: string; published?: boolean } & Record<string, unknown>;
}

export async function revoke(authority: AuthorityHandle, target: string, value: string, reason = 'e2e test'): Promise<RevocationResponse> {
  const response = await fetch(`${authority.url}/v1/revocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${authority.admin.token}` },
    body: JSON.stringify({ target, value, reason, justification: DEFAULT_TEST_JUSTIFICATION }),
  });
  return { status: response.status, body: (await response.json()) as RevocationResponse['body'] };
}

export async function getRevocation(authority: AuthorityHandle, id: string): Promise<RevocationResponse> {
  const response = await fetch(`${authority.url}/v1/revocations/${id}`, { headers: { authorization: `Bearer ${authority.admin.token}` } });
  return { status: response.status, body: (await response.json()) as RevocationResponse['body'] };
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

/** Calls an admin route as the bootstrapped security-admin (writes get a justification) and returns status + parsed body. */
export async function adminApi(
  authority: AuthorityHandle,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { status, body: parsed } = await authority.admin.request(method, path, body);
  return { status, body: parsed };
}

/** The kid in a JWT's protected header. */
export function kidOf(token: string): string {
  return String((JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid?: string }).kid);
}
