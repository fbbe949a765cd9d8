'use strict';
// The built authority as a child process for bench scenarios: a fresh data folder, its own topic
// prefix, no two-person rule, one bootstrapped security-admin whose session makes the requests.
const { randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const built = require('./built');

/**
 * @param {{ brokers: string[], topicPrefix: string, env?: Record<string, string>, execArgv?: string[] }} options
 *   `execArgv`: node flags for the authority (e.g. `--cpu-prof`, which NODE_OPTIONS does not take)
 * @returns {Promise<{ url: string, topicPrefix: string, admin: any, revoke: (target: string, value: string) => Promise<{ id: string }>, eventSigners: () => Promise<object[]>, stop: () => Promise<void> }>}
 */
async function startBenchAuthority({ brokers, topicPrefix, env = {}, execArgv = [] }) {
  const ts = built.testSupport();
  const port = await ts.freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'revmesh-bench-authority-'));
  const bootstrapToken = randomBytes(32).toString('base64url');
  writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ approvals: { requiredFor: [] } }));
  const child = await ts.startServiceProcess({
    name: 'authority',
    command: process.execPath,
    args: [...execArgv, join(built.root, 'apps/authority/dist/main.js')],
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      KAFKA_BROKERS: brokers.join(','),
      REVMESH_ISSUER: url,
      REVMESH_DATA_DIR: dataDir,
      REVMESH_BOOTSTRAP_TOKEN: bootstrapToken,
      REVMESH_POLICY_FILE: join(dataDir, 'policy.json'),
      REVMESH_KEK: randomBytes(32).toString('base64'),
      REVMESH_TOPIC_PREFIX: topicPrefix,
      REVMESH_LOG_LEVEL: 'error',
      ...env,
    },
    readyLine: /revmesh authority listening on/,
    readyTimeoutMs: 120_000,
  });
  let admin;
  try {
    admin = await ts.bootstrapOperator(url, bootstrapToken);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    url,
    topicPrefix,
    admin,
    /** The authority's process id (its CPU time: /proc/<pid>/stat). */
    pid: child.child.pid,
    /** POST /v1/revocations as the admin; resolves to the 202 body, rejects on any other status. */
    async revoke(target, value) {
      const response = await admin.request('POST', '/v1/revocations', { target, value, reason: 'bench' });
      if (response.status !== 202) throw new Error(`POST /v1/revocations: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    /** The event signers the authority publishes (what a bench sidecar trusts). */
    async eventSigners() {
      const response = await fetch(`${url}/.well-known/revmesh-event-signers.json`);
      if (response.status !== 200) throw new Error(`event signers: ${response.status}`);
      return (await response.json()).keys;
    },
    async stop() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

module.exports = { startBenchAuthority };
