import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bootstrapEnrolledAdmin, bootstrapOperator, createOwnTopics, freePort, startServiceProcess, type OperatorSession, type OwnTopics, type ServiceProcess } from '@revmesh/test-support';
import { verifyAuditExport } from '@revmesh/contracts';
import { acquireKafka, type KafkaSource } from './kafka-source';
import { requestJson } from './http';
import { runDrillDemo } from './drill-demo';
import { prepareKeycloakDemo, type KeycloakDemo } from './keycloak-demo';
import { percentile } from './stats';

/**
 * `npm run demo`: a broker, the authority and three demo-api instances; a token accepted by all
 * three, revoked, then rejected by all three, with the propagation latency each instance measured.
 * Keeps running for exploration until Ctrl-C, unless `--once` (or no terminal) is given.
 *
 * `--keycloak [--logouts N]`: the same services trusting a real Keycloak (deploy/keycloak) as well;
 * Keycloak is registered as an SSF transmitter, a user logs out in Keycloak and every service
 * rejects the token, and N more logouts (default 20) give p50/p99 of logout → rejected everywhere.
 *
 * `--drill`: ends with a `leaked-access-token` breach drill across the three instances (see
 * drill-demo.ts), printing its containment table and where its result and report were written.
 */
const ROOT = resolve(__dirname, '..', '..', '..');
const INSTANCES = 3;
const log = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const once = process.argv.includes('--once') || !process.stdin.isTTY;
  const withKeycloak = process.argv.includes('--keycloak');
  const withDrill = process.argv.includes('--drill');
  const logoutsArg = process.argv.indexOf('--logouts');
  const logouts = logoutsArg === -1 ? 20 : Number(process.argv[logoutsArg + 1]);
  if (!Number.isInteger(logouts) || logouts < 1) throw new TypeError('--logouts takes a whole number of logouts, at least 1');
  let keycloakDemo: KeycloakDemo | undefined;
  const services: ServiceProcess[] = [];
  let kafka: KafkaSource | undefined;
  let topics: OwnTopics | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'revmesh-demo-'));
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('\nShutting down ...');
    await keycloakDemo?.cleanup();
    await Promise.all(services.map((s) => s.stop()));
    await topics?.remove();
    await kafka?.release();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    kafka = await acquireKafka(ROOT, log);
    topics = createOwnTopics(kafka.brokers, 'demo');
    log(`Kafka: ${kafka.description} (${kafka.brokers}), topics ${topics.prefix}* (this run's own, deleted on exit)`);

    if (withKeycloak) keycloakDemo = await prepareKeycloakDemo(log);
    const bootstrapToken = randomBytes(32).toString('base64url');
    const clientSecret = randomBytes(32).toString('base64url');
    const authorityPort = await freePort();
    const authorityUrl = `http://127.0.0.1:${authorityPort}`;
    const common = { PATH: process.env['PATH'], KAFKA_BROKERS: kafka.brokers, REVMESH_TOPIC_PREFIX: topics.prefix, REVMESH_LOG_LEVEL: 'warn' };

    services.push(
      await startServiceProcess({
        name: 'authority',
        command: process.execPath,
        args: [join(ROOT, 'apps/authority/dist/main.js')],
        env: {
          ...common,
          PORT: String(authorityPort),
          REVMESH_ISSUER: authorityUrl,
          REVMESH_DATA_DIR: join(dataDir, 'authority'),
          REVMESH_BOOTSTRAP_TOKEN: bootstrapToken,
          REVMESH_KEK: randomBytes(32).toString('base64'),
          REVMESH_DEMO: 'true',
          REVMESH_DEMO_CLIENT_SECRET: clientSecret,
        },
        readyLine: /revmesh authority listening on/,
        readyTimeoutMs: 60_000,
      }),
    );
    log(`Authority: ${authorityUrl}`);
    // The first security-admin, as `revmesh admin bootstrap` creates it; then password + TOTP login.
    const admin = await bootstrapOperator(authorityUrl, bootstrapToken, 'demo-admin');
    log(`Operator:  ${admin.username} (security-admin), logged in with password + TOTP`);

    const apis: { id: string; url: string }[] = [];
    const started = await Promise.all(
      Array.from({ length: INSTANCES }, async (_, i) => {
        const port = await freePort();
        const id = `demo-api-${i + 1}`;
        const service = await startServiceProcess({
          name: id,
          command: process.execPath,
          args: [join(ROOT, 'apps/demo-api/dist/main.js')],
          env: { ...common, PORT: String(port), AUTHORITY_URL: authorityUrl, REVMESH_AUDIENCE: 'demo-api', REVMESH_INSTANCE_ID: id, ...keycloakDemo?.apiEnv, ...(withDrill ? { REVMESH_DRILL_SWITCH_UNSAFE: 'true' } : {}) },
          readyLine: /revmesh demo-api .* ready on/,
          readyTimeoutMs: 60_000,
        });
        return { service, api: { id, url: `http://127.0.0.1:${port}` } };
      }),
    );
    for (const { service, api } of started) {
      services.push(service);
      apis.push(api);
      log(`Service:   ${api.id} at ${api.url} (sidecar ready)`);
    }

    if (keycloakDemo !== undefined) {
      await keycloakDemo.run({ authorityUrl, admin, apis }, logouts);
      if (once) return await shutdown(0);
      log('\nEverything is still running (Ctrl-C stops it); Keycloak admin console: ' + `${keycloakDemo.keycloak.url}/admin (admin/admin)`);
      return;
    }

    const accessToken = await issueAccessToken(authorityUrl, clientSecret);
    const jti = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString())['jti'] as string;
    log(`\n1. Issued an access token for demo-client (jti ${jti}).`);

    const hello = (url: string) => requestJson(`${url}/v1/hello`, { headers: { authorization: `Bearer ${accessToken}` } });
    for (const api of apis) {
      const r = await hello(api.url);
      log(`   ${api.id}: GET /v1/hello -> ${r.status} ${JSON.stringify(r.body)}`);
      if (r.status !== 200) throw new Error(`${api.id} rejected a fresh token`);
    }

    const requestedAt = Date.now();
    const revocation = await admin.request('POST', '/v1/revocations', {
      target: 'jti',
      value: jti,
      reason: 'demo: credential leaked',
      justification: 'demo: the token was pasted into a public chat',
    });
    if (revocation.status !== 202) throw new Error(`revocation failed: ${revocation.status} ${JSON.stringify(revocation.body)}`);
    const revocationId = String(revocation.body['id']);
    log(`\n2. Revoked it: POST /v1/revocations -> 202, revocation ${revocationId}.`);

    const rows: string[] = [];
    for (const api of apis) {
      let r = await hello(api.url);
      const deadline = Date.now() + 10_000;
      while (r.status === 200 && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 5));
        r = await hello(api.url);
      }
      const applied = await requestJson(`${api.url}/_revmesh/revocations/${revocationId}`);
      const latency = applied.body['latencyMs'];
      rows.push(
        `   ${api.id}: GET /v1/hello -> ${r.status} ${String(r.body['code'] ?? '')}; revocation applied ${
          typeof latency === 'number' ? `${latency.toFixed(1)} ms` : 'n/a'
        } after the authority accepted it`,
      );
      if (r.status !== 401) throw new Error(`${api.id} still accepts the revoked token`);
    }
    log(`\n3. Every service now rejects the token (observed ${Date.now() - requestedAt} ms after the request):`);
    for (const row of rows) log(row);

    log('   (the first revocation also pays one-off warm-up costs in each process: JIT, first fetch, first publish)');

    const steady = await measureSteadyState(admin, apis, 20);
    log(`\n4. ${steady.count} more revocations, applied by all ${apis.length} services: time from the authority accepting each`);
    log(`   to a service enforcing it: p50 ${steady.p50.toFixed(1)} ms, p95 ${steady.p95.toFixed(1)} ms, max ${steady.max.toFixed(1)} ms`);
    for (const [id, values] of steady.perInstance) {
      const sorted = [...values].sort((a, b) => a - b);
      log(`   ${id}: p50 ${percentile(sorted, 0.5).toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms`);
    }

    const approver = await demonstrateKillSwitch(admin, { url: authorityUrl, token: bootstrapToken }, apis, () => issueAccessToken(authorityUrl, clientSecret));
    await reportRejectedEvents(apis);
    const drill = withDrill ? await runDrillDemo({ authorityUrl, admin, approver, apis }, log) : undefined;
    if (once && drill !== undefined && !drill.verdict.passed) {
      await shutdown(1);
      return;
    }

    if (once) {
      await shutdown(0);
      return;
    }
    log('\nEverything is still running. Try it yourself:');
    log(`   curl -s -X POST -u demo-client:${clientSecret} -d grant_type=client_credentials ${authorityUrl}/oauth/token`);
    log(`   curl -s -H "authorization: Bearer <token>" ${apis[0]?.url}/v1/hello`);
    log(`   curl -s -X POST -H "authorization: Bearer ${admin.token}" -H "content-type: application/json" \\`);
    log(`        -d '{"target":"sub","value":"demo-client","reason":"try it","justification":"trying the demo"}' ${authorityUrl}/v1/revocations`);
    log(`   your own service's sidecar: brokers ['${kafka.brokers}'], topicPrefix '${topics.prefix}', issuer '${authorityUrl}'`);
    log(`   (operator ${admin.username}, password ${admin.password}, TOTP secret ${admin.totpSecret} - for \`revmesh login\`)`);
    if (withDrill) {
      // Every scenario, against these instances (each started with the drill switch), once logged in.
      const probes = apis.map((api) => `--probe-url ${api.url}/_revmesh/probe`).join(' ');
      log(`   breach drills: revmesh --authority ${authorityUrl} drill run --audience demo-api ${probes} -j "trying a drill" --scenario leaked-access-token`);
      log(`     (or compromised-client, leaked-signing-key, mass-logout; stale-sidecar with --cut-off-url ${apis[2]?.url}/_revmesh/drill/cut-off);`);
      log(`     approve what waits with: revmesh approvals approve <id> -j "…" as ${approver.username} (password ${approver.password}, TOTP secret ${approver.totpSecret})`);
    }
    log('Press Ctrl-C to stop everything.');
  } catch (error) {
    process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    for (const s of services) {
      process.stderr.write(`--- last output of ${s.name} ---\n${s.output().split('\n').slice(-15).join('\n')}\n`);
    }
    await shutdown(1);
  }
}

