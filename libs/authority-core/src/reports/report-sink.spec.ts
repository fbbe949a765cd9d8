import { encodeSidecarReport } from '@revmesh/contracts';
import { RevocationNotFoundError } from '../errors/errors';
import { ack, compromiseActor as ADMIN, heartbeat, openCoreFixture, publishAll, recordingLogger, type CoreFixture } from '../testing/core-fixture.spec-helper';

describe('sidecar reports: instances, liveness, acks and coverage', () => {
  let f: CoreFixture;
  let logger: ReturnType<typeof recordingLogger>;
  beforeEach(async () => {
    logger = recordingLogger();
    f = await openCoreFixture({ logger });
  });
  afterEach(() => f.cleanup());

  const record = (...reports: Parameters<typeof f.core.reports.recordReport>[0][]): void => {
    for (const report of reports) f.core.reports.recordRaw(encodeSidecarReport(report));
    f.core.reports.flush();
  };

  it('turns heartbeats into live instances, gone after 3 missed intervals', () => {
    const t = f.time.now;
    record(
      heartbeat('a', { sent_at: t, started_at: t - 5000, heartbeat_interval_ms: 1000, audiences: ['orders'], key_set_version: 3 }),
      heartbeat('b', { sent_at: t - 2500, heartbeat_interval_ms: 1000, ready: false }),
    );
    expect(f.core.instances.live(t).map((i) => i.instanceId)).toEqual(['a', 'b']);
    expect(f.core.instances.live(t)[0]).toEqual({
      instanceId: 'a',
      startedAt: t - 5000,
      lastHeartbeatAt: t,
      ready: true,
      keySetVersion: 3,
      audiences: ['orders'],
      heartbeatIntervalMs: 1000,
      firstSeenAt: t,
    });
    expect(f.core.instances.live(t + 499).map((i) => i.instanceId)).toEqual(['a', 'b']);
    expect(f.core.instances.live(t + 500).map((i) => i.instanceId)).toEqual(['a']);
    expect(f.core.instances.live(t + 3000)).toEqual([]);
    expect(f.core.instances.all().map((i) => i.instanceId)).toEqual(['a', 'b']);
  });

  it('never moves an instance back: older heartbeats are ignored, a replay from the future cannot keep it alive', () => {
    const t = f.time.now;
    record(heartbeat('a', { sent_at: t, key_set_version: 5 }));
    record(heartbeat('a', { sent_at: t - 100, key_set_version: 1, ready: false }));
    expect(f.core.instances.live(t)[0]).toMatchObject({ keySetVersion: 5, ready: true });
    // A sidecar clock an hour ahead: its heartbeat counts as received now, not in an hour.
    record(heartbeat('a', { sent_at: t + 3_600_000 }));
    expect(f.core.instances.live(t + 3001)).toEqual([]);
  });

  it("keeps the newest heartbeat's staleness (stale, default policy, fail-open acceptances); an older sidecar's says nothing", () => {
    const t = f.time.now;
    record(heartbeat('a', { sent_at: t - 10, staleness: { stale: false, policy: 'fail-closed', fail_open_accepted: 0 } }));
    expect(f.core.instances.live(t)[0]!.staleness).toEqual({ stale: false, policy: 'fail-closed', failOpenAccepted: 0 });
    record(heartbeat('a', { sent_at: t, staleness: { stale: true, policy: 'fail-open-UNSAFE', fail_open_accepted: 4 } }));
    expect(f.core.instances.all()[0]!.staleness).toEqual({ stale: true, policy: 'fail-open-UNSAFE', failOpenAccepted: 4 });
    record(heartbeat('a', { sent_at: t + 10 }));
    expect(f.core.instances.live(t + 10)[0]).not.toHaveProperty('staleness');
  });

  it('a restarted instance (new started_at) reports what it holds now', () => {
    const t = f.time.now;
    record(heartbeat('a', { sent_at: t, started_at: t - 1000, key_set_version: 9 }));
    record(heartbeat('a', { sent_at: t + 10, started_at: t + 5, key_set_version: 2 }));
    expect(f.core.instances.live(t + 10)[0]).toMatchObject({ startedAt: t + 5, keySetVersion: 2 });
  });

  it('counts and logs invalid reports, rate-limited, and never throws', () => {
    for (const raw of [null, '', 'not json', '{"type":"sidecar.heartbeat"}', Buffer.alloc(20_000, 'x'), '{"type":"other"}']) {
      expect(() => f.core.reports.recordRaw(raw)).not.toThrow();
    }
    f.core.reports.flush();
    expect(f.core.reports.stats()).toMatchObject({ received: 0, invalid: 6 });
    const warnings = logger.lines.filter((l) => l.message === 'sidecar reports: invalid report ignored');
    expect(warnings).toHaveLength(1);
    f.time.now += 10_000;
    f.core.reports.recordRaw('still not json');
    expect(logger.lines.filter((l) => l.message === 'sidecar reports: invalid report ignored')[1]?.fields).toMatchObject({
      invalidSinceLastLog: 6,
      invalidTotal: 7,
    });
    expect(f.core.instances.all()).toEqual([]);
  });

  it('buffers reports and writes them together within the flush interval', async () => {
    f.core.reports.recordReport(heartbeat('a', { sent_at: f.time.now }));
    expect(f.core.instances.all()).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(f.core.instances.all()).toHaveLength(1);
  });

  describe('revocation coverage', () => {
    it('applied (acks), covered_at_start (started after publication), pending; complete once nobody is pending', async () => {
      const t = f.time.now;
      record(
        heartbeat('acker', { sent_at: t, started_at: t - 60_000, heartbeat_interval_ms: 600_000 }),
        heartbeat('late', { sent_at: t, started_at: t - 60_000, heartbeat_interval_ms: 600_000 }),
      );
      const revocation = await f.core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'r', actor: ADMIN });
      const before = f.core.revocationCoverage(revocation.id).coverage;
      expect(before).toMatchObject({ publishedAt: null, liveInstances: 2, applied: [], coveredAtStart: [], complete: false });
      expect(before.pending.map((p) => p.instanceId)).toEqual(['acker', 'late']);

      f.time.now = t + 10;
      publishAll(f.core, f.time.now);
      const eventId = f.core.revocations.get(revocation.id).eventId!;
      f.time.now = t + 50;
      record(
        ack('acker', eventId, { sent_at: t + 20, applied_at: t + 15, event_type: 'revocation.issued' }),
        // Started after the event was published: it read the topic from the start with the event in it.
        heartbeat('fresh', { sent_at: t + 30, started_at: t + 25, heartbeat_interval_ms: 600_000 }),
        // Not ready yet: still catching up, so not covered.
        heartbeat('booting', { sent_at: t + 30, started_at: t + 25, ready: false, heartbeat_interval_ms: 600_000 }),
      );
      const { coverage } = f.core.revocationCoverage(revocation.id);
      expect(coverage).toEqual({
        eventId,
        publishedAt: t + 10,
        liveInstances: 4,
        applied: [{ instanceId: 'acker', status: 'applied', appliedAt: t + 15, via: 'ack' }],
        coveredAtStart: [{ instanceId: 'fresh', status: 'covered_at_start', startedAt: t + 25 }],
        pending: [
          { instanceId: 'booting', status: 'pending', lastHeartbeatAt: t + 30 },
          { instanceId: 'late', status: 'pending', lastHeartbeatAt: t },
        ],
        complete: false,
      });
      record(ack('late', eventId, { sent_at: t + 40 }), heartbeat('booting', { sent_at: t + 41, started_at: t + 25, heartbeat_interval_ms: 600_000 }));
      expect(f.core.revocationCoverage(revocation.id).coverage).toMatchObject({ pending: [], complete: true });
    });

    it('ignores acks from gone instances and duplicate acks', async () => {
      const t = f.time.now;
      const revocation = await f.core.revocations.revoke({ target: { type: 'jti', value: 'j' }, reason: 'r', actor: ADMIN });
      publishAll(f.core, t);
      const eventId = f.core.revocations.get(revocation.id).eventId!;
      record(heartbeat('gone', { sent_at: t - 10_000, started_at: t - 60_000, heartbeat_interval_ms: 1000 }), ack('gone', eventId, { sent_at: t }), ack('gone', eventId, { sent_at: t + 1 }));
      expect(f.core.revocationCoverage(revocation.id).coverage).toMatchObject({ liveInstances: 0, applied: [], pending: [], complete: true });
      expect(f.core.store.db.prepare('SELECT COUNT(*) FROM sidecar_acks').pluck().get()).toBe(1);
    });

    it("stores a revocation ack's accepted_after_revocation (0 included); an older sidecar's ack has none", async () => {
      const t = f.time.now;
      for (const id of ['counted', 'zero', 'older']) record(heartbeat(id, { sent_at: t, started_at: t - 60_000, heartbeat_interval_ms: 600_000 }));
      const revocation = await f.core.revocations.revoke({ target: { type: 'jti', value: 'leaked' }, reason: 'r', actor: ADMIN });
      publishAll(f.core, t);
      const eventId = f.core.revocations.get(revocation.id).eventId!;
      const fields = { sent_at: t + 1, event_type: 'revocation.issued' };
      record(ack('counted', eventId, { ...fields, accepted_after_revocation: 4 }), ack('zero', eventId, { ...fields, accepted_after_revocation: 0 }), ack('older', eventId, fields));
      const { applied } = f.core.revocationCoverage(revocation.id).coverage;
      expect(applied.map((a) => [a.instanceId, a.acceptedAfterRevocation])).toEqual([
        ['counted', 4],
        ['older', undefined],
        ['zero', 0],
      ]);
      expect(f.core.store.db.prepare('SELECT instance_id, accepted_after_revocation FROM sidecar_acks ORDER BY instance_id').all()).toEqual([
        { instance_id: 'counted', accepted_after_revocation: 4 },
        { instance_id: 'older', accepted_after_revocation: null },
        { instance_id: 'zero', accepted_after_revocation: 0 },
      ]);
    });

    it('throws RevocationNotFoundError for an unknown revocation', () => {
      expect(() => f.core.revocationCoverage('nope')).toThrow(RevocationNotFoundError);
    });
  });
});
