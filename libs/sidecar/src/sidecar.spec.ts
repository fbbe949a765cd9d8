import {
  appendRevocation,
  createInMemoryTransport,
  createRecordingLogger,
  createRecordingMeterProvider,
  createTestIssuer,
  decodeTokenPayload,
  revocationEvent,
} from '@revmesh/test-support';
import type { EventTransport } from '@revmesh/transport';
import { createSidecar } from './sidecar';
import { SidecarClosedError, SidecarStartError } from './errors/sidecar-errors';
import type { AppliedRevocation } from './sync/applied-revocations';
import { AUDIENCE, createSidecarFixture, ISSUER, manualClock, TOPIC } from './testing/sidecar-fixture.spec-helper';
import {
  METRIC_DENY_LIST_SIZE,
  METRIC_EVENTS_APPLIED,
  METRIC_EVENTS_REJECTED,
  METRIC_PROPAGATION_LATENCY,
  METRIC_VERIFICATIONS,
} from './telemetry/names';

/** Resolves to 'pending' if `promise` has not settled after the event loop has run pending work. */
async function stateOf(promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  let state: 'resolved' | 'rejected' | 'pending' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

describe('sidecar lifecycle', () => {
  it('is ready only after every revocation that existed at start has been applied', async () => {
    const clock = manualClock();
    const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: clock.now });
    const revokedToken = await issuer.sign({ sub: 'mallory' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let delivered = 0;
    const transport = createInMemoryTransport({
      // Hold the last pre-existing record back: the sidecar must not claim readiness without it.
      beforeDeliver: async () => {
        if (++delivered === 3) await gate;
      },
    });
    appendRevocation(transport, TOPIC, revocationEvent({ target: { type: 'jti', value: 'x' }, now: clock.now() }));
    appendRevocation(transport, TOPIC, revocationEvent({ target: { type: 'jti', value: 'y' }, now: clock.now() }));
    appendRevocation(transport, TOPIC, revocationEvent({ target: { type: 'sub', value: 'mallory' }, now: clock.now() + 1000 }));
    const sidecar = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwks: issuer.jwks },
      transport,
      clock: clock.now,
      logger: createRecordingLogger(),
      denyList: { maxEntries: 1000 },
    });

    await sidecar.start();
    expect(await stateOf(sidecar.ready)).toBe('pending');
    expect(sidecar.stats()).toMatchObject({ ready: false, state: 'catching-up', eventsApplied: 2 });
    expect(await sidecar.verify(revokedToken)).toMatchObject({ ok: false, code: 'NOT_READY' });

    release();
    await sidecar.ready;
    expect(sidecar.stats()).toMatchObject({ ready: true, state: 'ready', eventsApplied: 3 });
    // No polling: ready means the revocation published before start is enforced.
    expect(await sidecar.verify(revokedToken)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', target: 'sub' });
    await sidecar.close();
  });

  it('is ready at once on an empty topic', async () => {
    const f = await createSidecarFixture();
    expect(f.sidecar.stats()).toMatchObject({ ready: true, eventsApplied: 0, denyListSize: 0 });
    await f.sidecar.close();
  });

  it('close() stops its reader, leaves a provided transport open, and unregisters its gauge', async () => {
    const f = await createSidecarFixture();
    expect(f.transport.activeReaders).toBe(1);
    expect(f.meterProvider.observableCallbacks).toBe(1);
    await f.sidecar.close();
    await f.sidecar.close(); // idempotent
    expect(f.transport.activeReaders).toBe(0);
    expect(f.transport.closed).toBe(false);
    expect(f.meterProvider.observableCallbacks).toBe(0);
    expect(f.sidecar.stats()).toMatchObject({ state: 'closed', ready: false });
  });

  it('rejects ready with SidecarClosedError when closed before catching up', async () => {
    const transport = createInMemoryTransport({ beforeDeliver: () => new Promise<void>(() => undefined) });
    appendRevocation(transport, TOPIC, revocationEvent({ target: { type: 'jti', value: 'x' } }));
    const issuer = await createTestIssuer({ issuer: ISSUER });
    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, keys: { jwks: issuer.jwks }, transport, logger: createRecordingLogger(), denyList: { maxEntries: 100 } });
    await sidecar.start();
    await sidecar.close();
    await expect(sidecar.ready).rejects.toBeInstanceOf(SidecarClosedError);
    await expect(sidecar.ready).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('start() twice, or after close(), is a TypeError', async () => {
    const f = await createSidecarFixture();
    await expect(f.sidecar.start()).rejects.toThrow(new TypeError('sidecar.start() was already called'));
    await f.sidecar.close();
    await expect(f.sidecar.start()).rejects.toBeInstanceOf(TypeError);
  });

  it('a failed start rejects start() and ready with SidecarStartError, keeping the cause', async () => {
    const cause = new Error('broker unreachable');
    const inner = createInMemoryTransport();
    const failing: EventTransport = {
      ...inner,
      createReader: (options) => ({ ...inner.createReader(options), start: async () => Promise.reject(cause) }),
    };
    const issuer = await createTestIssuer({ issuer: ISSUER });
    const logger = createRecordingLogger();
    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, keys: { jwks: issuer.jwks }, transport: failing, logger, denyList: { maxEntries: 100 } });
    const started = sidecar.start();
    await expect(started).rejects.toBeInstanceOf(SidecarStartError);
    await expect(started).rejects.toMatchObject({ code: 'START_FAILED', cause });
    await expect(sidecar.ready).rejects.toBeInstanceOf(SidecarStartError);
    expect(sidecar.stats().state).toBe('failed');
    expect(logger.at('error')).toHaveLength(1);
    await sidecar.close();
  });

  it('creates, and closes, its own Kafka transport from brokers (see sidecar-kafka.spec.ts); stats are plain JSON', async () => {
    const f = await createSidecarFixture();
    const stats = f.sidecar.stats();
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    expect(stats).toMatchObject({ instanceId: 'test-sidecar', topic: 'revmesh.revocations.v1' });
    await f.sidecar.close();
  });
});

