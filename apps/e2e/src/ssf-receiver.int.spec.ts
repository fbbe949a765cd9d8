import { randomBytes } from 'node:crypto';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import {
  createKeycloakUser,
  deleteKeycloakStreams,
  deleteKeycloakUser,
  demoRealm,
  ensureKeycloak,
  ensureRealmClient,
  keycloakClientToken,
  keycloakLogout,
  keycloakPasswordToken,
  resetKeycloakPassword,
  setKeycloakClientAttributes,
  type KeycloakTestUser,
  type LocalKeycloak,
} from '@revmesh/test-support';
import { adminApi, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startDemoApi, type DemoApiHandle } from './support/demo-api-process';
import { eventually, uniquePrefix } from './support/wait';

/**
 * revmesh as an OpenID Shared Signals receiver of a real Keycloak 26.7 (deploy/keycloak): the
 * authority registers Keycloak as a transmitter with the receiver client's credentials and
 * creates the stream through Keycloak's stream management API; a logout or a password reset in
 * Keycloak reaches the authority as a signed SET (pushed, then polled) and becomes a revocation
 * of the Keycloak issuer's tokens, enforced by three demo-api instances through the real broker.
 *
 * The client revmesh-ssf-e2e is this suite's alone: Keycloak keeps one stream per receiver client,
 * and the push and poll streams are created one after the other. The user is created here, so the
 * SETs other suites cause (admin logouts of alice) never touch the tokens this suite checks.
 */
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const RECEIVER_CLIENT = 'revmesh-ssf-e2e';

