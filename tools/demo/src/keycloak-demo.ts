import { randomBytes } from 'node:crypto';
import {
  createKeycloakUser,
  deleteKeycloakStreams,
  deleteKeycloakUser,
  demoRealm,
  ensureKeycloak,
  keycloakClientToken,
  keycloakLogout,
  keycloakPasswordToken,
  setKeycloakClientAttributes,
  type KeycloakTestUser,
  type LocalKeycloak,
  type OperatorSession,
} from '@revmesh/test-support';
import { requestJson } from './http';
import { percentile } from './stats';

/** The demo's services, as `main.ts` started them. */
export interface DemoServices {
  readonly authorityUrl: string;
  readonly admin: OperatorSession;
  readonly apis: readonly { readonly id: string; readonly url: string }[];
}

/** The Keycloak part of `npm run demo -- --keycloak`, set up before the services start (they must trust its issuer). */
export interface KeycloakDemo {
  readonly keycloak: LocalKeycloak;
  /** What the demo-apis need in their environment to accept Keycloak's tokens. */
  readonly apiEnv: Readonly<Record<string, string>>;
  /** Registers Keycloak as a transmitter, logs a user out `logouts` times and prints the latencies. */
  run(services: DemoServices, logouts: number): Promise<void>;
  /** Removes the transmitter (deleting its stream in Keycloak) and the demo user. */
  cleanup(): Promise<void>;
}

const TRANSMITTER_ID = 'keycloak';

/**
 * Makes sure Keycloak runs (deploy/keycloak/keycloak.sh, or KEYCLOAK_URL), timing its start, and
 * returns the rest of the Keycloak demo.
 */
