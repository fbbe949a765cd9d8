import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createSidecar, type Sidecar } from '@revmesh/sidecar';
import { startNodeTelemetry, type NodeTelemetry } from '@revmesh/telemetry';
import { bootstrapOperator, DEFAULT_TEST_JUSTIFICATION, freePort, type OperatorSession } from '@revmesh/test-support';
import { eventually, uniquePrefix } from './support/wait';

/**
 * The authority's bootstrap, loaded after the SDK starts (below), as apps/authority/src/main.ts
 * does. Required by a path in a variable so that this project's type check (rootDir `src`) does
 * not pull the authority's sources in; typed by the little this test uses.
 */
interface Bootstrap {
  bootstrapAuthority(
    config: Record<string, unknown>,
    options: { metricsHandler: NodeTelemetry['metricsHandler'] },
  ): Promise<{ readonly url: string | undefined; close(): Promise<void> }>;
}
const AUTHORITY_BOOTSTRAP = '../../authority/src/bootstrap';

/**
 * One revocation, one trace: the authority's request span (the HTTP server span when the HTTP
 * instrumentation fires; under jest, which replaces `require`, the `revocation.accept` span
 * continuing the request's `traceparent`) → the relay's publish span → a `revocation.apply`
 * span in each of three sidecars, parented to the publish span across the Kafka hop.
 */
describe('a revocation is one trace from the HTTP request to every sidecar', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: NodeTelemetry;
  let authority: Awaited<ReturnType<Bootstrap['bootstrapAuthority']>>;
  let url: string;
  let sidecars: Sidecar[] = [];
  let dir: string;
  const bootstrapToken = randomBytes(32).toString('base64url');
  let admin: OperatorSession;

  beforeAll(async () => {
    telemetry = startNodeTelemetry({
      serviceName: 'revmesh-trace-test',
      serviceInstanceId: 'trace-test',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      env: { OTEL_TRACES_EXPORTER: 'none' },
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { bootstrapAuthority } = require(AUTHORITY_BOOTSTRAP) as Bootstrap;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const prefix = uniquePrefix('trace');
    dir = mkdtempSync(join(tmpdir(), 'revmesh-trace-'));
    const brokers = process.env['KAFKA_BROKERS']!.split(',');
    authority = await bootstrapAuthority(
      {
        port,
        host: '127.0.0.1',
        kafkaBrokers: brokers,
        dataDir: dir,
        issuer: url,
        bootstrapToken,
        kek: randomBytes(32),
        topicPrefix: prefix,
        accessTokenTtlSeconds: 300,
        outboxPollMs: 100,
        logLevel: 'error',
        rotation: { periodSeconds: 3600, prepublishLeadSeconds: 60, promotionGateTimeoutMs: 300, checkIntervalMs: 1000, eventSignerOverlapSeconds: 60 },
        eventSignerReset: false,
        heartbeatMs: 1000,
        http: { requestTimeoutMs: 10_000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 5000, maxConnections: 4096 },
      },
      { metricsHandler: telemetry.metricsHandler },
    );
    admin = await bootstrapOperator(url, bootstrapToken);
    const signers = (await (await fetch(`${url}/.well-known/revmesh-event-signers.json`)).json()) as {
      keys: Parameters<typeof createSidecar>[0]['eventSigners'];
    };
    sidecars = [1, 2, 3].map((i) =>
      createSidecar({
        issuer: url,
        audience: 'demo-api',
        eventSigners: signers.keys,
        heartbeatIntervalMs: 1000,
        brokers,
        topicPrefix: prefix,
        instanceId: `trace-sidecar-${i}`,
      }),
    );
    await Promise.all(sidecars.map((s) => s.start()));
    await Promise.all(sidecars.map((s) => s.ready));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.close()));
    await authority?.close();
    await telemetry?.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shares one trace id across the request, publish and three revocation.apply spans', async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${url}/v1/revocations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.token}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({ target: 'jti', value: `trace-${traceId}`, reason: 'trace test', justification: DEFAULT_TEST_JUSTIFICATION }),
    });
    expect(response.status).toBe(202);

    const inTrace = (): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    await eventually('three revocation.apply spans', () => inTrace().filter((s) => s.name === 'revocation.apply').length >= 3, 30_000);

    const spans = inTrace();
    const accept = spans.find((s) => s.name === 'revocation.accept');
    expect(accept).toBeDefined();
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    if (server !== undefined) expect(accept!.parentSpanContext?.spanId).toBe(server.spanContext().spanId);

    const publish = spans.find((s) => s.kind === SpanKind.PRODUCER && s.name.endsWith(' publish'));
    expect(publish).toBeDefined();
    expect(publish!.parentSpanContext?.spanId).toBe(accept!.spanContext().spanId);
    expect(publish!.attributes['messaging.destination.name']).toMatch(/revocations\.v1$/);

    const applies = spans.filter((s) => s.name === 'revocation.apply');
    expect(applies).toHaveLength(3);
    for (const apply of applies) expect(apply.parentSpanContext?.spanId).toBe(publish!.spanContext().spanId);
    expect(new Set(applies.map((s) => s.attributes['revmesh.sidecar.instance_id']))).toEqual(
      new Set(['trace-sidecar-1', 'trace-sidecar-2', 'trace-sidecar-3']),
    );
  });
});
