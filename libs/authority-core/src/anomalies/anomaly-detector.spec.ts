import { SIDECAR_BLOCKED, type SidecarBlocked } from '@revmesh/contracts';
import { recordingLogger } from '../testing/core-fixture.spec-helper';
import { createAnomalyDetector, type Alert } from './anomaly-detector';

function blocked(instance: string, now: number, fields: Partial<SidecarBlocked> = {}): SidecarBlocked {
  return {
    type: SIDECAR_BLOCKED,
    version: 1,
    instance_id: instance,
    sent_at: now,
    key_set_version: 1,
    window_start: now - 60_000,
    window_end: now,
    results: { ok: 100 },
    revoked: [],
    ...fields,
  };
}

function setup(thresholds = {}) {
  let now = Date.UTC(2030, 0, 1);
  const raised: Alert[] = [];
  const logger = recordingLogger();
  const detector = createAnomalyDetector({ clock: { now: () => now }, logger, thresholds, onRaised: (a) => raised.push({ ...a }) });
  return { detector, raised, logger, advance: (ms: number) => (now += ms), now: () => now };
}

const revokedEntry = (jti: string, count: number, addresses: string[] = []) => ({
  code: 'TOKEN_REVOKED' as const,
  jti,
  revocation_id: `rev-${jti}`,
  kid: null,
  count,
  addresses,
});

describe('anomaly detector', () => {
  it('raises one revoked_token_use alert per revocation and updates it on repeats', () => {
    const { detector, raised, logger, advance, now } = setup();
    detector.onBlocked(blocked('i-1', now(), { revoked: [revokedEntry('j1', 3, ['10.0.0.1'])] }));
    advance(10_000);
    detector.onBlocked(blocked('i-2', now(), { revoked: [revokedEntry('j1', 2, ['10.0.0.2'])] }));
    const uses = raised.filter((a) => a.kind === 'revoked_token_use');
    expect(uses).toHaveLength(1);
    const [alert] = detector.list().filter((a) => a.kind === 'revoked_token_use');
    expect(alert).toMatchObject({ dedupKey: 'revoked_token_use:revocation:rev-j1', count: 5, lastSeen: now() });
    expect(alert!.details).toMatchObject({ blocked: 5, instances: ['i-1', 'i-2'], addresses: ['10.0.0.1', '10.0.0.2'] });
    expect(logger.lines.filter((l) => l.level === 'warn' && l.fields?.['kind'] === 'revoked_token_use')).toHaveLength(1);
  });

  it('raises a new alert for the same incident after the dedup window', () => {
    const { detector, raised, advance, now } = setup({ dedupWindowMs: 60_000 });
    detector.onBlocked(blocked('i-1', now(), { revoked: [revokedEntry('j1', 1)] }));
    advance(61_000);
    detector.onBlocked(blocked('i-1', now(), { revoked: [revokedEntry('j1', 1)] }));
    expect(raised.filter((a) => a.kind === 'revoked_token_use')).toHaveLength(2);
  });

  it('raises jti_spread when one jti shows up at N instances within the window, not outside it', () => {
    const { detector, raised, advance, now } = setup({ jtiInstances: 3, jtiWindowMs: 60_000 });
    detector.onBlocked(blocked('i-1', now(), { revoked: [revokedEntry('j1', 1)] }));
    advance(70_000); // i-1 falls out of the window
    detector.onBlocked(blocked('i-2', now(), { revoked: [revokedEntry('j1', 1)] }));
    detector.onBlocked(blocked('i-3', now(), { revoked: [revokedEntry('j1', 1)] }));
    expect(raised.filter((a) => a.kind === 'jti_spread')).toHaveLength(0);
    detector.onBlocked(blocked('i-4', now(), { revoked: [revokedEntry('j1', 1)] }));
    detector.onBlocked(blocked('i-5', now(), { revoked: [revokedEntry('j1', 1)] }));
    const spread = raised.filter((a) => a.kind === 'jti_spread');
    expect(spread).toHaveLength(1);
    expect(spread[0]!.dedupKey).toBe('jti_spread:j1');
    expect(detector.list().find((a) => a.kind === 'jti_spread')!.count).toBe(2);
  });

  it('raises jti_spread on many addresses at one instance', () => {
    const { detector, raised, now } = setup({ jtiAddresses: 3 });
    detector.onBlocked(blocked('i-1', now(), { revoked: [revokedEntry('j9', 3, ['a', 'b', 'c'])] }));
    expect(raised.filter((a) => a.kind === 'jti_spread')).toHaveLength(1);
  });

  it('raises auth_failure_spike against the instance baseline, ignoring infrastructure results', () => {
    const { detector, raised, advance, now } = setup({ authFailureFactor: 10, authFailureMinPerMinute: 30 });
    for (let i = 0; i < 10; i++) {
      detector.onBlocked(blocked('i-1', now(), { results: { ok: 1000, SIGNATURE_INVALID: 5 } }));
      advance(60_000);
    }
    detector.onBlocked(blocked('i-1', now(), { results: { ok: 1000, TOKEN_MISSING: 5000, STALE_STATE: 900 } }));
    expect(raised).toHaveLength(0);
    detector.onBlocked(blocked('i-1', now(), { results: { ok: 1000, SIGNATURE_INVALID: 40 } }));
    expect(raised).toHaveLength(0); // 40/min < 10 × 5/min
    detector.onBlocked(blocked('i-1', now(), { results: { ok: 1000, SIGNATURE_INVALID: 300, TOKEN_EXPIRED: 200 } }));
    detector.onBlocked(blocked('i-1', now(), { results: { ok: 1000, SIGNATURE_INVALID: 600 } }));
    const spikes = raised.filter((a) => a.kind === 'auth_failure_spike');
    expect(spikes).toHaveLength(1);
    expect(spikes[0]!.dedupKey).toBe('auth_failure_spike:i-1');
    expect(detector.list()[0]!.count).toBe(2);
  });

  it('raises mass_invalidation once when revocations per minute jump above the baseline', () => {
    const { detector, raised, advance } = setup({ massInvalidationFactor: 10, massInvalidationMinPerMinute: 20 });
    for (let i = 0; i < 60; i++) {
      detector.onRevocation();
      advance(60_000); // one a minute for an hour
    }
    for (let i = 0; i < 19; i++) detector.onRevocation();
    expect(raised).toHaveLength(0);
    for (let i = 0; i < 30; i++) detector.onRevocation();
    expect(raised.filter((a) => a.kind === 'mass_invalidation')).toHaveLength(1);
    expect(detector.list()[0]!.count).toBeGreaterThan(1);
  });

  it('rejects invalid thresholds', () => {
    expect(() => createAnomalyDetector({ thresholds: { jtiInstances: 0 } })).toThrow(/jtiInstances/);
  });
});
