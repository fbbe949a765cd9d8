import type { Server } from 'node:http';
import { metrics, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startNodeTelemetry, type NodeTelemetry } from './node-telemetry';

describe('startNodeTelemetry', () => {
  const spans = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(spans);
  let telemetry: NodeTelemetry;
  let server: Server;
  let url: string;
  const env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    telemetry = startNodeTelemetry({ serviceName: 'telemetry-spec', serviceInstanceId: 'spec-1', spanProcessors: [processor], env });
    // Required after the SDK starts, as an app does, so the http module is instrumented.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const http = require('node:http') as typeof import('node:http');
    server = http.createServer((req, res) => {
      if (req.url === '/metrics') return telemetry.metricsHandler(req, res);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await telemetry.shutdown();
  });

  it('does not export traces anywhere unless an exporter or endpoint is configured', () => {
    expect(telemetry.tracesExported).toBe(false);
    expect(env['OTEL_TRACES_EXPORTER']).toBe('none');
  });

  it('serves metrics recorded through @opentelemetry/api as Prometheus text', async () => {
    metrics.getMeter('spec').createCounter('revmesh.spec.things', { description: 'things' }).add(3, { kind: 'a' });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/revmesh_spec_things_total\{[^}]*kind="a"[^}]*\} 3/);
    // Resource labels on every series, so rules can tell services and instances apart.
    expect(text).toMatch(/revmesh_spec_things_total\{[^}]*service_name="telemetry-spec"[^}]*service_instance_id="spec-1"/);
  });

  // HTTP auto-instrumentation hooks Node's own require, which jest replaces; it is exercised by
  // the end-to-end tests on real processes. Here: spans made through the API reach the processors.
  it('sends spans created through @opentelemetry/api to the configured processors, with the service name', async () => {
    trace.getTracer('spec').startSpan('revocation.apply').end();
    // Resource detection is asynchronous; the processor exports once it settles.
    await processor.forceFlush();
    const span = spans.getFinishedSpans().find((s) => s.name === 'revocation.apply');
    expect(span?.resource.attributes['service.name']).toBe('telemetry-spec');
  });
});
