'use strict';
// HTTP: the same Fastify route served with the sidecar's adapter (a client reusing its token, as
// clients do) and without auth, each server in its own child process, loaded by wrk (one thread,
// 16 connections) in interleaved rounds; req/s medians. Twice: without an OpenTelemetry SDK, and
// with the apps' SDK started in both servers (HTTP instrumentation, every span recorded).
const { spawn, spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { interleave } = require('../lib/interleave');
const { median, bySize } = require('../lib/stats');
const { row } = require('../lib/report');

function startServer(mode, telemetry) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'http-server-child.js'), mode, telemetry], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ ...JSON.parse(line), child });
    });
    child.once('exit', (code) => reject(new Error(`http server (${mode}) exited with ${code} before listening`)));
  });
}

function wrk(port, token, seconds) {
  const run = spawnSync('wrk', ['-t1', '-c16', `-d${seconds}s`, '-H', `Authorization: Bearer ${token}`, `http://127.0.0.1:${port}/orders`], { encoding: 'utf8' });
  if (run.error) throw new Error(`wrk: ${run.error.message} (apt-get install -y wrk)`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(run.stdout)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`wrk: ${non2xx} non-2xx responses from port ${port}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(run.stdout)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`wrk printed no Requests/sec:\n${run.stdout}${run.stderr}`);
  return rps;
}

async function run({ mode, log }) {
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed: apt-get install -y wrk');
  const rounds = bySize(mode, { full: 6, quick: 3, smoke: 1 });
  const seconds = bySize(mode, { full: 8, quick: 3, smoke: 1 });
  const rows = [];
  for (const telemetry of ['off', 'otel']) {
    const [none, auth] = [await startServer('none', telemetry), await startServer('auth', telemetry)];
    try {
      wrk(none.port, none.token, 1);
      wrk(auth.port, auth.token, 1);
      log(`http (telemetry ${telemetry}): ${rounds} rounds of ${seconds} s each side`);
      const result = await interleave({
        rounds,
        baseline: async () => wrk(none.port, none.token, seconds),
        subject: async () => wrk(auth.port, auth.token, seconds),
      });
      const side = (label, values) => ({ label, value: median(values), unit: 'req/s', rounds: values });
      rows.push(
        row({
          measure: `HTTP GET, Fastify, one token reused, ${telemetry === 'otel' ? 'OpenTelemetry SDK on (HTTP spans recorded)' : 'no telemetry SDK'}`,
          baseline: side('route without auth', result.baseline),
          subject: side('route with revmeshFastify', result.subject),
          target: telemetry === 'otel' ? '≥ 0.5×' : '',
        }),
      );
    } finally {
      for (const server of [none, auth]) server.child.kill('SIGTERM');
    }
  }
  return rows;
}

module.exports = { name: 'http', needs: ['wrk'], run };