describe('sidecar event handling', () => {
  it('counts, logs and skips malformed events; later valid events still apply', async () => {
    const f = await createSidecarFixture();
    const garbage: Array<string | Buffer> = [
      'this is not json',
      JSON.stringify({ type: 'revocation.issued', version: 99, payload: {} }),
      JSON.stringify({ type: 'revocation.issued', version: 1, id: 'not-a-uuid', payload: {} }),
      JSON.stringify({ type: 'token.minted', version: 1 }),
      Buffer.alloc(0),
      'x'.repeat(70 * 1024),
    ];
    for (const value of garbage) f.transport.append({ topic: TOPIC, key: 'jti:x', value });
    f.transport.append({ topic: TOPIC, key: 'jti:x', value: null });
    const token = await f.issuer.sign();
    await f.revoke({ type: 'jti', value: String(decodeTokenPayload(token)['jti']) });

    expect(f.sidecar.stats()).toMatchObject({
      eventsApplied: 1,
      tombstones: 1,
      rejectedEvents: { MALFORMED_JSON: 1, UNSUPPORTED_VERSION: 1, SCHEMA_INVALID: 1, UNKNOWN_TYPE: 1, EMPTY: 1, TOO_LARGE: 1 },
    });
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });

    const warnings = f.logger.at('warn');
    expect(warnings).toHaveLength(6);
    expect(warnings[0]!.fields).toMatchObject({ reason: 'MALFORMED_JSON', topic: TOPIC, partition: expect.any(Number), offset: expect.any(String) });
    expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED)).toBe(6);
    expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED, { reason: 'SCHEMA_INVALID' })).toBe(1);
    await f.sidecar.close();
  });

  it('malformed events on the topic at start do not prevent readiness', async () => {
    const transport = createInMemoryTransport();
    transport.append({ topic: TOPIC, key: 'k', value: '{' });
    appendRevocation(transport, TOPIC, revocationEvent({ target: { type: 'sub', value: 'alice' } }));
    const issuer = await createTestIssuer({ issuer: ISSUER });
    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, keys: { jwks: issuer.jwks }, transport, logger: createRecordingLogger(), denyList: { maxEntries: 100 } });
    await sidecar.start();
    await sidecar.ready;
    expect(sidecar.stats()).toMatchObject({ eventsApplied: 1, rejectedEvents: { MALFORMED_JSON: 1 }, denyListSize: 1 });
    await sidecar.close();
  });

  it('applies a republished event idempotently and remembers the first application', async () => {
    const f = await createSidecarFixture();
    const listener = jest.fn();
    f.sidecar.onRevocationApplied(listener);
    const event = await f.revoke({ type: 'sub', value: 'alice' }, { revocationId: 'rev-7' });
    const first = f.sidecar.appliedRevocation('rev-7');
    f.clock.advance(50);
    appendRevocation(f.transport, TOPIC, event);
    await f.transport.settled();

    expect(f.sidecar.stats()).toMatchObject({ eventsApplied: 2, duplicateEvents: 1, denyListSize: 1 });
    expect(f.sidecar.appliedRevocation('rev-7')).toEqual(first);
    expect(listener).toHaveBeenCalledTimes(1);
    await f.sidecar.close();
  });

  it('records when each revocation was applied, with its latency from issued_at on the injected clock', async () => {
    const f = await createSidecarFixture();
    const issuedAt = f.clock.now() - 7;
    const event = await f.revoke({ type: 'jti', value: 'abc' }, { revocationId: 'rev-1', issuedAt });
    expect(f.sidecar.appliedRevocation('rev-1')).toEqual<AppliedRevocation>({
      revocationId: 'rev-1',
      eventId: event.id,
      targetType: 'jti',
      appliedAt: f.clock.now(),
      latencyMs: 7,
      replay: false,
    });
    expect(f.sidecar.appliedRevocation('unknown')).toBeUndefined();
    const latencies = f.meterProvider.find(METRIC_PROPAGATION_LATENCY);
    expect(latencies).toEqual([expect.objectContaining({ kind: 'histogram', value: 7, attributes: { target_type: 'jti', replay: false } })]);
    expect(f.meterProvider.instruments.get(METRIC_PROPAGATION_LATENCY)).toMatchObject({ unit: 'ms' });
    await f.sidecar.close();
  });

  it('marks revocations applied while catching up as replay', async () => {
    const clock = manualClock();
    const f = await createSidecarFixture({ existing: [revocationEvent({ target: { type: 'sub', value: 'old' }, revocationId: 'rev-old', now: clock.now() - 1000 })] });
    expect(f.sidecar.appliedRevocation('rev-old')).toMatchObject({ replay: true, latencyMs: 1000 });
    expect(f.meterProvider.sum(METRIC_EVENTS_APPLIED, { replay: true })).toBe(1);
    await f.sidecar.close();
  });

  it('notifies listeners until they unsubscribe; a throwing listener does not stop the others', async () => {
    const f = await createSidecarFixture();
    const seen: string[] = [];
    f.sidecar.onRevocationApplied(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = f.sidecar.onRevocationApplied((applied) => seen.push(applied.revocationId));
    await f.revoke({ type: 'jti', value: 'a' }, { revocationId: 'r1' });
    unsubscribe();
    await f.revoke({ type: 'jti', value: 'b' }, { revocationId: 'r2' });
    expect(seen).toEqual(['r1']);
    expect(f.logger.at('error').map((e) => e.message)).toEqual([
      'revmesh sidecar onRevocationApplied listener threw',
      'revmesh sidecar onRevocationApplied listener threw',
    ]);
    expect(f.sidecar.stats().eventsApplied).toBe(2);
    await f.sidecar.close();
  });

  it('does not store a revocation whose rule has already expired, but records it as applied', async () => {
    const f = await createSidecarFixture();
    await f.revoke({ type: 'sub', value: 'ancient' }, { revocationId: 'rev-old', revokedAt: f.clock.now() - 7_200_000, expiresAt: f.clock.now() - 3_600_000 });
    expect(f.sidecar.stats().denyListSize).toBe(0);
    expect(f.sidecar.appliedRevocation('rev-old')).toBeDefined();
    await f.sidecar.close();
  });
});

