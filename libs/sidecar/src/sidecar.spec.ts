import {
  appendSignedEvent,
  createInMemoryTransport,
  createRecordingLogger,
  createRecordingMeterProvider,
  createTestEventSigner,
  createTestIssuer,
  decodeTokenPayload,
  keyStateEvent,
  revocationEvent,
  type TestEventSigner,
} from '@revmesh/test-support';
import { CompactSign } from 'jose';
import { EVENT_JWS_TYP } from '@revmesh/contracts';
import type { EventTransport } from '@revmesh/transport';
import { createSidecar } from './sidecar';
import { SidecarClosedError, SidecarStartError } from './errors/sidecar-errors';
import type { AppliedRevocation } from './sync/applied-revocations';
import { AUDIENCE, createSidecarFixture, ISSUER, manualClock, TOPIC, TOPICS } from './testing/sidecar-fixture.spec-helper';
import {
  METRIC_DENY_LIST_SIZE,
  METRIC_EVENTS_APPLIED,
  METRIC_EVENTS_REJECTED,
  METRIC_KEY_SET_VERSION,
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

let signer: TestEventSigner;
beforeAll(async () => {
  signer = await createTestEventSigner();
});

/** Signs arbitrary bytes as a trusted signer would: a valid signature over an invalid event. */
const signedGarbage = async (by: TestEventSigner, payload: string): Promise<Buffer> =>
  Buffer.from(await new CompactSign(Buffer.from(payload)).setProtectedHeader({ alg: 'EdDSA', typ: EVENT_JWS_TYP, kid: by.kid }).sign(by.privateKey));

describe('sidecar lifecycle', () => {
  it('is ready only after every revocation that existed at start has been applied', async () => {
    const clock = manualClock();
    const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: clock.now });
    const revokedToken = await issuer.sign({ sub: 'mallory' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    let delivered = 0;
    const transport = createInMemoryTransport({
      // Hold the last pre-existing record back: the sidecar must not claim readiness without it.
      beforeDeliver: async () => {
        if (++delivered === 3) {
          held();
          await gate;
        }
      },
    });
    await appendSignedEvent(transport, TOPIC, revocationEvent({ target: { type: 'jti', value: 'x' }, now: clock.now() }), signer);
    await appendSignedEvent(transport, TOPIC, revocationEvent({ target: { type: 'jti', value: 'y' }, now: clock.now() }), signer);
    await appendSignedEvent(transport, TOPIC, revocationEvent({ target: { type: 'sub', value: 'mallory' }, now: clock.now() + 1000 }), signer);
    const sidecar = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwks: issuer.jwks },
      eventSigners: [signer.publicJwk],
      transport,
      clock: clock.now,
      logger: createRecordingLogger(),
      denyList: { maxEntries: 1000 },
    });

    await sidecar.start();
    await holding; // the reader hands records over one at a time: the first two are applied by now
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

  it('is ready only once the keys topic is caught up too: the key set is loaded before the first verify', async () => {
    const clock = manualClock();
    const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: clock.now });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const transport = createInMemoryTransport({
      beforeDeliver: async (record) => {
        if (record.topic !== TOPICS.keys) return;
        held();
        await gate;
      },
    });
    await appendSignedEvent(transport, TOPICS.keys, keyStateEvent({ key: issuer, state: 'active', keySetVersion: 1, now: clock.now() }), signer);
    await appendSignedEvent(transport, TOPIC, revocationEvent({ target: { type: 'sub', value: 'mallory' }, now: clock.now() }), signer);
    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, eventSigners: [signer.publicJwk], transport, clock: clock.now, logger: createRecordingLogger(), denyList: { maxEntries: 100 } });

    await sidecar.start();
    await holding;
    await new Promise((resolve) => setImmediate(resolve));
    expect(await stateOf(sidecar.ready)).toBe('pending');
    // Revocations wait for the keys topic, so nothing is applied yet either.
    expect(sidecar.stats()).toMatchObject({ state: 'catching-up', eventsApplied: 0, keySet: { version: 0 } });
    expect(await sidecar.verify(await issuer.sign())).toMatchObject({ ok: false, code: 'NOT_READY', message: expect.stringContaining('keys and revocation topics') });

    release();
    await sidecar.ready;
    expect(sidecar.stats()).toMatchObject({ ready: true, eventsApplied: 1, keySet: { source: 'kafka', version: 1 } });
    expect(await sidecar.verify(await issuer.sign())).toMatchObject({ ok: true });
    expect(await sidecar.verify(await issuer.sign({ sub: 'mallory' }))).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    await sidecar.close();
  });

  it('is ready at once on an empty topic', async () => {
    const f = await createSidecarFixture();
    expect(f.sidecar.stats()).toMatchObject({ ready: true, eventsApplied: 0, denyListSize: 0 });
    await f.sidecar.close();
  });

  it('close() stops its readers and publisher, leaves a provided transport open, and unregisters its gauges', async () => {
    const f = await createSidecarFixture();
    expect(f.transport.activeReaders).toBe(2); // keys and revocations
    expect(f.transport.connectedPublishers).toBe(1); // acks
    // deny_list.size, key_set.version, key_set.size, staleness.age, staleness.limit, consumer.lag
    expect(f.meterProvider.observableCallbacks).toBe(6);
    await f.sidecar.close();
    await f.sidecar.close(); // idempotent
    expect(f.transport.activeReaders).toBe(0);
    expect(f.transport.connectedPublishers).toBe(0);
    expect(f.transport.closed).toBe(false);
    expect(f.meterProvider.observableCallbacks).toBe(0);
    expect(f.sidecar.stats()).toMatchObject({ state: 'closed', ready: false });
  });

  it('rejects ready with SidecarClosedError when closed before catching up', async () => {
    const transport = createInMemoryTransport({ beforeDeliver: () => new Promise<void>(() => undefined) });
    await appendSignedEvent(transport, TOPIC, revocationEvent({ target: { type: 'jti', value: 'x' } }), signer);
    const issuer = await createTestIssuer({ issuer: ISSUER });
    const sidecar = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwks: issuer.jwks },
      eventSigners: [signer.publicJwk],
      transport,
      logger: createRecordingLogger(),
      denyList: { maxEntries: 100 },
    });
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
    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, keys: { jwks: issuer.jwks }, eventSigners: [signer.publicJwk], transport: failing, logger, denyList: { maxEntries: 100 } });
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
    expect(stats).toMatchObject({
      instanceId: 'test-sidecar',
      topic: 'revmesh.revocations.v1',
      topics: { revocations: 'revmesh.revocations.v1', keys: 'revmesh.keys.v1', acks: 'revmesh.acks.v1' },
      trustedSigners: [{ kid: f.signer.kid, origin: 'configured' }],
      keySet: { source: 'static', version: 0, keys: [] },
    });
    await f.sidecar.close();
  });
});