export async function prepareKeycloakDemo(log: (line?: string) => void): Promise<KeycloakDemo> {
  const realm = demoRealm();
  const startedAt = Date.now();
  const keycloak = await ensureKeycloak();
  const startMs = Date.now() - startedAt;
  log(`Keycloak:  ${keycloak.issuer} (${keycloak.startedHere ? `started in ${(startMs / 1000).toFixed(1)} s` : `already running, reached in ${startMs} ms`})`);
  let services: DemoServices | undefined;
  let user: KeycloakTestUser | undefined;
  const apiEnv = { REVMESH_ISSUERS: JSON.stringify([{ issuer: keycloak.issuer, keys: { discovery: true }, audience: realm.audience }]) };

  return {
    keycloak,
    apiEnv,
    async run(started, logouts) {
      services = started;
      const { admin, apis, authorityUrl } = started;
      const pushUrl = `${authorityUrl}/ssf/receiver/push/${TRANSMITTER_ID}`;
      // One stream per receiver client, and Keycloak takes no wildcard port in ssf.validPushUrls.
      await deleteKeycloakStreams(keycloak.issuer, (await keycloakClientToken(keycloak.issuer, realm.ssfReceiver, 'ssf.read ssf.manage')).access_token);
      await setKeycloakClientAttributes(keycloak.url, realm.ssfReceiver.clientId, { 'ssf.validPushUrls': pushUrl });
      const justification = 'demo: Keycloak logouts end API tokens';
      const issuer = await admin.request('POST', '/v1/issuers', { issuer: keycloak.issuer, description: 'demo Keycloak', justification });
      if (issuer.status !== 201) throw new Error(`registering the Keycloak issuer failed: ${issuer.status} ${JSON.stringify(issuer.body)}`);
      const added = await admin.request('POST', '/v1/ssf/transmitters', {
        id: TRANSMITTER_ID,
        config_url: `${keycloak.issuer}/.well-known/ssf-configuration`,
        client_id: realm.ssfReceiver.clientId,
        client_secret: realm.ssfReceiver.secret,
        scope: 'ssf.read ssf.manage',
        delivery: 'push',
        justification,
      });
      if (added.status !== 201) throw new Error(`registering Keycloak as an SSF transmitter failed: ${added.status} ${JSON.stringify(added.body)}`);
      const transmitter = added.body['transmitter'] as { streamId: string; endpointUrl: string };
      log(`\n1. Keycloak registered as an SSF transmitter: stream ${transmitter.streamId} pushing to ${transmitter.endpointUrl}`);

      user = await createKeycloakUser(keycloak.url, `demo-${randomBytes(4).toString('hex')}`, randomBytes(12).toString('base64url'));
      const demoUser = user;
      const login = () => keycloakPasswordToken(keycloak.issuer, demoUser.username, demoUser.password);
      const answers = (token: string) =>
        Promise.all(apis.map(async (api) => requestJson(`${api.url}/v1/hello`, { headers: { authorization: `Bearer ${token}` } })));

      const first = await login();
      const other = await login();
      for (const [api, answer] of zip(apis, await answers(first.access_token))) log(`   ${api.id}: GET /v1/hello with ${demoUser.username}'s Keycloak token -> ${answer.status}`);
      const lastSetAt = async () => {
        const view = await admin.request('GET', `/v1/ssf/transmitters/${TRANSMITTER_ID}`);
        return Number((view.body['transmitter'] as { lastSetAt: number | null }).lastSetAt);
      };
      const timed = async (session: { access_token: string; refresh_token?: string }) => {
        const { confirmedAt, rejectedAt } = await logoutUntilRejected(keycloak.issuer, session, apis);
        const setAt = await lastSetAt();
        return { total: rejectedAt - confirmedAt, keycloak: setAt - confirmedAt, revmesh: rejectedAt - setAt };
      };
      const firstMs = (await timed(first)).total;
      log(`\n2. ${demoUser.username} logged out in Keycloak: every service answers 401 TOKEN_REVOKED ${firstMs.toFixed(0)} ms after Keycloak confirmed the logout`);
      const otherAnswers = await answers(other.access_token);
      log(`   the same user's other session still passes: ${otherAnswers.map((a) => a.status).join(', ')}`);

      const samples: { total: number; keycloak: number; revmesh: number }[] = [];
      for (let i = 0; i < logouts; i++) samples.push(await timed(await login()));
      const stats = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return `p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p99 ${percentile(sorted, 0.99).toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted[sorted.length - 1]?.toFixed(0)} ms`;
      };
      log(`\n3. ${logouts} more logouts: from Keycloak confirming the logout to the last of ${apis.length} services rejecting the token`);
      log(`   ${stats(samples.map((s) => s.total))}`);
      log(`   of which Keycloak to the SET accepted by revmesh: ${stats(samples.map((s) => s.keycloak))}`);
      log(`   and the SET accepted to the last service rejecting: ${stats(samples.map((s) => s.revmesh))}`);
      log('   (Keycloak queues its SSF events and pushes them every outbox-drainer-interval: 250 ms in keycloak.sh, 30 s by');
      log('    Keycloak default. That wait is most of the figure; the rest is the push, the SET check, the store and Kafka.)');
    },
    async cleanup() {
      if (services !== undefined) {
        await services.admin.request('POST', `/v1/ssf/transmitters/${TRANSMITTER_ID}/remove`, { justification: 'demo: done' }).catch(() => undefined);
      }
      if (user !== undefined) await deleteKeycloakUser(keycloak.url, user.id).catch(() => undefined);
    },
  };
}

/**
 * Logs a session out through Keycloak's OIDC logout and polls every service until each rejects
 * its token with TOKEN_REVOKED; returns when Keycloak answered (the event is recorded by then) and
 * when the last service rejected, epoch ms.
 */
async function logoutUntilRejected(
  issuer: string,
  session: { access_token: string; refresh_token?: string },
  apis: DemoServices['apis'],
): Promise<{ confirmedAt: number; rejectedAt: number }> {
  for (const api of apis) {
    const before = await requestJson(`${api.url}/v1/hello`, { headers: { authorization: `Bearer ${session.access_token}` } });
    if (before.status !== 200) throw new Error(`${api.id} rejected a fresh Keycloak token: ${before.status} ${JSON.stringify(before.body)}`);
  }
  await keycloakLogout(issuer, session);
  const confirmedAt = Date.now();
  const times = await Promise.all(
    apis.map(async (api) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await requestJson(`${api.url}/v1/hello`, { headers: { authorization: `Bearer ${session.access_token}` } });
        if (r.status === 401 && r.body['code'] === 'TOKEN_REVOKED') return Date.now();
        if (Date.now() > deadline) throw new Error(`${api.id} still answers ${r.status} 30 s after the logout`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  return { confirmedAt, rejectedAt: Math.max(...times) };
}

function zip<A, B>(a: readonly A[], b: readonly B[]): [A, B][] {
  return a.map((item, i) => [item, b[i]!]);
}
