import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
// Test only: the library itself depends on @opentelemetry/api alone; a real SDK checks its span parenting.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SidecarBlocked, SidecarReport } from '@revmesh/contracts';
import { authorityHeartbeatEvent, decodeTokenPayload, keyStateEvent, revocationEvent } from '@revmesh/test-support';
import { createBlockedAggregator } from './reports/blocked-aggregator';
import { createJsonLogger } from './logging/logger';
import {
  METRIC_EVENTS_REJECTED,
  METRIC_FAIL_OPEN_ACCEPTED,
  METRIC_KEY_SET_SIZE,
  METRIC_STALENESS_AGE,
  METRIC_STALENESS_LIMIT,
  METRIC_VERIFICATIONS,
  SPAN_KEY_APPLY,
  SPAN_REVOCATION_APPLY,
  SPAN_TOKEN_VERIFY,
} from './telemetry/names';
import { createSidecarFixture, T0, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import { revmeshFastify, type FastifyLikeRequest } from './fastify/revmesh-fastify';
import { createSidecar } from './sidecar';
import { createInMemoryTransport, createRecordingLogger, createTestEventSigner } from '@revmesh/test-support';

const BOUND = 10_000;

const staleFixture = (extra: Record<string, unknown> = {}) =>
  createSidecarFixture({ sidecar: { staleness: { maxSilenceMs: BOUND }, ...extra } });

describe('staleness policy', () => {
  let f: SidecarFixture;
  afterEach(async () => f?.sidecar.close());

  it('fail-closed: STALE_STATE past the bound, recovers when an authority heartbeat arrives', async () => {
    f = await staleFixture();
    const token = await f.issuer.sign();
    f.clock.advance(BOUND);
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: true }); // at the bound, not past it
    expect(f.sidecar.isStale()).toBe(false);
    f.clock.advance(1);
    expect(f.sidecar.isStale()).toBe(true);
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: false, code: 'STALE_STATE' });
    expect(f.sidecar.stats().staleness).toMatchObject({ stale: true, maxSilenceMs: BOUND, policy: 'fail-closed', ageMs: BOUND + 1 });
    expect(f.meterProvider.sum(METRIC_VERIFICATIONS, { result: 'STALE_STATE' })).toBe(1);
    // The keys topic alone is not enough: the revocations topic is still silent (it may be gone).
    await f.publishTo('keys', authorityHeartbeatEvent({ now: f.clock.now() }));
    expect(f.sidecar.isStale()).toBe(true);
    expect(f.sidecar.stats().staleness.lastHeardAtByTopic.keys).toBe(f.clock.now());
    await f.publishTo('revocations', authorityHeartbeatEvent({ now: f.clock.now() }));
    expect(f.sidecar.isStale()).toBe(false);
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: true });
    expect(f.sidecar.stats().staleness.ageMs).toBe(0);
  });

  it('any applied event refreshes its own topic, heartbeats on either topic are accepted and not acked', async () => {
    f = await staleFixture();
    f.clock.advance(BOUND + 1);
    expect(f.sidecar.isStale()).toBe(true);
    await f.revoke({ type: 'sub', value: 'someone' });
    // The keys topic stays silent past the bound: still stale, and the log names it.
    expect(f.sidecar.isStale()).toBe(true);
    expect(await f.sidecar.verify(await f.issuer.sign())).toMatchObject({ ok: false, code: 'STALE_STATE' });
    expect(f.logger.entries.some((e) => e.level === 'error' && e.fields['topic'] === 'keys')).toBe(true);
    await f.publishTo('keys', authorityHeartbeatEvent({ now: f.clock.now() }));
    expect(f.sidecar.isStale()).toBe(false);
    await f.publishTo('revocations', authorityHeartbeatEvent({ now: f.clock.now() }));
    expect(f.sidecar.stats().rejectedEvents).toEqual({});
  });

  it('fail-open-UNSAFE (per call) accepts while stale, counts and logs every acceptance, still refuses revoked tokens', async () => {
    f = await staleFixture();
    const token = await f.issuer.sign();
    const revoked = await f.issuer.sign();
    await f.revoke({ type: 'jti', value: String(decodeTokenPayload(revoked)['jti']) });
    f.clock.advance(BOUND + 1);
    expect(await f.sidecar.verify(token, { stalePolicy: 'fail-open-UNSAFE', context: { address: '10.0.0.9' } })).toMatchObject({ ok: true });
    expect(await f.sidecar.verify(token, { stalePolicy: 'fail-open-UNSAFE' })).toMatchObject({ ok: true });
    expect(await f.sidecar.verify(revoked, { stalePolicy: 'fail-open-UNSAFE' })).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: false, code: 'STALE_STATE' }); // the default stays closed
    expect(f.meterProvider.sum(METRIC_FAIL_OPEN_ACCEPTED)).toBe(2);
    expect(f.sidecar.stats().staleness.failOpenAccepted).toBe(2);
    const lines = f.logger.entries.filter((e) => e.message.includes('fail-open-UNSAFE'));
    expect(lines).toHaveLength(2);
    expect(lines[0]!.fields).toMatchObject({ jti: decodeTokenPayload(token)['jti'], address: '10.0.0.9' });
    expect(JSON.stringify(f.logger.entries)).not.toContain(token);
  });

  it('fail-open needs the loud name: the option accepts only fail-closed or fail-open-UNSAFE', async () => {
    const signer = await createTestEventSigner();
    const base = { issuer: 'https://a', audience: 'x', eventSigners: [signer.publicJwk], transport: createInMemoryTransport(), logger: createRecordingLogger() };
    expect(() => createSidecar({ ...base, staleness: { policy: 'fail-open' as never } })).toThrow(/fail-open-UNSAFE/);
    expect(() => createSidecar({ ...base, staleness: { maxSilenceMs: 10 } })).toThrow(/staleness.maxSilenceMs/);
    f = await staleFixture({ staleness: { maxSilenceMs: BOUND, policy: 'fail-open-UNSAFE' } });
    const token = await f.issuer.sign();
    f.clock.advance(BOUND + 1);
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: true });
    expect(await f.sidecar.verify(token, { stalePolicy: 'fail-closed' })).toMatchObject({ ok: false, code: 'STALE_STATE' });
  });

  it('the fastify adapter takes a per-route stalePolicy and answers 503 STALE_STATE', async () => {
    f = await staleFixture();
    const token = await f.issuer.sign();
    f.clock.advance(BOUND + 1);
    const reply = () => {
      const sent: { status?: number; body?: string } = {};
      const r = { code: (s: number) => ((sent.status = s), r), header: () => r, send: (b: string) => (sent.body = b) };
      return { r, sent };
    };
    const closed = reply();
    const request = { headers: { authorization: `Bearer ${token}` }, ip: '192.0.2.1' } as FastifyLikeRequest;
    await revmeshFastify(f.sidecar)(request, closed.r);
    expect(closed.sent.status).toBe(503);
    expect(JSON.parse(closed.sent.body!)).toMatchObject({ code: 'STALE_STATE' });
    const open = reply();
    await revmeshFastify(f.sidecar, { stalePolicy: 'fail-open-UNSAFE' })(request, open.r);
    expect(open.sent.status).toBeUndefined();
    expect(request.revmesh).toBeDefined();
  });
});

