import { decodeSidecarReport, encodeSidecarReport, type SidecarAck, type SidecarHeartbeat } from './sidecar-report';

const ack: SidecarAck = {
  type: 'sidecar.ack',
  version: 1,
  instance_id: 'orders-1',
  sent_at: 1_700_000_000_100,
  key_set_version: 3,
  event_id: '6f1c2c1e-8a8b-4c55-9a55-2f2f0d0f7a11',
  event_type: 'revocation.issued',
  applied_at: 1_700_000_000_050,
};

describe('sidecar.ack accepted_after_revocation (optional within version 1)', () => {
  it('round-trips a count, 0 included', () => {
    for (const count of [0, 7]) {
      const decoded = decodeSidecarReport(encodeSidecarReport({ ...ack, accepted_after_revocation: count }));
      expect(decoded).toEqual({ ok: true, report: { ...ack, accepted_after_revocation: count } });
    }
  });

  it('an ack of an older sidecar (no count) still decodes, without one', () => {
    const decoded = decodeSidecarReport(JSON.stringify(ack));
    expect(decoded).toEqual({ ok: true, report: ack });
    expect(decoded.ok && decoded.report.type === 'sidecar.ack' && 'accepted_after_revocation' in decoded.report).toBe(false);
  });

  it('refuses a count that is not a whole non-negative number', () => {
    for (const bad of [-1, 1.5, '3']) {
      expect(decodeSidecarReport(JSON.stringify({ ...ack, accepted_after_revocation: bad }))).toMatchObject({
        ok: false,
        message: expect.stringContaining('accepted_after_revocation'),
      });
    }
  });
});

const heartbeat: SidecarHeartbeat = {
  type: 'sidecar.heartbeat',
  version: 1,
  instance_id: 'orders-1',
  sent_at: 1_700_000_000_100,
  key_set_version: 3,
  started_at: 1_700_000_000_000,
  ready: true,
  audiences: ['orders-api'],
  heartbeat_interval_ms: 5000,
};

describe('sidecar.heartbeat staleness (optional within version 1)', () => {
  it('round-trips the stale flag, the default policy and the fail-open count', () => {
    const staleness = { stale: true, policy: 'fail-open-UNSAFE', fail_open_accepted: 12 } as const;
    expect(decodeSidecarReport(encodeSidecarReport({ ...heartbeat, staleness }))).toEqual({ ok: true, report: { ...heartbeat, staleness } });
  });

  it("an older sidecar's heartbeat (without it) still decodes, without it", () => {
    const decoded = decodeSidecarReport(JSON.stringify(heartbeat));
    expect(decoded).toEqual({ ok: true, report: heartbeat });
  });

  it('refuses an unknown policy or a negative count', () => {
    for (const staleness of [{ stale: false, policy: 'fail-open', fail_open_accepted: 0 }, { stale: false, policy: 'fail-closed', fail_open_accepted: -1 }]) {
      expect(decodeSidecarReport(JSON.stringify({ ...heartbeat, staleness }))).toMatchObject({ ok: false, message: expect.stringContaining('staleness') });
    }
  });
});
