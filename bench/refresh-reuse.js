// Time from a refresh-token reuse to its rejection at every sidecar: a session is started by token
// exchange, its refresh token rotated, then the spent one replayed after the grace window; the
// clock starts when the replay is sent and stops when the last of the sidecars refuses the
// session's current access token (TOKEN_REVOKED). That covers the authority's reuse detection,
// the sid revocation's commit and outbox relay, Kafka, and each sidecar's apply.
//
//   npm run build && KAFKA_BROKERS=127.0.0.1:19092 node bench/refresh-reuse.js [--rounds 15] [--sidecars 3]
//
// Starts the built authority (fresh data folder and topic prefix, a policy allowing one client to
// exchange the authority's own tokens, reuseGraceSeconds 1) and N in-process sidecars, and prints
// each round, then p50, min and max. Not part of `npm test` (no timed assertion anywhere).
'use strict';
const { randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const built = require('./lib/built');
const { median } = require('./lib/stats');

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const rounds = arg('rounds', 15);
const sidecarCount = arg('sidecars', 3);
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) throw new Error('set KAFKA_BROKERS (e.g. npm run kafka:start, then KAFKA_BROKERS=127.0.0.1:19092)');

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const GRACE_SECONDS = 1;

async function main() {
  const ts = built.testSupport();
  const { createSidecar } = built.sidecar();
  const port = await ts.freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'revmesh-bench-reuse-'));
  const topicPrefix = `bench-reuse-${randomBytes(4).toString('hex')}.`;
  const bootstrapToken = randomBytes(32).toString('base64url');
  writeFileSync(
    join(dataDir, 'policy.json'),
    JSON.stringify({
      approvals: { requiredFor: [] },
      tokenExchange: { rules: [{ clients: ['bench-bff'], issuers: ['self'], audiences: ['demo-api'] }] },
      sessions: { reuseGraceSeconds: GRACE_SECONDS },
    }),
  );
  const authority = await ts.startServiceProcess({
    name: 'authority',
    command: process.execPath,
    args: [join(built.root, 'apps/authority/dist/main.js')],
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      KAFKA_BROKERS: brokers,
      REVMESH_ISSUER: url,
      REVMESH_DATA_DIR: dataDir,
      REVMESH_BOOTSTRAP_TOKEN: bootstrapToken,
      REVMESH_POLICY_FILE: join(dataDir, 'policy.json'),
      REVMESH_KEK: randomBytes(32).toString('base64'),
      REVMESH_TOPIC_PREFIX: topicPrefix,
      REVMESH_LOG_LEVEL: 'error',
    },
    readyLine: /revmesh authority listening on/,
    readyTimeoutMs: 120_000,
  });
  const sidecars = [];
  try {
    const admin = await ts.bootstrapOperator(url, bootstrapToken);
    const secrets = {};
    for (const [clientId, audiences] of [['bench-bff', ['demo-api']], ['bench-user', ['demo-api']]]) {
      const registered = await admin.request('POST', '/v1/clients', { client_id: clientId, audiences, scopes: [] });
      if (registered.status !== 201) throw new Error(`POST /v1/clients: ${registered.status} ${JSON.stringify(registered.body)}`);
      secrets[clientId] = registered.body.client_secret;
    }
    const form = async (clientId, body) => {
      const response = await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secrets[clientId]}`).toString('base64')}` },
        body: new URLSearchParams(body).toString(),
      });
      return { status: response.status, body: await response.json() };
    };
    const eventSigners = (await (await fetch(`${url}/.well-known/revmesh-event-signers.json`)).json()).keys;
    for (let i = 0; i < sidecarCount; i += 1) {
      sidecars.push(
        createSidecar({ issuer: url, audience: 'demo-api', eventSigners, brokers: brokers.split(','), topicPrefix, instanceId: `bench-reuse-${i + 1}`, heartbeatIntervalMs: 1000 }),
      );
    }
    await Promise.all(sidecars.map((s) => s.start()));
    await Promise.all(sidecars.map((s) => s.ready));

    const samples = [];
    for (let round = 1; round <= rounds; round += 1) {
      const user = (await form('bench-user', { grant_type: 'client_credentials' })).body.access_token;
      const exchanged = await form('bench-bff', { grant_type: EXCHANGE, subject_token: user, subject_token_type: ACCESS_TOKEN });
      if (exchanged.status !== 200) throw new Error(`exchange: ${exchanged.status} ${JSON.stringify(exchanged.body)}`);
      const rotated = await form('bench-bff', { grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token });
      const current = rotated.body.access_token;
      for (const s of sidecars) if (!(await s.verify(current)).ok) throw new Error('a fresh access token was refused');
      await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 200));

      const start = process.hrtime.bigint();
      const replay = form('bench-bff', { grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token });
      const rejectedAt = await Promise.all(
        sidecars.map(async (s) => {
          for (;;) {
            const result = await s.verify(current);
            if (!result.ok && result.code === 'TOKEN_REVOKED') return process.hrtime.bigint();
            await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      );
      const ms = Number(rejectedAt.reduce((a, b) => (a > b ? a : b)) - start) / 1e6;
      const answered = await replay;
      if (answered.body.error !== 'invalid_grant') throw new Error(`the replay was answered ${JSON.stringify(answered.body)}`);
      samples.push(ms);
      console.log(`round ${round}: ${ms.toFixed(1)} ms (reuse → TOKEN_REVOKED at all ${sidecarCount} sidecars)`);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    console.log(`\n${rounds} rounds, ${sidecarCount} sidecars: p50 ${median(samples).toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
  } finally {
    await Promise.all(sidecars.map((s) => s.close()));
    await authority.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
