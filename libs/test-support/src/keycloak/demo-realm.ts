import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '../process/repo-script';

/** A user of the demo realm, with the password the realm file gives it. */
export interface DemoRealmUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

/** A confidential client of the demo realm. */
export interface DemoRealmClient {
  readonly clientId: string;
  readonly secret: string;
}

/** The facts of deploy/keycloak/realm-revmesh.json that tests use, read from the file itself. */
export interface DemoRealm {
  readonly realm: string;
  readonly users: Readonly<Record<string, DemoRealmUser>>;
  readonly clients: Readonly<Record<string, DemoRealmClient>>;
  /** The audience the demo app's access tokens carry (its audience mapper). */
  readonly audience: string;
  /** The client whose password grant mints users' access tokens. */
  readonly demoClient: DemoRealmClient;
  /** The client marked as an SSF receiver (client credentials for the stream management API). */
  readonly ssfReceiver: DemoRealmClient;
}

interface RealmFile {
  realm: string;
  users: { id: string; username: string; credentials: { type: string; value: string }[] }[];
  clients: {
    clientId: string;
    secret?: string;
    attributes?: Record<string, string>;
    directAccessGrantsEnabled?: boolean;
    protocolMappers?: { protocolMapper: string; config: Record<string, string> }[];
  }[];
}

let cached: DemoRealm | undefined;

/** The demo realm as imported by deploy/keycloak/keycloak.sh (one source of truth: the realm file). */
export function demoRealm(): DemoRealm {
  cached ??= readDemoRealm(path.join(findRepoRoot(), 'deploy', 'keycloak', 'realm-revmesh.json'));
  return cached;
}

function readDemoRealm(file: string): DemoRealm {
  const json = JSON.parse(readFileSync(file, 'utf8')) as RealmFile;
  const users: Record<string, DemoRealmUser> = {};
  for (const user of json.users) {
    const password = user.credentials.find((credential) => credential.type === 'password')?.value;
    if (!password) throw new Error(`${file}: user ${user.username} has no password credential`);
    users[user.username] = { id: user.id, username: user.username, password };
  }
  const clients: Record<string, DemoRealmClient> = {};
  for (const client of json.clients) {
    if (client.secret) clients[client.clientId] = { clientId: client.clientId, secret: client.secret };
  }
  const demo = json.clients.find((client) => client.directAccessGrantsEnabled === true && client.secret);
  const receiver = json.clients.find((client) => client.attributes?.['ssf.enabled'] === 'true' && client.secret);
  const audience = demo?.protocolMappers?.find((mapper) => mapper.protocolMapper === 'oidc-audience-mapper')?.config[
    'included.custom.audience'
  ];
  if (!demo || !receiver || !audience) {
    throw new Error(`${file}: expected a confidential client with direct access grants and an audience mapper, and an SSF receiver client`);
  }
  return {
    realm: json.realm,
    users,
    clients,
    audience,
    demoClient: clients[demo.clientId]!,
    ssfReceiver: clients[receiver.clientId]!,
  };
}

/** The OAuth token endpoint answer the helpers below read. */
export interface KeycloakTokenResponse {
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly expires_in: number;
  readonly session_state?: string;
  readonly scope?: string;
}

/**
 * A user's access token from the demo realm by the password grant on the demo client: each call
 * opens a new Keycloak session (its own `sid`).
 *
 * @param issuer the realm's issuer (`LocalKeycloak.issuer`).
 * @throws if Keycloak refuses the grant (its error body is in the message).
 */
export async function keycloakPasswordToken(issuer: string, username: string, password?: string): Promise<KeycloakTokenResponse> {
  const realm = demoRealm();
  const user = realm.users[username];
  return tokenRequest(issuer, {
    grant_type: 'password',
    client_id: realm.demoClient.clientId,
    client_secret: realm.demoClient.secret,
    username,
    password: password ?? user?.password ?? '',
    scope: 'openid',
  });
}

/** A client-credentials access token of one of the demo realm's confidential clients (e.g. the SSF receiver). */
export async function keycloakClientToken(issuer: string, client: DemoRealmClient, scope?: string): Promise<KeycloakTokenResponse> {
  return tokenRequest(issuer, {
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.secret,
    ...(scope ? { scope } : {}),
  });
}

/**
 * An admin access token of the master realm's bootstrap admin (KEYCLOAK_ADMIN_USERNAME /
 * KEYCLOAK_ADMIN_PASSWORD, default admin/admin as in keycloak.sh), for the admin REST API.
 */
export async function keycloakAdminToken(url: string): Promise<string> {
  const response = await tokenRequest(`${url}/realms/master`, {
    grant_type: 'password',
    client_id: 'admin-cli',
    username: process.env['KEYCLOAK_ADMIN_USERNAME'] ?? 'admin',
    password: process.env['KEYCLOAK_ADMIN_PASSWORD'] ?? 'admin',
  });
  return response.access_token;
}

async function tokenRequest(issuer: string, form: Record<string, string>): Promise<KeycloakTokenResponse> {
  const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`Keycloak refused the ${form['grant_type']} grant for ${form['username'] ?? form['client_id']}: HTTP ${response.status} ${text}`);
  }
  return JSON.parse(text) as KeycloakTokenResponse;
}

/**
 * Merges `attributes` into a demo-realm client's attributes through the admin REST API, e.g. to
 * allow a receiver's push URL (`ssf.validPushUrls`, which takes no wildcard port) before it
 * creates its SSF stream. Changes last until Keycloak stops (its database is in memory).
 *
 * @param url Keycloak's base URL (`LocalKeycloak.url`).
 */
export async function setKeycloakClientAttributes(url: string, clientId: string, attributes: Readonly<Record<string, string>>): Promise<void> {
  const admin = await keycloakAdminToken(url);
  const clients = `${url}/admin/realms/${encodeURIComponent(demoRealm().realm)}/clients`;
  const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const found = await fetch(`${clients}?clientId=${encodeURIComponent(clientId)}`, { headers, signal: AbortSignal.timeout(10_000) });
  const [client] = (await found.json()) as { id: string; attributes?: Record<string, string> }[];
  if (!found.ok || !client) throw new Error(`no client ${clientId} in realm ${demoRealm().realm} (HTTP ${found.status})`);
  const updated = await fetch(`${clients}/${client.id}`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ ...client, attributes: { ...client.attributes, ...attributes } }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!updated.ok) throw new Error(`updating client ${clientId} failed: HTTP ${updated.status} ${await updated.text()}`);
}
