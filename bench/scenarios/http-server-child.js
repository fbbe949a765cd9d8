'use strict';
// Child of http.js: one Fastify server with GET /orders, `node http-server-child.js <auth|none> [otel]`.
//   auth: onRequest revmeshFastify(sidecar), the sidecar fed by the in-memory transport;
//   none: the same route without auth;
//   otel: the apps' OpenTelemetry SDK (libs/telemetry: HTTP instrumentation, metrics) started
//         first, every span recorded (AlwaysOn) and handed to a processor that drops it, so the
//         cost of making spans is paid and nothing is exported.
// Prints one JSON line { port, token } once listening (token: a valid one for `auth`).
const built = require('../lib/built');

const [mode, telemetryMode] = process.argv.slice(2);
if (telemetryMode === 'otel') {
  const dropSpans = { onStart() {}, onEnd() {}, forceFlush: async () => undefined, shutdown: async () => undefined };
  built.telemetry().startNodeTelemetry({ serviceName: 'revmesh-bench-http', spanProcessors: [dropSpans] });
}
// After the SDK: the HTTP instrumentation must patch node:http before Fastify loads it.
const Fastify = require('fastify');
const { inMemorySidecar } = require('../lib/in-memory-sidecar');

(async () => {
  const app = Fastify();
  let token = 'none';
  let close = async () => undefined;
  if (mode === 'auth') {
    const { revmeshFastify } = built.sidecarFastify();
    const made = await inMemorySidecar({ jtiRules: 1000, subRules: 10 });
    token = await made.issuer.sign();
    close = made.close;
    app.get('/orders', { onRequest: revmeshFastify(made.sidecar) }, async () => ({ orders: [] }));
  } else if (mode === 'none') {
    app.get('/orders', async () => ({ orders: [] }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${JSON.stringify({ port: app.server.address().port, token })}\n`);
  process.once('SIGTERM', () => void app.close().then(close).then(() => process.exit(0)));
})().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
