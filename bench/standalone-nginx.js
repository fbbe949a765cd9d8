// What revmesh-sidecar adds to a request behind nginx: the same nginx proxies to the same upstream
// once with `auth_request` to revmesh-sidecar (the README's configuration) and once without auth.
//
//   npm run build && KAFKA_BROKERS=127.0.0.1:19092 node bench/standalone-nginx.js [--rounds 6] [--seconds 5] [--connections 16]
//
// Needs nginx (apt-get install -y nginx-light) and wrk (apt-get install -y wrk). Starts the built
// authority (demo mode, fresh data folder and topic prefix), revmesh-sidecar, a plain Node upstream
// and nginx, then runs wrk against the two servers in interleaved rounds (A B, B A, …) and prints
// each round, the median req/s and latency p50/p99 of each, and the ratios. Not part of `npm test`.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const ts = require('../libs/test-support/dist/index.js');

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const rounds = arg('rounds', 6);
const seconds = arg('seconds', 5);
const connections = arg('connections', 16);
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) throw new Error('set KAFKA_BROKERS (e.g. npm run kafka:start, then KAFKA_BROKERS=127.0.0.1:19092)');
if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed: apt-get install -y wrk');
if (!ts.findNginx()) throw new Error('nginx is not installed: apt-get install -y nginx-light');
const root = join(__dirname, '..');

/** wrk's "Requests/sec" and its --latency distribution, in ms. */
function runWrk(url, token) {
  const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Authorization: Bearer ${token}`, url], { encoding: 'utf8' });
  const out = run.stdout;
  const ms = (label) => {
    const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk output without ${label}:\n${out}${run.stderr}`);
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  if (non2xx > 0 || errors) throw new Error(`${url}: ${non2xx} non-2xx responses, socket errors: ${errors ?? 'none'}`);
  return { rps, p50: ms('50%'), p99: ms('99%') };
}
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

