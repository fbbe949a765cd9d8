import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '../process/repo-script';
import { demoRealm, keycloakAdminToken, type KeycloakTokenResponse } from './demo-realm';

// Admin REST API helpers for tests that act on the demo realm as an identity provider would
// (users created and removed, logouts, password resets) and make sure a client of the realm file
// exists in a Keycloak that was started before the file gained it.

const TIMEOUT_MS = 10_000;
const SSF_SCOPES = ['ssf.read', 'ssf.manage'];

async function admin(url: string, method: string, pathname: string, body?: unknown): Promise<Response> {
  const token = await keycloakAdminToken(url);
  return fetch(`${url}/admin/realms/${encodeURIComponent(demoRealm().realm)}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (!response.ok) throw new Error(`${what} failed: HTTP ${response.status} ${await response.text()}`);
}

/**
 * Makes sure a client of deploy/keycloak/realm-revmesh.json exists in the running Keycloak (one
 * started before the realm file gained it has not imported it), and that an SSF receiver client
 * may request `ssf.read ssf.manage` (what keycloak.sh's grant-ssf-scopes.mjs does after an import).
 */
export async function ensureRealmClient(url: string, clientId: string): Promise<void> {
  const file = path.join(findRepoRoot(), 'deploy', 'keycloak', 'realm-revmesh.json');
  const representation = (JSON.parse(readFileSync(file, 'utf8')) as { clients: { clientId: string; attributes?: Record<string, string> }[] }).clients.find(
    (client) => client.clientId === clientId,
  );
  if (representation === undefined) throw new Error(`${file} has no client ${clientId}`);
  const found = (await (await admin(url, 'GET', `/clients?clientId=${encodeURIComponent(clientId)}`)).json()) as { id: string }[];
  if (found.length === 0) await expectOk(await admin(url, 'POST', '/clients', representation), `creating client ${clientId}`);
  if (representation.attributes?.['ssf.enabled'] !== 'true') return;
  const [client] = (await (await admin(url, 'GET', `/clients?clientId=${encodeURIComponent(clientId)}`)).json()) as { id: string }[];
  const scopes = (await (await admin(url, 'GET', '/client-scopes')).json()) as { id: string; name: string }[];
  for (const name of SSF_SCOPES) {
    const scope = scopes.find((candidate) => candidate.name === name);
    if (scope === undefined) throw new Error(`realm ${demoRealm().realm} has no client scope ${name}: is Keycloak running with --features=ssf?`);
    await expectOk(await admin(url, 'PUT', `/clients/${client!.id}/optional-client-scopes/${scope.id}`), `granting ${name} to ${clientId}`);
  }
}

/** A user created for one test (its own sessions and events, shared with no other suite). */
export interface KeycloakTestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

/** Creates an enabled user with a password and a complete profile (so the password grant works). */
export async function createKeycloakUser(url: string, username: string, password: string): Promise<KeycloakTestUser> {
  const created = await admin(url, 'POST', '/users', {
    username,
    enabled: true,
    email: `${username}@example.test`,
    emailVerified: true,
    firstName: 'Test',
    lastName: username,
    credentials: [{ type: 'password', value: password, temporary: false }],
  });
  await expectOk(created, `creating user ${username}`);
  const id = created.headers.get('location')?.split('/').pop();
  if (!id) throw new Error(`creating user ${username}: no Location in the answer`);
  return { id, username, password };
}

export async function deleteKeycloakUser(url: string, userId: string): Promise<void> {
  await expectOk(await admin(url, 'DELETE', `/users/${encodeURIComponent(userId)}`), `deleting user ${userId}`);
}

/** Sets a user's password as an administrator would (Keycloak 26.7 emits CAEP credential-change). */
export async function resetKeycloakPassword(url: string, userId: string, password: string): Promise<void> {
  await expectOk(await admin(url, 'PUT', `/users/${encodeURIComponent(userId)}/reset-password`, { type: 'password', value: password, temporary: false }), `resetting the password of ${userId}`);
}

/** Logs one session out by the OIDC logout endpoint with its refresh token (Keycloak emits CAEP session-revoked naming it). */
export async function keycloakLogout(issuer: string, session: Pick<KeycloakTokenResponse, 'refresh_token'>): Promise<void> {
  const { demoClient } = demoRealm();
  const response = await fetch(`${issuer}/protocol/openid-connect/logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: demoClient.clientId, client_secret: demoClient.secret, refresh_token: session.refresh_token ?? '' }).toString(),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await expectOk(response, 'logout');
}

/** Deletes every SSF stream of a receiver client (Keycloak keeps one per client; a crashed run may have left it). */
export async function deleteKeycloakStreams(issuer: string, receiverToken: string): Promise<void> {
  const streams = `${issuer}/ssf/transmitter/streams`;
  const headers = { authorization: `Bearer ${receiverToken}` };
  const existing = (await (await fetch(streams, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) })).json()) as { stream_id: string }[];
  for (const stream of existing) {
    await fetch(`${streams}?stream_id=${encodeURIComponent(stream.stream_id)}`, { method: 'DELETE', headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  }
}
