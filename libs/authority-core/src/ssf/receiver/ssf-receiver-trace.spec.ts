import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TRACEPARENT_HEADER } from '@revmesh/contracts';
import { openAuthorityCore, type AuthorityCore } from '../../authority-core';
import { systemAuditContext } from '../../audit/audit-context';
import { SPAN } from '../../telemetry/names';
import { SET_EVENT_TYPES } from '../set-types';
import { createFakeTransmitter } from './fake-transmitter.spec-helper';

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('SSF receiver trace', () => {
  let dir: string;
  let core: AuthorityCore;
  afterEach(() => {
    core?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts at the SET's arrival: the revocation it applies is its child, and its outbox record carries that trace to the sidecars", async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-ssf-trace-'));
    const fake = await createFakeTransmitter();
    core = await openAuthorityCore({ dataDir: dir, kek: randomBytes(32), issuer: 'https://authority.test', accessTokenTtlSeconds: 300, topicPrefix: 'test.', ssfReceiver: { fetch: fake.fetch } });
    const operator = systemAuditContext('trace-spec', 'receive the provider events');
    core.issuers.add({ issuer: fake.issuer }, operator);
    await core.ssfReceiver.add({ id: 'acme', configUrl: fake.configUrl, clientId: 'revmesh-receiver', clientSecret: 'receiver-secret', delivery: 'push' }, operator);
    const authorization = String((fake.created[0]!['delivery'] as Record<string, unknown>)['authorization_header']);
    const now = Math.floor(Date.now() / 1000);
    const set = await fake.sign({
      iss: fake.issuer,
      aud: fake.streamAud,
      iat: now,
      jti: 'traced',
      events: { [SET_EVENT_TYPES['caep.session-revoked']]: { event_timestamp: now } },
      sub_id: { format: 'complex', user: { format: 'iss_sub', iss: fake.issuer, sub: 'alice-id' }, session: { format: 'opaque', id: 'sid-1' } },
    });
    exporter.reset();
    // The transmitter's own trace, when its push carries one, is continued.
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const receipt = await core.ssfReceiver.receivePush('acme', { authorization, body: set, traceparent: incoming });

    const spans = exporter.getFinishedSpans();
    const received = spans.find((span) => span.name === SPAN.ssfSetReceive)!;
    const accept = spans.find((span) => span.name === SPAN.revocationAccept)!;
    expect(received.attributes).toMatchObject({ 'revmesh.ssf.transmitter': 'acme', 'revmesh.ssf.delivery': 'push', 'revmesh.ssf.jti': 'traced' });
    expect(received.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(received.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(accept.parentSpanContext?.spanId).toBe(received.spanContext().spanId);
    const row = core.store.db.prepare('SELECT headers FROM outbox WHERE revocation_id = ?').get(receipt.revocationIds[0]) as { headers: string };
    expect(JSON.parse(row.headers)[TRACEPARENT_HEADER]).toBe(`00-${accept.spanContext().traceId}-${accept.spanContext().spanId}-01`);
  });
});
