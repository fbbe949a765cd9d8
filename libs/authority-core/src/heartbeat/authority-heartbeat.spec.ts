import { ALERT_RAISED, AUTHORITY_HEARTBEAT, AUTHORITY_HEARTBEAT_KEY, openSignedEvent, SIDECAR_BLOCKED } from '@revmesh/contracts';
import type { OutgoingRecord } from '@revmesh/transport';
import { openCoreFixture, openOutbox, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';

describe('authority heartbeat and alert events', () => {
  let fixture: CoreFixture;
  beforeEach(async () => {
    fixture = await openCoreFixture();
  });
  afterEach(() => fixture.cleanup());

  it('publishes a signed authority.heartbeat on the keys and the revocations topic, each its own event, with the key-set version', async () => {
    const sent: OutgoingRecord[] = [];
    const heartbeat = fixture.core.createHeartbeat({ publisher: { publish: async (r) => void sent.push(...r) }, intervalMs: 5000 });
    await heartbeat.beat();
    expect(sent.map((r) => r.topic)).toEqual([fixture.core.topics.keys.topic, fixture.core.topics.revocations.topic]);
    const ids = new Set<string>();
    for (const record of sent) {
      expect(record.key).toBe(AUTHORITY_HEARTBEAT_KEY);
      const opened = await openSignedEvent(record.value, trustIn(fixture.core.eventSigners.trusted()));
      expect(opened.ok).toBe(true);
      if (!opened.ok) return;
      expect(opened.event).toMatchObject({
        type: AUTHORITY_HEARTBEAT,
        payload: { interval_ms: 5000, key_set_version: fixture.core.keyEvents.version() },
      });
      ids.add(opened.event.id);
    }
    expect(ids.size).toBe(2);
    expect(fixture.core.keyEvents.version()).toBeGreaterThan(0);
  });

  it('validates the interval', () => {
    expect(() => fixture.core.createHeartbeat({ publisher: { publish: async () => undefined }, intervalMs: 0 })).toThrow(/intervalMs/);
  });

  it('turns a sidecar.blocked report into one signed alert.raised in the outbox, listed by the detector', async () => {
    const now = fixture.time.now;
    const report = {
      type: SIDECAR_BLOCKED,
      version: 1 as const,
      instance_id: 'i-1',
      sent_at: now,
      key_set_version: 1,
      window_start: now - 10_000,
      window_end: now,
      results: { ok: 3, TOKEN_REVOKED: 2 },
      revoked: [{ code: 'TOKEN_REVOKED' as const, jti: 'j1', revocation_id: 'r1', kid: null, count: 2, addresses: ['10.1.1.1'] }],
    };
    fixture.core.reports.recordRaw(JSON.stringify(report));
    fixture.core.reports.recordRaw(JSON.stringify({ ...report, sent_at: now + 1 }));
    for (let i = 0; i < 100; i++) {
      if ((await openOutbox(fixture.core, trustIn(fixture.core.eventSigners.trusted()), fixture.core.topics.alerts.topic)).length > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const rows = await openOutbox(fixture.core, trustIn(fixture.core.eventSigners.trusted()), fixture.core.topics.alerts.topic);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.event).toMatchObject({ type: ALERT_RAISED, payload: { kind: 'revoked_token_use', dedup_key: 'revoked_token_use:revocation:r1', count: 2 } });
    expect(fixture.core.anomalies.list()).toEqual([expect.objectContaining({ kind: 'revoked_token_use', count: 4 })]);
    expect(fixture.core.reports.stats().blocked).toBe(2);
  });
});