describe('SSF receiver: Keycloak logouts and password changes enforced everywhere', () => {
  const realm = demoRealm();
  const receiver = realm.clients[RECEIVER_CLIENT]!;
  let keycloak: LocalKeycloak;
  let authority: AuthorityHandle;
  let apis: DemoApiHandle[] = [];
  let user: KeycloakTestUser;

  const configUrl = () => `${keycloak.issuer}/.well-known/ssf-configuration`;
  const pushUrl = (id: string) => `${authority.url}/ssf/receiver/push/${id}`;
  const login = () => keycloakPasswordToken(keycloak.issuer, user.username, user.password);
  const hello = (api: DemoApiHandle, token: string) => fetch(`${api.url}/v1/hello`, { headers: { authorization: `Bearer ${token}` } });
  /** What every instance answers: 200, or the rejection code. */
  const everywhere = async (token: string) =>
    Promise.all(
      apis.map(async (api) => {
        const response = await hello(api, token);
        return response.status === 200 ? 'ok' : String(((await response.json()) as { code?: string }).code);
      }),
    );
  const rejectedEverywhere = (what: string, token: string) =>
    eventually(what, async () => (await everywhere(token)).every((answer) => answer === 'TOKEN_REVOKED'), 20_000);
  const addTransmitter = (id: string, delivery: 'push' | 'poll') =>
    adminApi(authority, 'POST', '/v1/ssf/transmitters', {
      id,
      config_url: configUrl(),
      client_id: receiver.clientId,
      client_secret: receiver.secret,
      scope: 'ssf.read ssf.manage',
      delivery,
    });
  /** The value of the SETs counter with these labels (any order), 0 when absent. */
  const setsCounted = async (labels: Readonly<Record<string, string>>) => {
    const text = await (await fetch(`${authority.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((candidate) => candidate.startsWith('revmesh_authority_ssf_sets_total{') && Object.entries(labels).every(([k, v]) => candidate.includes(`${k}="${v}"`)));
    return Number(line?.split(' ').pop() ?? 0);
  };

  beforeAll(async () => {
    keycloak = await ensureKeycloak();
    await ensureRealmClient(keycloak.url, RECEIVER_CLIENT);
    // One stream per receiver client: drop one a crashed run may have left.
    await deleteKeycloakStreams(keycloak.issuer, (await keycloakClientToken(keycloak.issuer, receiver, 'ssf.read ssf.manage')).access_token);
    user = await createKeycloakUser(keycloak.url, `ssf-e2e-${randomBytes(4).toString('hex')}`, randomBytes(12).toString('base64url'));
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: uniquePrefix('ssf-receiver'),
      extraEnv: { REVMESH_SSF_POLL_INTERVAL_MS: '200', REVMESH_LOG_LEVEL: 'warn' },
    });
    expect((await adminApi(authority, 'POST', '/v1/issuers', { issuer: keycloak.issuer, description: 'local Keycloak' })).status).toBe(201);
    const issuers = JSON.stringify([{ issuer: keycloak.issuer, keys: { discovery: true }, audience: realm.audience }]);
    apis = await Promise.all(['ssf-a', 'ssf-b', 'ssf-c'].map((name) => startDemoApi(authority, `${name}-${randomBytes(3).toString('hex')}`, { REVMESH_ISSUERS: issuers })));
    // Keycloak takes no wildcard port in ssf.validPushUrls: allow exactly this authority's endpoint.
    await setKeycloakClientAttributes(keycloak.url, RECEIVER_CLIENT, { 'ssf.validPushUrls': pushUrl('keycloak') });
  }, 600_000);

  afterAll(async () => {
    // Removing the transmitters deletes their streams in Keycloak.
    for (const id of ['keycloak', 'keycloak-poll']) await adminApi(authority, 'POST', `/v1/ssf/transmitters/${id}/remove`, {}).catch(() => undefined);
    await Promise.all(apis.map((api) => api.process.stop()));
    await authority?.process.stop();
    if (user) await deleteKeycloakUser(keycloak.url, user.id).catch(() => undefined);
  });

  describe('push delivery (RFC 8935)', () => {
    it('registers Keycloak as a transmitter: a push stream to the authority, verified by the SET Keycloak sends at once', async () => {
      const added = await addTransmitter('keycloak', 'push');
      expect(added.status).toBe(201);
      expect(added.body['transmitter']).toMatchObject({
        id: 'keycloak',
        issuer: keycloak.issuer,
        delivery: 'push',
        endpointUrl: pushUrl('keycloak'),
        audience: [expect.stringMatching(new RegExp(`^${RECEIVER_CLIENT}/`))],
        eventsDelivered: expect.arrayContaining([`${CAEP}/session-revoked`, `${CAEP}/credential-change`]),
      });
      // ssf.autoVerifyStream: Keycloak pushes a verification SET right after creating the stream.
      await eventually('verification SET received', async () => (await adminApi(authority, 'GET', '/v1/ssf/transmitters/keycloak')).body['transmitter'] !== undefined &&
        ((await adminApi(authority, 'GET', '/v1/ssf/transmitters/keycloak')).body['transmitter'] as { verifiedAt: unknown }).verifiedAt !== null);
      const refreshed = await adminApi(authority, 'POST', '/v1/ssf/transmitters/keycloak/refresh', {});
      expect(refreshed.body['transmitter']).toMatchObject({ status: 'enabled' });
    });

    it("accepts the user's Keycloak token on all three instances, then rejects it everywhere once the session logs out, while another session passes", async () => {
      const leaving = await login();
      const staying = await login();
      expect(decodeJwt(leaving.access_token)['sid']).not.toBe(decodeJwt(staying.access_token)['sid']);
      expect(await everywhere(leaving.access_token)).toEqual(['ok', 'ok', 'ok']);

      await keycloakLogout(keycloak.issuer, leaving);
      await rejectedEverywhere('logged-out session rejected by every instance', leaving.access_token);
      expect(await everywhere(staying.access_token)).toEqual(['ok', 'ok', 'ok']);
      expect(await setsCounted({ transmitter: 'keycloak', outcome: 'applied' })).toBeGreaterThanOrEqual(1);
    });

    it("rejects every token the user had before a password reset, and accepts one issued after", async () => {
      const before = [await login(), await login()];
      for (const session of before) expect(await everywhere(session.access_token)).toEqual(['ok', 'ok', 'ok']);
      await resetKeycloakPassword(keycloak.url, user.id, user.password);
      const resetAt = Math.floor(Date.now() / 1000);
      for (const session of before) await rejectedEverywhere('tokens from before the password reset rejected', session.access_token);
      // The rule covers tokens issued up to the event's second: the next second's token is new.
      await eventually('a new second', () => Date.now() / 1000 >= resetAt + 1, 5_000);
      const after = await login();
      expect(await everywhere(after.access_token)).toEqual(['ok', 'ok', 'ok']);
    });

    it('refuses forged, unsigned, foreign and unauthenticated pushes with the RFC 8935 codes, changing nothing', async () => {
      const session = await login();
      const stream = (await adminApi(authority, 'GET', '/v1/ssf/transmitters/keycloak')).body['transmitter'] as { audience: string[]; streamId: string };
      // The push authorization revmesh gave Keycloak: the stream API shows it to the receiver client.
      const receiverToken = (await keycloakClientToken(keycloak.issuer, receiver, 'ssf.read')).access_token;
      const kcStream = (await (await fetch(`${keycloak.issuer}/ssf/transmitter/streams?stream_id=${stream.streamId}`, { headers: { authorization: `Bearer ${receiverToken}` } })).json()) as {
        delivery: { authorization_header: string };
      };
      const authorization = kcStream.delivery.authorization_header;
      const { privateKey } = await generateKeyPair('RS256');
      const claims = {
        iss: keycloak.issuer,
        aud: stream.audience[0]!,
        jti: randomBytes(8).toString('hex'),
        events: { [`${CAEP}/session-revoked`]: { event_timestamp: Math.floor(Date.now() / 1000) } },
        sub_id: { format: 'complex', user: { format: 'iss_sub', iss: keycloak.issuer, sub: user.id }, session: { format: 'opaque', id: String(decodeJwt(session.access_token)['sid']) } },
      };
      const forge = (overrides: Record<string, unknown> = {}, kid = 'forged') =>
        new SignJWT({ ...claims, ...overrides, jti: randomBytes(8).toString('hex') }).setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt', kid }).setIssuedAt().sign(privateKey);
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'secevent+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, iat: Math.floor(Date.now() / 1000) })).toString('base64url')}.`;
      /** `auth` null: no Authorization header at all. */
      const push = (body: string, auth: string | null = authorization) =>
        fetch(pushUrl('keycloak'), { method: 'POST', headers: { 'content-type': 'application/secevent+jwt', ...(auth === null ? {} : { authorization: auth }) }, body });

      const cases: [string, Promise<Response>, number, string][] = [
        ['no authorization', push(await forge(), null), 401, 'authentication_failed'],
        ['wrong authorization', push(await forge(), 'Bearer guessed'), 401, 'authentication_failed'],
        ['not a SET', push('hello'), 400, 'invalid_request'],
        ['signed by another key', push(await forge()), 400, 'invalid_key'],
        ['unsigned', push(unsigned), 400, 'invalid_key'],
        ['another issuer', push(await forge({ iss: 'https://evil.example.test' })), 400, 'invalid_issuer'],
        ['another stream', push(await forge({ aud: `${RECEIVER_CLIENT}/another-stream` })), 400, 'invalid_audience'],
      ];
      for (const [what, pending, status, err] of cases) {
        const response = await pending;
        expect({ what, status: response.status, body: await response.json() }).toEqual({ what, status, body: { err, description: expect.any(String) } });
      }
      // Nothing changed: the session the forged SETs named still passes everywhere.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await everywhere(session.access_token)).toEqual(['ok', 'ok', 'ok']);
      expect(await setsCounted({ transmitter: 'keycloak', outcome: 'refused', code: 'invalid_key' })).toBe(2);
      expect(await setsCounted({ transmitter: 'keycloak', outcome: 'refused', code: 'authentication_failed' })).toBe(2);
      // Logged without their content.
      expect(authority.process.output()).toContain('ssf SET refused');
      expect(authority.process.output()).not.toContain(user.id);
    });
  });

  describe('stream updates', () => {
    it('rotates the push authorization (PATCH at Keycloak): the next logout still reaches every instance', async () => {
      const readHeader = async () => {
        const token = (await keycloakClientToken(keycloak.issuer, receiver, 'ssf.read')).access_token;
        const streams = (await (await fetch(`${keycloak.issuer}/ssf/transmitter/streams`, { headers: { authorization: `Bearer ${token}` } })).json()) as { delivery: { authorization_header: string } }[];
        return streams[0]?.delivery.authorization_header;
      };
      const before = await readHeader();
      const rotated = await adminApi(authority, 'POST', '/v1/ssf/transmitters/keycloak/rotate-push-authorization', {});
      expect(rotated.status).toBe(200);
      const after = await readHeader();
      expect(after).toMatch(/^Bearer /);
      expect(after).not.toBe(before);
      const session = await login();
      await keycloakLogout(keycloak.issuer, session);
      await rejectedEverywhere('logged-out session rejected after the rotation', session.access_token);
    });
  });

  describe('poll delivery (RFC 8936)', () => {
    it('registers a poll stream in place of the push stream', async () => {
      const removed = await adminApi(authority, 'POST', '/v1/ssf/transmitters/keycloak/remove', {});
      expect(removed.body).toEqual({ removed: 'keycloak', streamDeleted: true });
      const added = await addTransmitter('keycloak-poll', 'poll');
      expect(added.status).toBe(201);
      expect(added.body['transmitter']).toMatchObject({ delivery: 'poll', endpointUrl: expect.stringContaining(`/ssf/transmitter/receivers/${RECEIVER_CLIENT}/streams/`) });
    });

    it('rejects a logged-out session everywhere, polled and acknowledged, while another session passes', async () => {
      const leaving = await login();
      const staying = await login();
      expect(await everywhere(leaving.access_token)).toEqual(['ok', 'ok', 'ok']);
      await keycloakLogout(keycloak.issuer, leaving);
      await rejectedEverywhere('logged-out session rejected (poll)', leaving.access_token);
      expect(await everywhere(staying.access_token)).toEqual(['ok', 'ok', 'ok']);
    });

    it('holds events while the stream is paused at Keycloak, and applies them once it is resumed', async () => {
      expect((await adminApi(authority, 'POST', '/v1/ssf/transmitters/keycloak-poll/status', { status: 'paused', reason: 'e2e maintenance' })).body['transmitter']).toMatchObject({ status: 'paused' });
      const session = await login();
      await keycloakLogout(keycloak.issuer, session);
      // Several poll rounds and drainer runs: nothing arrives while paused.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await everywhere(session.access_token)).toEqual(['ok', 'ok', 'ok']);
      expect((await adminApi(authority, 'POST', '/v1/ssf/transmitters/keycloak-poll/status', { status: 'enabled' })).body['transmitter']).toMatchObject({ status: 'enabled' });
      await rejectedEverywhere('the held logout applied after resuming', session.access_token);
    });

    it('rejects tokens from before a password reset, and accepts one issued after (poll)', async () => {
      const before = await login();
      await resetKeycloakPassword(keycloak.url, user.id, user.password);
      const resetAt = Math.floor(Date.now() / 1000);
      await rejectedEverywhere('token from before the password reset rejected (poll)', before.access_token);
      await eventually('a new second', () => Date.now() / 1000 >= resetAt + 1, 5_000);
      expect(await everywhere((await login()).access_token)).toEqual(['ok', 'ok', 'ok']);
    });
  });
});
