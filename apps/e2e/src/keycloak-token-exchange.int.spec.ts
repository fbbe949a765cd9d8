import type { Sidecar } from '@revmesh/sidecar';
import { demoRealm, ensureKeycloak, keycloakPasswordToken, type LocalKeycloak } from '@revmesh/test-support';
import { adminApi, claimsOf, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * A real Keycloak user's token exchanged for a revmesh session (RFC 8693): the session's access
 * tokens carry the issuer-scoped sub and pass three sidecars; revoking the user's Keycloak subject
 * in revmesh (`iss` = Keycloak) ends her session, its refresh token and, through a `sid`
 * revocation over the real broker, its access tokens at every sidecar; bob's session lives on.
 */
describe('token exchange of Keycloak tokens', () => {
  const realm = demoRealm();
  const alice = realm.users['alice']!;
  const bob = realm.users['bob']!;
  let keycloak: LocalKeycloak;
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];
  let secret = '';

  beforeAll(async () => {
    // The first suite of a run that needs Keycloak starts it (20-60 s); the run's teardown stops it.
    keycloak = await ensureKeycloak();
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: uniquePrefix('kc-exchange'),
      policy: { approvals: { requiredFor: [] }, tokenExchange: { rules: [{ clients: ['kc-bff'], issuers: [keycloak.issuer], audiences: ['demo-api'] }] } },
    });
    expect((await adminApi(authority, 'POST', '/v1/issuers', { issuer: keycloak.issuer, description: 'local Keycloak' })).status).toBe(201);
    const registered = await adminApi(authority, 'POST', '/v1/clients', { client_id: 'kc-bff', audiences: ['demo-api'], scopes: [] });
    expect(registered.status).toBe(201);
    secret = String(registered.body['client_secret']);
    sidecars = await startSidecars(authority, 3);
  }, 600_000);
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((sidecar) => sidecar.close()));
    await authority?.process.stop();
  });

  const token = async (form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${authority.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`kc-bff:${secret}`).toString('base64')}` },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const exchange = async (username: string) =>
    token({ grant_type: EXCHANGE, subject_token: (await keycloakPasswordToken(keycloak.issuer, username)).access_token, subject_token_type: ACCESS_TOKEN });

  it("starts sessions for Keycloak users, and revoking alice's Keycloak subject ends her session everywhere", async () => {
    const aliceSession = await exchange('alice');
    const bobSession = await exchange('bob');
    expect([aliceSession.status, bobSession.status]).toEqual([200, 200]);
    const aliceAccess = String(aliceSession.body['access_token']);
    const bobAccess = String(bobSession.body['access_token']);
    expect(claimsOf(aliceAccess)).toMatchObject({ iss: authority.url, sub: `${keycloak.issuer}#${alice.id}`, client_id: 'kc-bff', aud: 'demo-api' });
    for (const sidecar of sidecars) expect(await sidecar.verify(aliceAccess)).toMatchObject({ ok: true });

    const revoked = await adminApi(authority, 'POST', '/v1/revocations', { target: 'sub', value: alice.id, iss: keycloak.issuer, reason: 'e2e: alice logged out at Keycloak' });
    expect(revoked.status).toBe(202);
    for (const sidecar of sidecars) {
      await eventually("alice's session revoked by sid", async () => !(await sidecar.verify(aliceAccess)).ok);
      expect(await sidecar.verify(aliceAccess)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', target: 'sid' });
      expect(await sidecar.verify(bobAccess)).toMatchObject({ ok: true, claims: { sub: `${keycloak.issuer}#${bob.id}` } });
    }
    expect((await token({ grant_type: 'refresh_token', refresh_token: String(aliceSession.body['refresh_token']) })).body['error']).toBe('invalid_grant');
    expect((await token({ grant_type: 'refresh_token', refresh_token: String(bobSession.body['refresh_token']) })).status).toBe(200);
    const sessions = (await adminApi(authority, 'GET', `/v1/sessions?sub=${encodeURIComponent(`${keycloak.issuer}#${alice.id}`)}`)).body['sessions'];
    expect(sessions).toEqual([expect.objectContaining({ subject: alice.id, subject_issuer: keycloak.issuer, end_reason: 'revoked' })]);
  });
});