(async () => {
  const stops = [];
  try {
    // Authority, demo mode: its demo client gets tokens for audience demo-api.
    const authorityPort = await ts.freePort();
    const authorityUrl = `http://127.0.0.1:${authorityPort}`;
    const secret = randomBytes(24).toString('base64url');
    const prefix = `bench-nginx-${randomBytes(4).toString('hex')}.`;
    const authority = await ts.startServiceProcess({
      name: 'authority', command: process.execPath, args: [join(root, 'apps/authority/dist/main.js')], readyLine: /revmesh authority listening on/, readyTimeoutMs: 60_000,
      env: { PATH: process.env.PATH, PORT: String(authorityPort), KAFKA_BROKERS: brokers, REVMESH_ISSUER: authorityUrl, REVMESH_DATA_DIR: mkdtempSync(join(tmpdir(), 'revmesh-bench-nginx-')),
        REVMESH_KEK: randomBytes(32).toString('base64'), REVMESH_TOPIC_PREFIX: prefix, REVMESH_LOG_LEVEL: 'error', REVMESH_DEMO: 'true',
        REVMESH_DEMO_CLIENT_ID: 'bench-client', REVMESH_DEMO_CLIENT_SECRET: secret, REVMESH_DEMO_AUDIENCE: 'demo-api' },
    });
    stops.push(() => authority.stop());
    const signers = await (await fetch(`${authorityUrl}/.well-known/revmesh-event-signers.json`)).text();
    const tokenResponse = await fetch(`${authorityUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`bench-client:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const token = (await tokenResponse.json()).access_token;

    const sidecarPort = await ts.freePort();
    const sidecar = await ts.startServiceProcess({
      name: 'revmesh-sidecar', command: process.execPath, args: [join(root, 'apps/standalone-sidecar/dist/main.js')], readyLine: /ready on/, readyTimeoutMs: 60_000,
      env: { PATH: process.env.PATH, REVMESH_SIDECAR_PORT: String(sidecarPort), KAFKA_BROKERS: brokers, REVMESH_ISSUER: authorityUrl, REVMESH_AUDIENCE: 'demo-api',
        REVMESH_EVENT_SIGNERS: signers, REVMESH_TOPIC_PREFIX: prefix, REVMESH_LOG_LEVEL: 'warn', ...(process.env.OTEL_SDK_DISABLED ? { OTEL_SDK_DISABLED: process.env.OTEL_SDK_DISABLED } : {}) },
    });
    stops.push(() => sidecar.stop());

    // The upstream: a plain Node service in its own process, as the service behind nginx would be.
    const upstreamPort = await ts.freePort();
    const upstream = await ts.startServiceProcess({
      name: 'upstream', command: process.execPath, readyLine: /listening/, env: { PATH: process.env.PATH },
      args: ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${upstreamPort}, '127.0.0.1', () => console.log('listening'))`],
    });
    stops.push(() => upstream.stop());

    const authPort = await ts.freePort();
    const plainPort = await ts.freePort();
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
    const nginx = await ts.startNginx({
      port: authPort,
      httpConfig: `${ts.authRequestConfig({ listenPort: authPort, upstreamUrl, sidecarAddress: `127.0.0.1:${sidecarPort}` })}
server {
    listen 127.0.0.1:${plainPort};
    location / { proxy_pass ${upstreamUrl}; }
}
`,
    });
    stops.push(() => nginx.stop());

    const auth = `http://127.0.0.1:${authPort}/orders`;
    const plain = `http://127.0.0.1:${plainPort}/orders`;
    const check = await fetch(auth, { headers: { authorization: `Bearer ${token}` } });
    if (check.status !== 200) throw new Error(`auth server answered ${check.status} ${check.headers.get('x-revmesh-code')}`);
    if ((await fetch(auth)).status !== 401) throw new Error('auth server let a request without a token through');

    console.log(`wrk -t1 -c${connections} -d${seconds}s --latency, ${rounds} interleaved rounds; node ${process.version}, nginx ${spawnSync(ts.findNginx(), ['-v'], { encoding: 'utf8' }).stderr.trim().split('/')[1]}`);
    runWrk(plain, token);
    runWrk(auth, token); // warm-up: JIT, keep-alive connections to the sidecar
    const results = { plain: [], auth: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['plain', 'auth'] : ['auth', 'plain'];
      for (const which of order) {
        const r = runWrk(which === 'auth' ? auth : plain, token);
        results[which].push(r);
        console.log(`round ${round + 1} ${which.padEnd(5)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`);
      }
    }
    const summary = (which) => ({ rps: median(results[which].map((r) => r.rps)), p50: median(results[which].map((r) => r.p50)), p99: median(results[which].map((r) => r.p99)) });
    const a = summary('auth');
    const p = summary('plain');
    console.log('\nmedians over rounds');
    console.log(`nginx alone            ${p.rps.toFixed(0).padStart(6)} req/s  p50 ${p.p50.toFixed(2)} ms  p99 ${p.p99.toFixed(2)} ms`);
    console.log(`nginx + revmesh-sidecar ${a.rps.toFixed(0).padStart(5)} req/s  p50 ${a.p50.toFixed(2)} ms  p99 ${a.p99.toFixed(2)} ms`);
    console.log(`ratio (with / without)  throughput ${(a.rps / p.rps).toFixed(2)}x  p50 ${(a.p50 / p.p50).toFixed(2)}x  p99 ${(a.p99 / p.p99).toFixed(2)}x`);
    console.log(`added per request      p50 +${(a.p50 - p.p50).toFixed(2)} ms  p99 +${(a.p99 - p.p99).toFixed(2)} ms  (at ${connections} connections)`);
    // For reading the numbers: the sidecar's endpoint on its own, without nginx in front.
    const direct = runWrk(`http://127.0.0.1:${sidecarPort}/auth`, token);
    console.log(`revmesh-sidecar alone  ${direct.rps.toFixed(0).padStart(6)} req/s  p50 ${direct.p50.toFixed(2)} ms  p99 ${direct.p99.toFixed(2)} ms  (wrk straight to /auth)`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
