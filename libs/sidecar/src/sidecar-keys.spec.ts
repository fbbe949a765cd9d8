import { createTestIssuer, keyStateEvent, tamperSignature, type TestIssuer } from '@revmesh/test-support';
import type { KeyState } from '@revmesh/contracts';
import type { AppliedKeyEvent } from './sync/key-sync';
import { AUDIENCE, createSidecarFixture, ISSUER, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import { METRIC_KEY_EVENTS_APPLIED, METRIC_KEY_PROPAGATION_LATENCY, METRIC_KEY_SET_VERSION } from './telemetry/names';
import type { VerifyResult } from './verify/verify-result';

const code = (result: VerifyResult) => (result.ok ? 'OK' : result.code);

describe('key set from the keys topic (the default key source)', () => {
  let f: SidecarFixture;
  let version: number;
  /** Publishes the next state of `key` with the next key-set version, as the authority would. */
  const move = async (key: TestIssuer, state: KeyState) => f.publish(keyStateEvent({ key, state, keySetVersion: ++version, now: f.clock.now() }));

  beforeEach(async () => {
    version = 0;
    // No `keys` option at all: the keys topic is the default, and nothing here can reach HTTP.
    f = await createSidecarFixture({ sidecar: { keys: undefined, pendingKeyGraceMs: 0 } });
  });
  afterEach(async () => {
    await f.sidecar.close();
  });

  it('verifies with active and retiring keys, not with a pending one; a retired key is KEY_UNKNOWN', async () => {
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('KEY_UNKNOWN');
    await move(f.issuer, 'pending');
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('KEY_NOT_ACTIVE');
    for (const state of ['active', 'retiring'] as const) {
      await move(f.issuer, state);
      expect([state, code(await f.sidecar.verify(await f.issuer.sign()))]).toEqual([state, 'OK']);
    }
    await move(f.issuer, 'retired');
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('KEY_UNKNOWN');
    expect(f.sidecar.stats().keySet).toEqual({ source: 'kafka', version: 4, keys: [{ kid: f.issuer.kid, state: 'retired', keySetVersion: 4 }] });
  });

  it('a pre-published (pending) standby is held before it ever signs, and verifies from its promotion on', async () => {
    const standby = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: f.clock.now, alg: 'EdDSA' });
    await move(f.issuer, 'active');
    await move(standby, 'pending');
    expect(f.sidecar.stats().keySet.keys).toContainEqual({ kid: standby.kid, state: 'pending', keySetVersion: 2 });
    expect(code(await f.sidecar.verify(await standby.sign()))).toBe('KEY_NOT_ACTIVE');
    await move(standby, 'active');
    expect(code(await f.sidecar.verify(await standby.sign()))).toBe('OK');
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
  });

  it('a revoked key is KEY_REVOKED at once, also for tokens that verified before', async () => {
    await move(f.issuer, 'active');
    const earlier = await f.issuer.sign();
    expect(code(await f.sidecar.verify(earlier))).toBe('OK');
    await move(f.issuer, 'revoked');
    expect(await f.sidecar.verify(earlier)).toEqual({ ok: false, code: 'KEY_REVOKED', kid: f.issuer.kid, message: expect.stringContaining(f.issuer.kid) });
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('KEY_REVOKED');
    expect(f.sidecar.stats().keySet.keys).toEqual([{ kid: f.issuer.kid, state: 'revoked', keySetVersion: 2 }]);
  });

  it('KEY_REVOKED is decided before the signature: a token with a bad signature under a revoked kid is KEY_REVOKED', async () => {
    await move(f.issuer, 'revoked');
    expect(code(await f.sidecar.verify(tamperSignature(await f.issuer.sign())))).toBe('KEY_REVOKED');
  });

  it('revocation is final: a later event moving a revoked key elsewhere is rejected', async () => {
    await move(f.issuer, 'revoked');
    await move(f.issuer, 'active');
    expect(f.sidecar.stats().rejectedEvents).toEqual({ REVOKED_KEY_REUSED: 1 });
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('KEY_REVOKED');
  });

  it('refuses a key event that changes the public key of a known kid', async () => {
    await move(f.issuer, 'active');
    const impostor = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: f.clock.now, kid: f.issuer.kid });
    await f.publish(keyStateEvent({ key: impostor, state: 'retiring', keySetVersion: ++version, now: f.clock.now() }));
    expect(f.sidecar.stats().rejectedEvents).toEqual({ KEY_CONFLICT: 1 });
    expect(code(await f.sidecar.verify(await impostor.sign()))).toBe('SIGNATURE_INVALID');
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
  });

  it('refuses a token whose alg differs from the key it names', async () => {
    await move(f.issuer, 'active');
    const edImpostor = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: f.clock.now, kid: f.issuer.kid, alg: 'EdDSA' });
    expect(code(await f.sidecar.verify(await edImpostor.sign()))).toBe('KEY_UNKNOWN');
  });

  it('calls onKeyEvent listeners with state, latency and version; counts and observes them', async () => {
    const seen: AppliedKeyEvent[] = [];
    f.sidecar.onKeyEvent((applied) => seen.push(applied));
    const event = keyStateEvent({ key: f.issuer, state: 'pending', keySetVersion: 1, issuedAt: f.clock.now() - 4 });
    await f.publish(event);
    version = 1;
    await move(f.issuer, 'active');
    expect(seen[0]).toEqual<AppliedKeyEvent>({
      kid: f.issuer.kid,
      state: 'pending',
      previousState: undefined,
      keySetVersion: 1,
      eventId: event.id,
      appliedAt: f.clock.now(),
      latencyMs: 4,
      replay: false,
    });
    expect(seen[1]).toMatchObject({ state: 'active', previousState: 'pending', keySetVersion: 2 });
    expect(f.meterProvider.sum(METRIC_KEY_EVENTS_APPLIED, { state: 'active', replay: false })).toBe(1);
    expect(f.meterProvider.find(METRIC_KEY_PROPAGATION_LATENCY)[0]).toMatchObject({ value: 4 });
    expect(f.meterProvider.collect()).toContainEqual(expect.objectContaining({ instrument: METRIC_KEY_SET_VERSION, value: 2 }));
    expect(() => f.sidecar.onKeyEvent(undefined as never)).toThrow(TypeError);
  });
});

