import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TRACEPARENT_HEADER } from '@revmesh/contracts';
import type { OutgoingRecord, RecordPublisher } from '@revmesh/transport';
import { ack, heartbeat, openCoreFixture, type CoreFixture } from '../testing/core-fixture.spec-helper';
import { METRIC, SPAN } from './names';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

class CapturingPublisher implements RecordPublisher {
  readonly records: OutgoingRecord[] = [];
  async connect(): Promise<void> {}
  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async disconnect(): Promise<void> {}
}

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

async function metricValues(reader: TestReader, name: string) {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return metric;
}

describe('authority telemetry', () => {
  let fixture: CoreFixture;
  let reader: TestReader;

  beforeEach(async () => {
    exporter.reset();
    reader = new TestReader();
    fixture = await openCoreFixture({ meterProvider: new MeterProvider({ readers: [reader] }) });
  });
  afterEach(() => fixture.cleanup());

  const revoke = (value: string) =>
    fixture.core.revocations.revoke({ target: { type: 'jti', value }, reason: 'test', actor: { kind: 'admin-key', id: 'admin' } });

  it('stores the active span context with the outbox row and parents the publish span to it', async () => {
    const tracer = trace.getTracer('test');
    const request = tracer.startSpan('POST /v1/revocations', { kind: SpanKind.SERVER });
    const revocation = await context.with(trace.setSpan(context.active(), request), () => revoke('j-1'));
    request.end();

    const accept = exporter.getFinishedSpans().find((s) => s.name === SPAN.revocationAccept)!;
    expect(accept).toBeDefined();
    expect(accept.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(accept.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(accept.attributes['revmesh.revocation.id']).toBe(revocation.id);

    const row = fixture.core.outbox.unpublished(100).find((e) => e.record.topic === fixture.core.topics.revocations.topic)!;
    const stored = row.record.headers?.[TRACEPARENT_HEADER];
    expect(stored).toBe(`00-${accept.spanContext().traceId}-${accept.spanContext().spanId}-01`);

    const publisher = new CapturingPublisher();
    const relay = fixture.core.createRelay({ transport: { ensureTopics: async () => undefined }, publisher, pollIntervalMs: 10 });
    relay.start();
    for (let i = 0; i < 200 && !publisher.records.some((r) => r.topic === row.record.topic); i++) await new Promise((r) => setTimeout(r, 5));
    await relay.stop();

    const publish = exporter.getFinishedSpans().find((s) => s.attributes['messaging.message.id'] === row.eventId)!;
    expect(publish.name).toBe(`${row.record.topic} publish`);
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(publish.parentSpanContext?.spanId).toBe(accept.spanContext().spanId);
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': row.record.topic,
      'messaging.operation.type': 'send',
    });
    const sent = publisher.records.find((r) => r.topic === row.record.topic)!;
    expect(sent.headers?.[TRACEPARENT_HEADER]).toBe(`00-${publish.spanContext().traceId}-${publish.spanContext().spanId}-01`);
  });

  it('falls back to a generated traceparent when no span is active', async () => {
    // The accept span is a root span then; its own context is stored.
    await revoke('j-2');
    const row = fixture.core.outbox.unpublished(100).find((e) => e.record.topic === fixture.core.topics.revocations.topic)!;
    expect(row.record.headers?.[TRACEPARENT_HEADER]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('counts revocations by target type and tokens issued', async () => {
    await revoke('a');
    await revoke('b');
    await fixture.core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'test', actor: { kind: 'admin-key', id: 'admin' } });
    const metric = await metricValues(reader, METRIC.revocations);
    const points = metric!.dataPoints.map((p) => [p.attributes['target_type'], p.value]);
    expect(points).toEqual(expect.arrayContaining([['jti', 2], ['sub', 1]]));
  });

  it('observes outbox backlog and age, never absent', async () => {
    const before = fixture.time.now;
    await revoke('x');
    fixture.time.now = before + 4000;
    const backlog = await metricValues(reader, METRIC.outboxBacklog);
    expect(backlog!.dataPoints[0]!.value).toBeGreaterThanOrEqual(1);
    const age = await metricValues(reader, METRIC.outboxOldestAge);
    expect(age!.dataPoints[0]!.value).toBeGreaterThanOrEqual(4);
    fixture.core.outbox.markPublished(fixture.core.outbox.unpublished(1000).map((e) => e.seq), fixture.time.now);
    expect((await metricValues(reader, METRIC.outboxBacklog))!.dataPoints[0]!.value).toBe(0);
    expect((await metricValues(reader, METRIC.outboxOldestAge))!.dataPoints[0]!.value).toBe(0);
  });

  it('records coverage duration once, when the last live instance acknowledges', async () => {
    const { core, time } = fixture;
    const t0 = time.now;
    core.reports.recordReport(heartbeat('i-1', { sent_at: t0, started_at: t0 - 10_000, heartbeat_interval_ms: 60_000 }));
    core.reports.recordReport(heartbeat('i-2', { sent_at: t0, started_at: t0 - 10_000, heartbeat_interval_ms: 60_000 }));
    core.reports.flush();
    const revocation = await revoke('cov');
    core.outbox.markPublished(core.outbox.unpublished(1000).map((e) => e.seq), t0 + 100);
    const eventId = core.revocations.get(revocation.id).eventId!;
    time.now = t0 + 250;
    core.reports.recordReport(ack('i-1', eventId, { sent_at: t0 + 200 }));
    core.reports.flush();
    let hist = await metricValues(reader, METRIC.coverageDuration);
    expect(hist?.dataPoints.find((p) => p.attributes['event_type'] === 'revocation.issued')).toBeUndefined();
    const incomplete = await metricValues(reader, METRIC.coverageIncomplete);
    expect(incomplete!.dataPoints[0]!.value).toBeGreaterThanOrEqual(1);

    time.now = t0 + 400;
    core.reports.recordReport(ack('i-2', eventId, { sent_at: t0 + 350 }));
    core.reports.flush();
    core.reports.recordReport(ack('i-2', eventId, { sent_at: t0 + 360 }));
    core.reports.flush();
    hist = await metricValues(reader, METRIC.coverageDuration);
    const point = (hist as HistogramMetricData).dataPoints.find((p) => p.attributes['event_type'] === 'revocation.issued')!;
    expect(point.value.count).toBe(1);
    expect(point.value.sum).toBe(400);
    const received = await metricValues(reader, METRIC.reportsReceived);
    expect(received!.dataPoints.map((p) => [p.attributes['report_type'], p.value])).toEqual(
      expect.arrayContaining([['sidecar.heartbeat', 2], ['sidecar.ack', 3]]),
    );
    const live = await metricValues(reader, METRIC.sidecarsLive);
    expect(live!.dataPoints.find((p) => p.attributes['ready'] === true)!.value).toBe(2);
  });
  it("the relay's check after a batch records an event acknowledged by every live instance, once", async () => {
    const { core, time } = fixture;
    const t0 = time.now;
    const histCount = async () =>
      ((await metricValues(reader, METRIC.coverageDuration)) as HistogramMetricData | undefined)?.dataPoints.find((p) => p.attributes['event_type'] === 'revocation.issued')
        ?.value.count ?? 0;
    const revocation = await revoke('relay-check');
    const eventId = core.revocations.get(revocation.id).eventId!;
    core.outbox.markPublished(core.outbox.unpublished(1000).map((e) => e.seq), t0 + 10);
    // No live instance: nothing completes.
    core.metrics.checkCoverage([eventId]);
    expect(await histCount()).toBe(0);

    core.reports.recordReport(heartbeat('i-1', { sent_at: t0, started_at: t0 - 10_000, heartbeat_interval_ms: 60_000 }));
    core.reports.recordReport(ack('i-1', eventId, { sent_at: t0 + 20 }));
    core.reports.flush();
    time.now = t0 + 30;
    core.metrics.checkCoverage([eventId, 'not-an-event']);
    core.metrics.checkCoverage([eventId]);
    expect(await histCount()).toBe(1);
  });
});

describe('authority telemetry without an active span', () => {
  it("continues the caller's traceparent when no span is active", async () => {
    exporter.reset();
    const fixture = await openCoreFixture();
    try {
      const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await fixture.core.revocations.revoke({ target: { type: 'jti', value: 'tp' }, reason: 'test', actor: { kind: 'admin-key', id: 'admin' }, traceparent: caller });
      const accept = exporter.getFinishedSpans().find((s) => s.name === SPAN.revocationAccept)!;
      expect(accept.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(accept.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    } finally {
      fixture.cleanup();
    }
  });
});
