// Gives every SSF receiver client of the realm file (attribute ssf.enabled = "true") the client
// scopes ssf.read and ssf.manage as optional scopes, through Keycloak's admin REST API.
//
// Why a step after the import: Keycloak 26.7 creates those two scopes itself when a realm's SSF
// transmitter is switched on (realm attribute ssf.transmitterEnabled), but only after the realm
// file's clients are imported, so a client in the file cannot name them ("Referenced client scope
// 'ssf.read' doesn't exist. Ignoring"). Without them a receiver's token carries no ssf.* scope
// and the stream management API answers 401.
//
//   node grant-ssf-scopes.mjs <base URL> <realm file>
//
// Environment: KEYCLOAK_ADMIN_USERNAME, KEYCLOAK_ADMIN_PASSWORD (the bootstrap admin).
import { readFileSync } from 'node:fs';

const SSF_SCOPES = ['ssf.read', 'ssf.manage'];

const [baseUrl, realmFile] = process.argv.slice(2);
if (!baseUrl || !realmFile) {
  console.error('usage: node grant-ssf-scopes.mjs <base URL> <realm file>');
  process.exit(2);
}
const realmJson = JSON.parse(readFileSync(realmFile, 'utf8'));
const realm = realmJson.realm;
const receivers = (realmJson.clients ?? []).filter((client) => client.attributes?.['ssf.enabled'] === 'true').map((client) => client.clientId);

async function call(method, path, token, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': body.type } : {}) },
    body: body?.text,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const { access_token: admin } = await call('POST', '/realms/master/protocol/openid-connect/token', undefined, {
  type: 'application/x-www-form-urlencoded',
  text: new URLSearchParams({
    grant_type: 'password',
    client_id: 'admin-cli',
    username: process.env.KEYCLOAK_ADMIN_USERNAME ?? 'admin',
    password: process.env.KEYCLOAK_ADMIN_PASSWORD ?? 'admin',
  }).toString(),
});

const scopes = await call('GET', `/admin/realms/${encodeURIComponent(realm)}/client-scopes`, admin);
const scopeIds = SSF_SCOPES.map((name) => {
  const scope = scopes.find((candidate) => candidate.name === name);
  if (!scope) throw new Error(`realm ${realm} has no client scope ${name}: is its attribute ssf.transmitterEnabled "true" and Keycloak started with --features=ssf?`);
  return scope.id;
});

for (const clientId of receivers) {
  const [client] = await call('GET', `/admin/realms/${encodeURIComponent(realm)}/clients?clientId=${encodeURIComponent(clientId)}`, admin);
  if (!client) throw new Error(`realm ${realm} has no client ${clientId}`);
  for (const scopeId of scopeIds) {
    await call('PUT', `/admin/realms/${encodeURIComponent(realm)}/clients/${client.id}/optional-client-scopes/${scopeId}`, admin);
  }
  console.error(`grant-ssf-scopes: ${clientId} may request ${SSF_SCOPES.join(' ')}`);
}