describe('key events with a static key set', () => {
  it('a key revoked on the keys topic is KEY_REVOKED even though the static set holds it', async () => {
    const f = await createSidecarFixture();
    try {
      expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
      await f.publish(keyStateEvent({ key: f.issuer, state: 'revoked', keySetVersion: 1, now: f.clock.now() }));
      expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('KEY_REVOKED');
      expect(f.sidecar.stats().keySet).toMatchObject({ source: 'static', version: 1 });
    } finally {
      await f.sidecar.close();
    }
  });
});

describe('key set at start', () => {
  it('is loaded from the keys topic before ready; catch-up events are replays', async () => {
    const clockStart = 1_750_000_000_000;
    const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const f = await createSidecarFixture({
      sidecar: { keys: { source: 'kafka' } },
      existing: [
        keyStateEvent({ key: issuer, state: 'pending', keySetVersion: 1, now: clockStart }),
        keyStateEvent({ key: issuer, state: 'active', keySetVersion: 2, now: clockStart }),
      ],
    });
    try {
      const seen: AppliedKeyEvent[] = [];
      f.sidecar.onKeyEvent((e) => seen.push(e));
      expect(f.sidecar.stats().keySet).toEqual({ source: 'kafka', version: 2, keys: [{ kid: issuer.kid, state: 'active', keySetVersion: 2 }] });
      expect(f.meterProvider.sum(METRIC_KEY_EVENTS_APPLIED, { replay: true })).toBe(2);
      expect(seen).toEqual([]);
    } finally {
      await f.sidecar.close();
    }
  });
});
