import type { SidecarAck, SidecarHeartbeat, SidecarReport } from '@revmesh/contracts';
import { TransportError, type OutgoingRecord } from '@revmesh/transport';
import { createTestEventSigner, createTestIssuer, keyStateEvent, revocationEvent, signerAnnouncedEvent } from '@revmesh/test-support';
import { AUDIENCE, createSidecarFixture, ISSUER, T0, TOPICS, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import { METRIC_REPORT_PUBLISH_FAILURES, METRIC_REPORTS_PUBLISHED } from './telemetry/names';
import { SIDECAR_DEFAULTS } from './options/resolve-options';

/** How long the first ack of a batch waits before it is published. */
const ACK_FLUSH_MS = SIDECAR_DEFAULTS.ackFlushIntervalMs;

const heartbeats = (reports: SidecarReport[]) => reports.filter((r): r is SidecarHeartbeat => r.type === 'sidecar.heartbeat');
const acks = (reports: SidecarReport[]) => reports.filter((r): r is SidecarAck => r.type === 'sidecar.ack');
/** Lets pending promise callbacks (publishes on the in-memory transport) run. */
const drain = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('heartbeats and acks', () => {
  let f: SidecarFixture | undefined;
  let outage: Error | undefined;
  let hang: boolean;
  const published: OutgoingRecord[][] = [];

  beforeEach(() => {
    // Only the reporter's timers are faked; promise and I/O scheduling stay real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    outage = undefined;
    hang = false;
    published.length = 0;
  });
  afterEach(async () => {
    await f?.sidecar.close();
    f = undefined;
    jest.useRealTimers();
  });

  const start = async (options: Parameters<typeof createSidecarFixture>[0] = {}) => {
    f = await createSidecarFixture({
      ...options,
      sidecar: { heartbeatIntervalMs: 1000, audience: [AUDIENCE, 'billing'], ...options.sidecar },
      transport: {
        beforePublish: async (records) => {
          if (hang) await new Promise<never>(() => undefined);
          if (outage) throw outage;
          published.push([...records]);
        },
      },
    });
    await drain();
    return f;
  };

  it('sends a heartbeat on start, on ready and every interval, keyed by instance id', async () => {
    const fx = await start();
    const [onStart, onReady] = heartbeats(fx.reports());
    expect(onStart).toEqual<SidecarHeartbeat>({
      type: 'sidecar.heartbeat',
      version: 1,
      instance_id: 'test-sidecar',
      sent_at: T0,
      key_set_version: 0,
      started_at: T0,
      ready: false,
      audiences: [AUDIENCE, 'billing'],
      heartbeat_interval_ms: 1000,
      staleness: { stale: false, policy: 'fail-closed', fail_open_accepted: 0 },
    });
    expect(onReady).toMatchObject({ ready: true, started_at: T0 });
    expect(fx.transport.records(TOPICS.acks).every((r) => r.key === 'test-sidecar')).toBe(true);

    await fx.publish(keyStateEvent({ key: fx.issuer, state: 'pending', keySetVersion: 3, now: fx.clock.now() }));
    fx.clock.advance(1000);
    await jest.advanceTimersByTimeAsync(1000);
    await drain();
    const all = heartbeats(fx.reports());
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ ready: true, key_set_version: 3, sent_at: T0 + 1000, started_at: T0 });
  });

  it('heartbeats say how the instance stands with its staleness bound: stale, its default policy, tokens accepted fail-open', async () => {
    const fx = await start({ sidecar: { staleness: { maxSilenceMs: 10_000 } } });
    expect(heartbeats(fx.reports()).at(-1)?.staleness).toEqual({ stale: false, policy: 'fail-closed', fail_open_accepted: 0 });
    const token = await fx.issuer.sign();
    fx.clock.advance(10_001);
    expect(await fx.sidecar.verify(token, { stalePolicy: 'fail-open-UNSAFE' })).toMatchObject({ ok: true });
    await jest.advanceTimersByTimeAsync(1000);
    await drain();
    expect(heartbeats(fx.reports()).at(-1)?.staleness).toEqual({ stale: true, policy: 'fail-closed', fail_open_accepted: 1 });
  });

  it('acks events applied after ready, batched, but not the backlog applied while catching up', async () => {
    const old = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const fx = await start({
      existing: [revocationEvent({ target: { type: 'sub', value: 'old' }, now: T0 - 3_600_000 }), keyStateEvent({ key: old, state: 'active', keySetVersion: 1 })],
    });
    expect(acks(fx.reports())).toEqual([]);

    const revocation = revocationEvent({ target: { type: 'jti', value: 'j1' }, now: fx.clock.now() });
    const key = keyStateEvent({ key: fx.issuer, state: 'pending', keySetVersion: 2, now: fx.clock.now() });
    const next = await createTestEventSigner();
    const signer = signerAnnouncedEvent({ signer: next, keySetVersion: 3, now: fx.clock.now() });
    await fx.publish(revocation);
    await fx.publish(key);
    fx.clock.advance(5);
    await fx.publish(signer);
    expect(acks(fx.reports())).toEqual([]); // batched: nothing before the flush interval
    const batchesBefore = published.length;
    await jest.advanceTimersByTimeAsync(ACK_FLUSH_MS);
    await drain();

    expect(acks(fx.reports())).toEqual<SidecarAck[]>([
      { type: 'sidecar.ack', version: 1, instance_id: 'test-sidecar', sent_at: T0, key_set_version: 1, event_id: revocation.id, event_type: 'revocation.issued', applied_at: T0, accepted_after_revocation: 0 },
      { type: 'sidecar.ack', version: 1, instance_id: 'test-sidecar', sent_at: T0, key_set_version: 2, event_id: key.id, event_type: 'key.state-changed', applied_at: T0 },
      { type: 'sidecar.ack', version: 1, instance_id: 'test-sidecar', sent_at: T0 + 5, key_set_version: 3, event_id: signer.id, event_type: 'event-signer.announced', applied_at: T0 + 5 },
    ]);
    expect(published.length - batchesBefore).toBe(1);
    expect(fx.sidecar.stats().reports).toMatchObject({ acksSent: 3, acksPending: 0, publishing: true });
    expect(fx.meterProvider.sum(METRIC_REPORTS_PUBLISHED, { report_type: 'sidecar.ack' })).toBe(3);
  });

  it("a revocation's ack counts the requests accepted with a token it denies after it was accepted", async () => {
    const fx = await start();
    const leaked = await fx.issuer.sign({ jti: 'leaked', sub: 'alice' });
    const other = await fx.issuer.sign({ jti: 'other', sub: 'bob' });
    const revokedAt = fx.clock.now();
    expect(await fx.sidecar.verify(leaked)).toMatchObject({ ok: true }); // at revoked_at: not after it
    fx.clock.advance(10);
    expect(await fx.sidecar.verify(leaked)).toMatchObject({ ok: true });
    expect(await fx.sidecar.verify(leaked)).toMatchObject({ ok: true });
    expect(await fx.sidecar.verify(other)).toMatchObject({ ok: true });
    // The revocations reach the sidecar late (accepted by the authority at revokedAt).
    const byJti = revocationEvent({ target: { type: 'jti', value: 'leaked' }, now: revokedAt });
    const bySub = revocationEvent({ target: { type: 'sub', value: 'bob' }, now: revokedAt });
    const unseen = revocationEvent({ target: { type: 'client_id', value: 'nobody' }, now: revokedAt });
    await fx.publish(byJti);
    await fx.publish(bySub);
    await fx.publish(unseen);
    expect(await fx.sidecar.verify(leaked)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    await jest.advanceTimersByTimeAsync(ACK_FLUSH_MS);
    await drain();
    const counts = new Map(acks(fx.reports()).map((a) => [a.event_id, a.accepted_after_revocation]));
    expect(counts).toEqual(
      new Map([
        [byJti.id, 2],
        [bySub.id, 1],
        [unseen.id, 0],
      ]),
    );
  });

  it('acks a catch-up event published around the start: the heartbeat does not cover it', async () => {
    const fx = await start({ start: false });
    const recent = revocationEvent({ target: { type: 'sub', value: 'recent' }, now: fx.clock.now() });
    fx.transport.append({ topic: TOPICS.revocations, key: 'sub:recent', value: await fx.signer.sign(recent), timestamp: fx.clock.now() - 1000 });
    await fx.sidecar.start();
    await fx.sidecar.ready;
    await jest.advanceTimersByTimeAsync(ACK_FLUSH_MS);
    await drain();
    expect(acks(fx.reports()).map((a) => a.event_id)).toEqual([recent.id]);
  });

  it('a broker outage never breaks verification or reading; one warning; acks wait for the next heartbeat', async () => {
    const fx = await start();
    const token = await fx.issuer.sign();
    outage = new TransportError('broker down', true);

    await fx.revoke({ type: 'sub', value: 'mallory' });
    await jest.advanceTimersByTimeAsync(ACK_FLUSH_MS);
    await drain();
    expect(await fx.sidecar.verify(token)).toMatchObject({ ok: true });
    await fx.revoke({ type: 'sub', value: 'eve' }); // the reader goes on
    expect(fx.sidecar.stats()).toMatchObject({ eventsApplied: 2, reports: { publishing: false, acksPending: 2, publishFailures: 1 } });
    await jest.advanceTimersByTimeAsync(1000); // a heartbeat tick retries, and fails again
    await drain();
    expect(fx.logger.at('warn').filter((e) => e.message.includes('cannot publish heartbeats and acks'))).toHaveLength(1);
    expect(fx.meterProvider.sum(METRIC_REPORT_PUBLISH_FAILURES)).toBe(2);
    expect(await fx.sidecar.verify(await fx.issuer.sign({ sub: 'mallory' }))).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });

    outage = undefined;
    await jest.advanceTimersByTimeAsync(1000);
    await drain();
    expect(fx.sidecar.stats().reports).toMatchObject({ publishing: true, acksPending: 0, acksSent: 2 });
    expect(fx.logger.at('info').map((e) => e.message)).toContain('revmesh sidecar publishes heartbeats and acks again');
  });

  it('close() stops every timer, publishes what is pending and disconnects', async () => {
    const fx = await start();
    await fx.revoke({ type: 'jti', value: 'last' });
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    await fx.sidecar.close();
    expect(jest.getTimerCount()).toBe(0);
    expect(fx.transport.connectedPublishers).toBe(0);
    expect(acks(fx.reports())).toHaveLength(1);
  });

  it('close() does not hang on a broker that never answers', async () => {
    const fx = await start();
    hang = true;
    await fx.revoke({ type: 'jti', value: 'stuck' });
    await jest.advanceTimersByTimeAsync(ACK_FLUSH_MS); // the ack batch goes out, and never comes back
    let closed = false;
    const closing = fx.sidecar.close().then(() => (closed = true));
    await drain();
    expect(closed).toBe(false);
    await jest.advanceTimersByTimeAsync(2000);
    await closing;
    expect(jest.getTimerCount()).toBe(0);
    expect(fx.transport.connectedPublishers).toBe(0);
  });
});
