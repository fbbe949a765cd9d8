// Ad-hoc measurement of the authority over HTTP (not yet the `npm run bench` suite the brief asks for).
//
//   npm run build && KAFKA_BROKERS=127.0.0.1:19092 node bench/authority-http.js [path/to/apps/authority/dist/main.js] [--legacy-admin-key]
//
// Starts the built authority on a fresh data folder and prints: revocations/s with 64 in flight,
// sequential revocation latency, and (operator builds) the median time of a failed login for an
// unknown user vs an existing user with a wrong password. `--legacy-admin-key` drives a build from
// before operator accounts (commit f98a5b7 and older), for a same-machine baseline.
'use strict';
const { randomBytes } = require('node:crypto');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { tmpdir } = require('node:os');
const ts = require('../libs/test-support/dist/index.js');

const args = process.argv.slice(2);
const legacy = args.includes('--legacy-admin-key');
const main = resolve(args.find((a) => !a.startsWith('--')) ?? join(__dirname, '../apps/authority/dist/main.js'));
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) throw new Error('set KAFKA_BROKERS (e.g. npm run kafka:start, then KAFKA_BROKERS=127.0.0.1:19092)');

async function concurrently(n, inFlight, fn) {
  let next = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: inFlight }, async () => { while (next < n) await fn(next++); }));
  return n / ((Date.now() - started) / 1000);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

(async () => {
  const port = await ts.freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-bench-'));
  const secret = randomBytes(32).toString('base64url');
  const env = { PATH: process.env.PATH, PORT: String(port), KAFKA_BROKERS: brokers, REVMESH_ISSUER: url, REVMESH_DATA_DIR: dir,
    REVMESH_KEK: randomBytes(32).toString('base64'), REVMESH_TOPIC_PREFIX: `bench-${randomBytes(4).toString('hex')}.`, REVMESH_LOG_LEVEL: 'error' };
  if (legacy) env.REVMESH_ADMIN_KEY = secret;
  else {
    // Enough failed logins allowed for the timing sample; no approval needed for what is measured.
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ operators: { maxFailedLogins: 100 } }));
    Object.assign(env, { REVMESH_BOOTSTRAP_TOKEN: secret, REVMESH_POLICY_FILE: join(dir, 'policy.json') });
  }
  const authority = await ts.startServiceProcess({ name: 'authority', command: process.execPath, args: [main], env, readyLine: /listening on/, readyTimeoutMs: 60_000 });
  try {
    let revoke;
    if (legacy) {
      revoke = async (value) => {
        const r = await fetch(`${url}/v1/revocations`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ target: 'jti', value, reason: 'bench' }) });
        await r.text();
        if (r.status !== 202) throw new Error(`revocation: ${r.status}`);
      };
    } else {
      const admin = await ts.bootstrapOperator(url, secret);
      revoke = async (value) => {
        const r = await admin.request('POST', '/v1/revocations', { target: 'jti', value, reason: 'bench' });
        if (r.status !== 202) throw new Error(`revocation: ${r.status} ${JSON.stringify(r.body)}`);
      };
      const login = async (username) => {
        const t = process.hrtime.bigint();
        const r = await fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'wrong-password-0000', totp: '123456' }) });
        await r.text();
        return Number(process.hrtime.bigint() - t) / 1e6;
      };
      const unknown = [];
      const existing = [];
      for (let i = 0; i < 20; i++) {
        unknown.push(await login(`nobody-${i}`));
        existing.push(await login(admin.username));
      }
      console.log(`failed login, median of 20: unknown user ${median(unknown).toFixed(1)} ms, existing user ${median(existing).toFixed(1)} ms`);
    }
    const rate = await concurrently(3000, 64, (i) => revoke(`bench-c-${i}`));
    console.log(`revocations over HTTP, 64 in flight: ${rate.toFixed(0)}/s`);
    const started = Date.now();
    for (let i = 0; i < 200; i++) await revoke(`bench-s-${i}`);
    console.log(`sequential revocations: ${((Date.now() - started) / 200).toFixed(2)} ms each`);
  } finally {
    await authority.stop();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