describe('sidecar event handling', () => {
  it('counts, logs and skips records that are not valid signed events; later valid events still apply', async () => {
    const f = await createSidecarFixture();
    const records: Array<string | Buffer> = [
      'this is not json',
      JSON.stringify(revocationEvent({ target: { type: 'jti', value: 'x' } })), // a valid event, unsigned
      await signedGarbage(f.signer, JSON.stringify({ type: 'revocation.issued', version: 99, payload: {} })),
      await signedGarbage(f.signer, JSON.stringify({ type: 'revocation.issued', version: 1, id: 'not-a-uuid', payload: {} })),
      await signedGarbage(f.signer, JSON.stringify({ type: 'token.minted', version: 1 })),
      await signedGarbage(f.signer, '{nope'),
      Buffer.alloc(0),
      'x'.repeat(100 * 1024),
    ];
    for (const value of records) f.transport.append({ topic: TOPIC, key: 'jti:x', value });
    f.transport.append({ topic: TOPIC, key: 'jti:x', value: null });
    const token = await f.issuer.sign();
    await f.revoke({ type: 'jti', value: String(decodeTokenPayload(token)['jti']) });

    expect(f.sidecar.stats()).toMatchObject({
      eventsApplied: 1,
      tombstones: 1,
      rejectedEvents: { MALFORMED_JWS: 1, UNSIGNED: 1, UNSUPPORTED_VERSION: 1, SCHEMA_INVALID: 1, UNKNOWN_TYPE: 1, MALFORMED_JSON: 1, EMPTY: 1, TOO_LARGE: 1 },
    });
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });

    const warnings = f.logger.at('warn');
    expect(warnings).toHaveLength(8);
    expect(warnings[0]!.fields).toMatchObject({ reason: 'MALFORMED_JWS', topic: TOPIC, partition: expect.any(Number), offset: expect.any(String) });
    expect(warnings[2]!.fields).toMatchObject({ reason: 'UNSUPPORTED_VERSION', signer_kid: f.signer.kid });
    expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED)).toBe(8);
    expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED, { reason: 'SCHEMA_INVALID', topic: 'revocations' })).toBe(1);
    await f.sidecar.close();
  });

  it('malformed events on the topic at start do not prevent readiness', async () => {
    const transport = createInMemoryTransport();
    transport.append({ topic: TOPIC, key: 'k', value: '{' });
    await appendSignedEvent(transport, TOPIC, revocationEvent({ target: { type: 'sub', value: 'alice' } }), signer);
    const issuer = await createTestIssuer({ issuer: ISSUER });
    const sidecar = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwks: issuer.jwks },
      eventSigners: [signer.publicJwk],
      transport,
      logger: createRecordingLogger(),
      denyList: { maxEntries: 100 },
    });
    await sidecar.start();
    await sidecar.ready;
    expect(sidecar.stats()).toMatchObject({ eventsApplied: 1, rejectedEvents: { UNSIGNED: 1 }, denyListSize: 1 });
    await sidecar.close();
  });

  it('refuses the same event id again as REPLAY (an outbox republish is harmless: it was applied once)', async () => {
    const f = await createSidecarFixture();
    const listener = jest.fn();
    f.sidecar.onRevocationApplied(listener);
    const event = await f.revoke({ type: 'sub', value: 'alice' }, { revocationId: 'rev-7' });
    const first = f.sidecar.appliedRevocation('rev-7');
    f.clock.advance(50);
    await f.publish(event);

    expect(f.sidecar.stats()).toMatchObject({ eventsApplied: 1, duplicateEvents: 0, denyListSize: 1, rejectedEvents: { REPLAY: 1 } });
    expect(f.logger.at('warn')[0]!.fields).toMatchObject({ reason: 'REPLAY', event_id: event.id, topic: TOPIC });
    expect(f.sidecar.appliedRevocation('rev-7')).toEqual(first);
    expect(listener).toHaveBeenCalledTimes(1);
    await f.sidecar.close();
  });

  it('applies a revocation republished under a new event id idempotently and remembers the first application', async () => {
    const f = await createSidecarFixture();
    const listener = jest.fn();
    f.sidecar.onRevocationApplied(listener);
    await f.revoke({ type: 'sub', value: 'alice' }, { revocationId: 'rev-7' });
    const first = f.sidecar.appliedRevocation('rev-7');
    f.clock.advance(50);
    await f.revoke({ type: 'sub', value: 'alice' }, { revocationId: 'rev-7' });

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
    expect(f.meterProvider.collect()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ instrument: METRIC_DENY_LIST_SIZE, value: 1 }),
        expect.objectContaining({ instrument: METRIC_KEY_SET_VERSION, value: 0 }),
      ]),
    );
    await f.sidecar.close();
  });

  it('uses the global (no-op) meter provider when none is given', async () => {
    const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const sidecar = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwks: issuer.jwks },
      eventSigners: [signer.publicJwk],
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
      const sidecar = createSidecar({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: { jwks: issuer.jwks },
        eventSigners: [signer.publicJwk],
        transport,
        instanceId: 'json-logger',
        meterProvider: createRecordingMeterProvider(),
        denyList: { maxEntries: 100 },
      });
      await sidecar.start();
      await sidecar.ready;
      await sidecar.close();
      const lines = write.mock.calls.map(([chunk]) => JSON.parse(String(chunk)) as Record<string, unknown>);
      // info lines ("started", "ready") are below the default level; the skipped event is a warning.
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', reason: 'MALFORMED_JWS', instance_id: 'json-logger' })]);
    } finally {
      write.mockRestore();
    }
  });

  it('defaults the instance id to hostname-pid-random', async () => {
    const issuer = await createTestIssuer({ issuer: ISSUER });
    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, keys: { jwks: issuer.jwks }, eventSigners: [signer.publicJwk], transport: createInMemoryTransport(), denyList: { maxEntries: 100 } });
    expect(sidecar.instanceId).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{8}$`));
    await sidecar.close();
  });
});