describe('sidecar metrics', () => {
  it('counts verifications by result and observes the deny-list size', async () => {
    const f = await createSidecarFixture();
    const token = await f.issuer.sign();
    await f.sidecar.verify(token);
    await f.sidecar.verify('garbage');
    await f.revoke({ type: 'jti', value: String(decodeTokenPayload(token)['jti']) });
    await f.sidecar.verify(token);
    expect(f.meterProvider.sum(METRIC_VERIFICATIONS, { result: 'ok' })).toBe(1);
    expect(f.meterProvider.sum(METRIC_VERIFICATIONS, { result: 'MALFORMED' })).toBe(1);
    expect(f.meterProvider.sum(METRIC_VERIFICATIONS, { result: 'TOKEN_REVOKED' })).toBe(1);
    expect(f.sidecar.stats().verifications).toEqual({ ok: 1, MALFORMED: 1, TOKEN_REVOKED: 1 });
    expect(f.meterProvider.collect()).toEqual([expect.objectContaining({ instrument: METRIC_DENY_LIST_SIZE, value: 1 })]);
    await f.sidecar.close();
  });

  it('uses the global (no-op) meter provider when none is given', async () => {
    const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const sidecar = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwks: issuer.jwks },
      transport: createInMemoryTransport(),
      logger: createRecordingLogger(),
      denyList: { maxEntries: 100 },
    });
    await sidecar.start();
    await sidecar.ready;
    expect(await sidecar.verify(await issuer.sign())).toMatchObject({ ok: true });
    await sidecar.close();
  });
});

describe('sidecar defaults', () => {
  it('logs JSON lines on stderr at warn level by default', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const transport = createInMemoryTransport();
      transport.append({ topic: TOPIC, key: 'k', value: 'not json' });
      const issuer = await createTestIssuer({ issuer: ISSUER });
      const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, keys: { jwks: issuer.jwks }, transport, instanceId: 'json-logger', meterProvider: createRecordingMeterProvider(), denyList: { maxEntries: 100 } });
      await sidecar.start();
      await sidecar.ready;
      await sidecar.close();
      const lines = write.mock.calls.map(([chunk]) => JSON.parse(String(chunk)) as Record<string, unknown>);
      // info lines ("started", "ready") are below the default level; the skipped event is a warning.
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', reason: 'MALFORMED_JSON', instance_id: 'json-logger' })]);
    } finally {
      write.mockRestore();
    }
  });

  it('defaults the instance id to hostname-pid-random', async () => {
    const issuer = await createTestIssuer({ issuer: ISSUER });
    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, keys: { jwks: issuer.jwks }, transport: createInMemoryTransport(), denyList: { maxEntries: 100 } });
    expect(sidecar.instanceId).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{8}$`));
    await sidecar.close();
  });
});