async function issueAccessToken(authorityUrl: string, clientSecret: string): Promise<string> {
  const token = await requestJson(`${authorityUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`demo-client:${clientSecret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  if (token.status !== 200) throw new Error(`token request failed: ${token.status} ${JSON.stringify(token.body)}`);
  return String(token.body['access_token']);
}

/** Polls every service until `accepts(status)` holds for all; returns ms since `since`. */
async function untilEveryService(apis: readonly { id: string; url: string }[], token: string, wanted: number, since: number): Promise<number> {
  for (const api of apis) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await requestJson(`${api.url}/v1/hello`, { headers: { authorization: `Bearer ${token}` } });
      if (r.status === wanted) break;
      if (Date.now() > deadline) throw new Error(`${api.id} answered ${r.status} ${JSON.stringify(r.body)}, expected ${wanted}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  }
  return Date.now() - since;
}

/**
 * The kill switch under the two-person rule: one security-admin asks for a lockdown of the demo
 * audience, a second approves it, every service fails closed; lifting takes the same two steps.
 * Ends with the audit chain of all of it, verified; returns the second security-admin (the drill demo asks them again).
 */
async function demonstrateKillSwitch(
  admin: OperatorSession,
  bootstrap: { readonly url: string; readonly token: string },
  apis: readonly { id: string; url: string }[],
  newToken: () => Promise<string>,
): Promise<OperatorSession> {
  // The second of the initial security-admins: the bootstrap token yields an enrolment code for
  // that person, who sets their own password and TOTP. (A security-admin created by demo-admin
  // would wait for an approval nobody else could give.)
  const approver = await bootstrapEnrolledAdmin(bootstrap.url, bootstrap.token, 'demo-approver');
  log(`Operator:  ${approver.username} (security-admin), enrolled with their own one-time code`);
  const approve = async (pending: { status: number; body: Record<string, unknown> }, what: string) => {
    if (pending.status !== 202) throw new Error(`${what}: expected 202 pending approval, got ${pending.status} ${JSON.stringify(pending.body)}`);
    const id = String((pending.body['approval'] as { id: string }).id);
    const self = await admin.request('POST', `/v1/approvals/${id}/approve`, { justification: 'demo: approving my own request' });
    const approved = await approver.request('POST', `/v1/approvals/${id}/approve`, { justification: 'demo: second pair of eyes agrees' });
    if (approved.status !== 200) throw new Error(`approval failed: ${approved.status} ${JSON.stringify(approved.body)}`);
    return { id, selfStatus: self.status, selfCode: String(self.body['code']) };
  };

  const token = await newToken();
  const engage = await admin.request('POST', '/v1/kill-switch', {
    audience: 'demo-api',
    lockdown: true,
    justification: 'demo: suspected breach of demo-api, lock it down',
  });
  const engaged = await approve(engage, 'kill switch');
  const approvedAt = Date.now();
  log(`\n5. Kill switch with lockdown for audience demo-api, under the two-person rule:`);
  log(`   ${admin.username}: POST /v1/kill-switch -> 202 pending approval ${engaged.id}`);
  log(`   ${admin.username} approving it: ${engaged.selfStatus} ${engaged.selfCode}; ${approver.username}: approved, executed`);
  const lockedMs = await untilEveryService(apis, token, 503, approvedAt);
  log(`   every service answers 503 LOCKDOWN, even to a valid token (all ${apis.length} within ${lockedMs} ms of the approval)`);

  const lift = await admin.request('POST', '/v1/kill-switch/lift', { audience: 'demo-api', justification: 'demo: breach contained' });
  await approve(lift, 'lift');
  const liftedAt = Date.now();
  const fresh = await newToken();
  const liftedMs = await untilEveryService(apis, fresh, 200, liftedAt);
  const old = await requestJson(`${apis[0]?.url}/v1/hello`, { headers: { authorization: `Bearer ${token}` } });
  log(`   lifted (approved by ${approver.username}): a token issued now is accepted everywhere ${liftedMs} ms after the approval`);
  log('   (including the issuer waiting for the next whole second of iat, past the cut);');
  log(`   the token issued before the cut stays rejected: ${old.status} ${String(old.body['code'] ?? '')}`);

  const exported = await fetch(`${admin.url}/v1/audit/export`, { headers: { authorization: `Bearer ${admin.token}` } });
  const lines = (await exported.text()).split('\n').filter((line) => line.trim() !== '');
  const verdict = verifyAuditExport(lines.join('\n'));
  log(`\n6. Audit: ${lines.length} hash-chained entries (logins, requests, approvals, kill switch, revocations, the export itself);`);
  log(`   chain ${verdict.ok ? 'verified' : `BROKEN at seq ${String(verdict.seq)}: ${verdict.problem}`} (revmesh audit verify does the same offline)`);
  if (!verdict.ok) throw new Error('the audit chain does not verify');
  return approver;
}

/**
 * Every event this run's services read was signed by this run's authority: a rejection here would
 * mean the run read someone else's topics (or a forgery), so it is shown, not hidden.
 */
async function reportRejectedEvents(apis: readonly { id: string; url: string }[]): Promise<void> {
  const rejected: string[] = [];
  for (const api of apis) {
    const stats = await requestJson(`${api.url}/_revmesh/stats`);
    for (const [reason, count] of Object.entries((stats.body['rejectedEvents'] ?? {}) as Record<string, number>)) {
      if (count > 0) rejected.push(`${api.id} ${reason} ${count}`);
    }
  }
  log(`\n7. Events rejected by the services: ${rejected.length === 0 ? 'none (every event was signed by this run\'s authority)' : rejected.join(', ')}`);
}

/** Revokes `count` synthetic jtis one after another and collects each instance's own latency measurement. */
async function measureSteadyState(admin: OperatorSession, apis: readonly { id: string; url: string }[], count: number) {
  const perInstance = new Map<string, number[]>(apis.map((a) => [a.id, []]));
  for (let i = 0; i < count; i++) {
    const r = await admin.request('POST', '/v1/revocations', {
      target: 'jti',
      value: `demo-steady-${Date.now()}-${i}`,
      reason: 'demo: steady-state latency',
      justification: 'demo: measuring steady-state propagation',
    });
    if (r.status !== 202) throw new Error(`revocation failed: ${r.status} ${JSON.stringify(r.body)}`);
    for (const api of apis) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const applied = await requestJson(`${api.url}/_revmesh/revocations/${String(r.body['id'])}`);
        if (applied.status === 200 && typeof applied.body['latencyMs'] === 'number') {
          perInstance.get(api.id)?.push(applied.body['latencyMs']);
          break;
        }
        if (Date.now() > deadline) throw new Error(`${api.id} did not apply revocation ${String(r.body['id'])}`);
        await new Promise((res) => setTimeout(res, 2));
      }
    }
  }
  const all = [...perInstance.values()].flat().sort((a, b) => a - b);
  return { count, perInstance, p50: percentile(all, 0.5), p95: percentile(all, 0.95), max: all[all.length - 1] ?? Number.NaN };
}

void main();
