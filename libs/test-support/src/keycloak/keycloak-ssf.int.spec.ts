import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { freePort } from '../process/free-port';
import { demoRealm, keycloakAdminToken, keycloakClientToken, keycloakPasswordToken, setKeycloakClientAttributes } from './demo-realm';
import { ensureKeycloak, type LocalKeycloak } from './local-keycloak';

// The facts of deploy/keycloak/SSF-NOTES.md as a regression test: what Keycloak 26.7.3's SSF
// transmitter pushes to a receiver (here a bare recording endpoint, not revmesh's receiver) when
// a stream is created, a user logs out, an admin logs a user out everywhere, or an admin resets a
// password. If a Keycloak upgrade changes one of them, this fails before the receiver does.

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const PUSH_AUTHORIZATION = 'Bearer keycloak-ssf-int-push-secret';

interface Pushed {
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly set: string;
  readonly payload: JWTPayload & { events: Record<string, Record<string, unknown>>; sub_id: Record<string, unknown> };
}

describe("Keycloak's SSF transmitter", () => {
  const realm = demoRealm();
  const alice = realm.users['alice']!;
  let keycloak: LocalKeycloak;
  let server: Server;
  let pushUrl: string;
  let receiverToken: string;
  let streamId: string;
  const pushed: Pushed[] = [];

  const streams = (query = '', init: RequestInit = {}) =>
    fetch(`${keycloak.issuer}/ssf/transmitter/streams${query}`, {
      ...init,
      headers: { authorization: `Bearer ${receiverToken}`, 'content-type': 'application/json' },
    });

  /** The first SET pushed after `since` (an index into `pushed`) that carries `eventType`. */
  async function nextPush(since: number, eventType: string, timeoutMs = 15_000): Promise<Pushed> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = pushed.slice(since).find((push) => eventType in push.payload.events);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${eventType} SET pushed within ${timeoutMs} ms (got ${pushed.length - since} others)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    keycloak = await ensureKeycloak();
    const port = await freePort();
    pushUrl = `http://127.0.0.1:${port}/ssf/push`;
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        pushed.push({
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
          set: body,
          payload: decodeJwt(body) as Pushed['payload'],
        });
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    // ssf.validPushUrls takes no wildcard port: allow exactly this endpoint.
    await setKeycloakClientAttributes(keycloak.url, realm.ssfReceiver.clientId, { 'ssf.validPushUrls': `http://127.0.0.1:${port}/*` });
    receiverToken = (await keycloakClientToken(keycloak.issuer, realm.ssfReceiver, 'ssf.read ssf.manage')).access_token;
    // One stream per receiver client: drop one a crashed run may have left.
    const existing = (await (await streams()).json()) as { stream_id: string }[];
    for (const stream of existing) await streams(`?stream_id=${stream.stream_id}`, { method: 'DELETE' });
  }, 600_000);

  afterAll(async () => {
    if (streamId) await streams(`?stream_id=${streamId}`, { method: 'DELETE' });
    await new Promise((resolve) => server?.close(resolve));
  });

  it('refuses the stream API to a receiver token without the ssf scopes', async () => {
    const plain = (await keycloakClientToken(keycloak.issuer, realm.ssfReceiver)).access_token;
    const response = await fetch(`${keycloak.issuer}/ssf/transmitter/streams`, { headers: { authorization: `Bearer ${plain}` } });
    expect(response.status).toBe(401);
  });

  it('creates a push stream and pushes a verification SET signed with the realm keys', async () => {
    const since = pushed.length;
    const response = await streams('', {
      method: 'POST',
      body: JSON.stringify({
        delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: pushUrl, authorization_header: PUSH_AUTHORIZATION },
        events_requested: [`${CAEP}/session-revoked`, `${CAEP}/credential-change`],
      }),
    });
    expect(response.status).toBe(201);
    const stream = (await response.json()) as { stream_id: string; aud: string[]; events_delivered: string[] };
    streamId = stream.stream_id;
    expect(stream.aud).toEqual([`${realm.ssfReceiver.clientId}/${streamId}`]);
    expect([...stream.events_delivered].sort()).toEqual([`${CAEP}/credential-change`, `${CAEP}/session-revoked`]);

    const verification = await nextPush(since, VERIFICATION);
    expect(verification.authorization).toBe(PUSH_AUTHORIZATION);
    expect(verification.contentType).toBe('application/secevent+jwt');
    const configuration = (await (await fetch(`${keycloak.issuer}/.well-known/ssf-configuration`)).json()) as { jwks_uri: string };
    const { payload, protectedHeader } = await jwtVerify(verification.set, createRemoteJWKSet(new URL(configuration.jwks_uri)), {
      issuer: keycloak.issuer,
      audience: `${realm.ssfReceiver.clientId}/${streamId}`,
      typ: 'secevent+jwt',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.exp).toBeUndefined();
    expect(payload.sub).toBeUndefined();
    expect(payload['sub_id']).toEqual({ format: 'opaque', id: streamId });
  });

  it("pushes session-revoked naming the session when a user logs out, and Keycloak's session ALL on an admin logout", async () => {
    const loggingOut = await keycloakPasswordToken(keycloak.issuer, 'alice');
    const sid = decodeJwt(loggingOut.access_token)['sid'];
    let since = pushed.length;
    const logout = await fetch(`${keycloak.issuer}/protocol/openid-connect/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: realm.demoClient.clientId, client_secret: realm.demoClient.secret, refresh_token: loggingOut.refresh_token! }),
    });
    expect(logout.status).toBe(204);
    const revoked = await nextPush(since, `${CAEP}/session-revoked`);
    expect(revoked.payload.sub_id).toEqual({
      format: 'complex',
      user: { format: 'iss_sub', iss: keycloak.issuer, sub: alice.id },
      session: { format: 'opaque', id: sid },
    });
    expect(revoked.payload.events[`${CAEP}/session-revoked`]).toMatchObject({ initiating_entity: 'user' });

    await keycloakPasswordToken(keycloak.issuer, 'alice');
    since = pushed.length;
    const admin = await keycloakAdminToken(keycloak.url);
    const everywhere = await fetch(`${keycloak.url}/admin/realms/${realm.realm}/users/${alice.id}/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(everywhere.status).toBe(204);
    const all = await nextPush(since, `${CAEP}/session-revoked`);
    expect(all.payload.sub_id).toMatchObject({ user: { sub: alice.id }, session: { format: 'opaque', id: 'ALL' } });
  });

  it('pushes credential-change with an iss_sub subject when an admin resets a password', async () => {
    const since = pushed.length;
    const admin = await keycloakAdminToken(keycloak.url);
    const reset = await fetch(`${keycloak.url}/admin/realms/${realm.realm}/users/${alice.id}/reset-password`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      // The same password: other suites sharing this Keycloak keep logging alice in.
      body: JSON.stringify({ type: 'password', value: alice.password, temporary: false }),
    });
    expect(reset.status).toBe(204);
    const changed = await nextPush(since, `${CAEP}/credential-change`);
    expect(changed.payload.sub_id).toEqual({ format: 'iss_sub', iss: keycloak.issuer, sub: alice.id });
    expect(changed.payload.events[`${CAEP}/credential-change`]).toMatchObject({ credential_type: 'password', change_type: 'update', initiating_entity: 'admin' });
  });
});