describe('metrics per the catalogue', () => {
  it('observes staleness age and limit, key-set size by state, and pre-creates signature rejection counters at 0', async () => {
    const f = await createSidecarFixture({ sidecar: { staleness: { maxSilenceMs: 30_000 }, keys: { source: 'kafka' } } });
    await f.publish(keyStateEvent({ key: f.issuer, state: 'active', keySetVersion: 1, now: f.clock.now() }));
    f.clock.advance(1500);
    const collected = f.meterProvider.collect();
    expect(collected).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ instrument: METRIC_STALENESS_AGE, value: 1.5 }),
        expect.objectContaining({ instrument: METRIC_STALENESS_LIMIT, value: 30 }),
        expect.objectContaining({ instrument: METRIC_KEY_SET_SIZE, value: 1, attributes: { state: 'active' } }),
        expect.objectContaining({ instrument: METRIC_KEY_SET_SIZE, value: 0, attributes: { state: 'revoked' } }),
        // Everything published so far was read: nothing left on either topic.
        expect.objectContaining({ instrument: 'revmesh.sidecar.consumer.lag', value: 0, attributes: { topic: 'keys' } }),
        expect.objectContaining({ instrument: 'revmesh.sidecar.consumer.lag', value: 0, attributes: { topic: 'revocations' } }),
      ]),
    );
    for (const reason of ['UNSIGNED', 'MALFORMED_JWS', 'UNKNOWN_SIGNER', 'SIGNATURE_INVALID', 'REPLAY']) {
      for (const topic of ['revocations', 'keys']) {
        expect(f.meterProvider.find(METRIC_EVENTS_REJECTED, { reason, topic }).length).toBeGreaterThan(0);
        expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED, { reason, topic })).toBe(0);
      }
    }
    await f.sidecar.close();
  });

  it('names follow deploy/observability/metrics.md', () => {
    expect([METRIC_KEY_SET_SIZE, METRIC_STALENESS_AGE, METRIC_STALENESS_LIMIT, METRIC_FAIL_OPEN_ACCEPTED]).toEqual([
      'revmesh.sidecar.key_set.size',
      'revmesh.sidecar.staleness.age',
      'revmesh.sidecar.staleness.limit',
      'revmesh.sidecar.fail_open.accepted',
    ]);
  });
});

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  let contextManager: AsyncLocalStorageContextManager;
  beforeAll(() => {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
  const PARENT = '00f067aa0ba902b7';

  it('a revocation.apply span is a CONSUMER child of the traceparent header, with the catalogued attributes', async () => {
    const f = await createSidecarFixture();
    const event = revocationEvent({ target: { type: 'jti', value: 'j-1' }, now: f.clock.now() - 7 });
    await f.publish(event, undefined, { headers: { traceparent: `00-${TRACE_ID}-${PARENT}-01`, tracestate: 'rm=1' } });
    const spans = exporter.getFinishedSpans().filter((s) => s.name === SPAN_REVOCATION_APPLY);
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT);
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'revmesh.revocations.v1',
      'messaging.message.id': event.id,
      'messaging.operation.type': 'process',
      'revmesh.sidecar.instance_id': 'test-sidecar',
      'revmesh.propagation.latency_ms': 7,
      'revmesh.deny_list.size': 1,
      'revmesh.revocation.id': event.payload.revocation_id,
      'revmesh.revocation.target_type': 'jti',
    });
    await f.sidecar.close();
  });

  it('a key.apply span for key events; none for authority heartbeats; token.verify only for rejections when sampled', async () => {
    const f = await createSidecarFixture({ sidecar: { keys: { source: 'kafka' }, traceRejectedVerifications: 1 } });
    await f.publish(keyStateEvent({ key: f.issuer, state: 'active', keySetVersion: 1, now: f.clock.now() }), undefined, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT}-01` },
    });
    await f.publish(authorityHeartbeatEvent({ now: f.clock.now() }));
    const keySpans = exporter.getFinishedSpans().filter((s) => s.name === SPAN_KEY_APPLY);
    expect(keySpans).toHaveLength(1);
    expect(keySpans[0]!.parentSpanContext?.spanId).toBe(PARENT);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    await f.sidecar.verify(await f.issuer.sign());
    expect(exporter.getFinishedSpans().filter((s) => s.name === SPAN_TOKEN_VERIFY)).toHaveLength(0);
    await f.sidecar.verify('garbage');
    const verifySpans = exporter.getFinishedSpans().filter((s) => s.name === SPAN_TOKEN_VERIFY);
    expect(verifySpans).toHaveLength(1);
    expect(verifySpans[0]!.attributes['revmesh.verify.result']).toBe('MALFORMED');
    await f.sidecar.close();
  });

  it('no token.verify span with traceRejectedVerifications 0', async () => {
    const f = await createSidecarFixture({ sidecar: { traceRejectedVerifications: 0 } });
    await f.sidecar.verify('garbage');
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await f.sidecar.close();
  });

  it('the JSON logger adds trace_id and span_id of the active span', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'info', write: (l) => lines.push(l) });
    const span = trace.getTracer('t').startSpan('s');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    logger.info('outside');
    span.end();
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    expect(outside!['trace_id']).toBeUndefined();
  });
});

describe('blocked reports', () => {
  it('aggregates results by code and revoked tokens with addresses, never the token, sent with the heartbeat', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const f = await createSidecarFixture({ sidecar: { heartbeatIntervalMs: 1000 } });
      const token = await f.issuer.sign();
      const jti = String(decodeTokenPayload(token)['jti']);
      await f.sidecar.verify(token);
      const revocation = await f.revoke({ type: 'jti', value: jti });
      await f.sidecar.verify(token, { context: { address: '198.51.100.7' } });
      await f.sidecar.verify(token, { context: { address: '198.51.100.8' } });
      await f.sidecar.verify(token, { context: { address: '198.51.100.7' } });
      await f.sidecar.verify('garbage');
      f.clock.advance(1000);
      await jest.advanceTimersByTimeAsync(1000);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      const blocked = f.reports().filter((r: SidecarReport): r is SidecarBlocked => r.type === 'sidecar.blocked');
      expect(blocked).toHaveLength(1);
      expect(blocked[0]).toMatchObject({
        instance_id: 'test-sidecar',
        window_end: T0 + 1000,
        results: { ok: 1, TOKEN_REVOKED: 3, MALFORMED: 1 },
        revoked: [{ code: 'TOKEN_REVOKED', jti, revocation_id: revocation.payload.revocation_id, kid: null, count: 3, addresses: ['198.51.100.7', '198.51.100.8'] }],
      });
      expect(JSON.stringify(f.reports())).not.toContain(token);
      // The next window is empty: no blocked report.
      f.clock.advance(1000);
      await jest.advanceTimersByTimeAsync(1000);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      expect(f.reports().filter((r) => r.type === 'sidecar.blocked')).toHaveLength(1);
      await f.sidecar.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('caps entries and addresses', () => {
    let now = T0;
    const agg = createBlockedAggregator({ instanceId: 'i', clock: () => now, maxEntries: 3, maxAddresses: 2 });
    for (let i = 0; i < 5; i++) {
      for (let a = 0; a < 4; a++) {
        agg.record({ ok: false, code: 'TOKEN_REVOKED', message: 'm', revocationId: `r${i}`, target: 'jti' }, `j${i}`, { address: `a${a}` });
      }
    }
    agg.record({ ok: false, code: 'KEY_REVOKED', message: 'm', kid: 'k' }, undefined, undefined);
    expect(agg.size).toBe(3);
    expect(agg.overflowed).toBe(4 * 2 + 1);
    now += 500;
    const report = agg.drain(0)!;
    expect(report.results).toEqual({ TOKEN_REVOKED: 20, KEY_REVOKED: 1 });
    expect(report.revoked).toHaveLength(3);
    for (const entry of report.revoked) expect(entry.addresses).toHaveLength(2);
    expect(agg.drain(0)).toBeUndefined();
  });
});

describe('logs never contain a token', () => {
  it('across accepted, rejected, revoked, stale and fail-open verifications', async () => {
    const f = await createSidecarFixture({ sidecar: { staleness: { maxSilenceMs: BOUND } } });
    const token = await f.issuer.sign();
    await f.sidecar.verify(token);
    await f.sidecar.verify(`${token}x`);
    await f.revoke({ type: 'jti', value: String(decodeTokenPayload(token)['jti']) });
    await f.sidecar.verify(token);
    const other = await f.issuer.sign();
    f.clock.advance(BOUND + 1);
    await f.sidecar.verify(other);
    await f.sidecar.verify(other, { stalePolicy: 'fail-open-UNSAFE' });
    const text = JSON.stringify(f.logger.entries);
    for (const t of [token, other]) {
      expect(text).not.toContain(t);
      expect(text).not.toContain(t.split('.')[2]!);
    }
    await f.sidecar.close();
  });
});
