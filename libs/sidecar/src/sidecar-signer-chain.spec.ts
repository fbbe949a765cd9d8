import {
  createInMemoryTransport,
  createRecordingLogger,
  createTestEventSigner,
  decodeTokenPayload,
  revocationEvent,
  signerAnnouncedEvent,
  signerWithdrawnEvent,
  type TestEventSigner,
} from '@revmesh/test-support';
import { createSidecar } from './sidecar';
import { AUDIENCE, createSidecarFixture, ISSUER, TOPICS, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import { METRIC_SIGNER_EVENTS_APPLIED } from './telemetry/names';

describe('event-signer chain', () => {
  let f: SidecarFixture;
  /** The configured anchor. */
  let a: TestEventSigner;
  let b: TestEventSigner;
  let version: number;

  beforeEach(async () => {
    f = await createSidecarFixture();
    a = f.signer;
    b = await createTestEventSigner();
    version = 10;
  });
  afterEach(async () => {
    await f.sidecar.close();
  });

  /** Revokes a fresh token's jti with an event signed by `by`; resolves to whether the sidecar now rejects the token. */
  const revokedBy = async (by: TestEventSigner): Promise<boolean> => {
    const token = await f.issuer.sign();
    await f.publish(revocationEvent({ target: { type: 'jti', value: String(decodeTokenPayload(token)['jti']) }, now: f.clock.now() }), by);
    return !(await f.sidecar.verify(token)).ok;
  };
  const kids = () => f.sidecar.stats().trustedSigners.map((s) => s.kid);

  it('a signer announced by a trusted signer becomes trusted', async () => {
    expect(await revokedBy(b)).toBe(false);
    expect(f.sidecar.stats().rejectedEvents).toEqual({ UNKNOWN_SIGNER: 1 });

    await f.publish(signerAnnouncedEvent({ signer: b, keySetVersion: ++version, now: f.clock.now() }), a);
    expect(f.sidecar.stats().trustedSigners).toEqual([
      { kid: a.kid, origin: 'configured' },
      { kid: b.kid, origin: 'announced', announcedBy: a.kid },
    ]);
    expect(await revokedBy(b)).toBe(true);
    expect(await revokedBy(a)).toBe(true); // overlap: both sign
    expect(f.sidecar.stats().keySet.version).toBe(version);
    expect(f.meterProvider.sum(METRIC_SIGNER_EVENTS_APPLIED, { change: 'added' })).toBe(1);
  });

  it('a withdrawal signed by another trusted signer removes the old one', async () => {
    await f.publish(signerAnnouncedEvent({ signer: b, keySetVersion: ++version, now: f.clock.now() }), a);
    await f.publish(signerWithdrawnEvent({ kid: a.kid, keySetVersion: ++version, now: f.clock.now() }), b);
    expect(kids()).toEqual([b.kid]);
    // A former signer can no longer change keys or signers (those can admit tokens) ...
    await f.publish(signerAnnouncedEvent({ signer: await createTestEventSigner(), keySetVersion: ++version, now: f.clock.now() }), a);
    expect(f.sidecar.stats().rejectedEvents).toEqual({ UNKNOWN_SIGNER: 1 });
    expect(kids()).toEqual([b.kid]);
    // ... but its revocations still apply: they can only deny, and refusing them would lose
    // revocations signed before the rotation (see the late-starting sidecar below).
    expect(await revokedBy(a)).toBe(true);
    expect(await revokedBy(b)).toBe(true);
    expect(f.logger.at('info').map((e) => e.message)).toEqual(
      expect.arrayContaining(['revmesh sidecar now trusts an event signer', 'revmesh sidecar no longer trusts an event signer']),
    );
  });

  it('refuses a self-withdrawal', async () => {
    await f.publish(signerAnnouncedEvent({ signer: b, keySetVersion: ++version, now: f.clock.now() }), a);
    await f.publish(signerWithdrawnEvent({ kid: a.kid, keySetVersion: ++version, now: f.clock.now() }), a);
    expect(f.sidecar.stats().rejectedEvents).toEqual({ SELF_WITHDRAWAL: 1 });
    expect(kids()).toEqual([a.kid, b.kid]);
  });

  it('never withdraws the last trusted signer', async () => {
    await f.publish(signerWithdrawnEvent({ kid: a.kid, keySetVersion: ++version, now: f.clock.now() }), a);
    expect(f.sidecar.stats().rejectedEvents).toEqual({ LAST_SIGNER: 1 });
    expect(kids()).toEqual([a.kid]);
    expect(await revokedBy(a)).toBe(true);
  });

  it('ignores an announcement by a signer it does not trust', async () => {
    const c = await createTestEventSigner();
    await f.publish(signerAnnouncedEvent({ signer: c, keySetVersion: ++version, now: f.clock.now() }), c);
    expect(f.sidecar.stats().rejectedEvents).toEqual({ UNKNOWN_SIGNER: 1 });
    expect(kids()).toEqual([a.kid]);
  });

  it('an old announcement cannot bring back a withdrawn signer', async () => {
    const announcement = signerAnnouncedEvent({ signer: b, keySetVersion: ++version, now: f.clock.now() });
    await f.publish(announcement, a);
    await f.publish(signerWithdrawnEvent({ kid: b.kid, keySetVersion: ++version, now: f.clock.now() }), a);
    expect(kids()).toEqual([a.kid]);
    await f.publish(announcement, a); // the very record again
    await f.publish(signerAnnouncedEvent({ signer: b, keySetVersion: version - 1, now: f.clock.now() }), a); // same version, new id
    expect(f.sidecar.stats().rejectedEvents).toEqual({ REPLAY: 1, STALE_KEY_EVENT: 1 });
    expect(kids()).toEqual([a.kid]);
  });

  it('refuses to give a trusted kid another public key', async () => {
    const impostor = await createTestEventSigner({ kid: a.kid });
    await f.publish(signerAnnouncedEvent({ signer: impostor, keySetVersion: ++version, now: f.clock.now() }), a);
    expect(f.sidecar.stats().rejectedEvents).toEqual({ SIGNER_CONFLICT: 1 });
    expect(await revokedBy(impostor)).toBe(false);
  });

  it('a sidecar starting later replays the chain from its anchor before it applies revocations', async () => {
    await f.publish(signerAnnouncedEvent({ signer: b, keySetVersion: ++version, now: f.clock.now() }), a);
    await f.publish(signerWithdrawnEvent({ kid: a.kid, keySetVersion: ++version, now: f.clock.now() }), b);
    await f.revoke({ type: 'sub', value: 'alice' }); // signed by a: now untrusted
    await f.publish(revocationEvent({ target: { type: 'sub', value: 'bob' }, now: f.clock.now() }), b);

    // Slow down the keys topic only: without the ordering, the revocation signed by b would be
    // checked before b's announcement and lost as UNKNOWN_SIGNER.
    const transport = createInMemoryTransport({
      beforeDeliver: async (record) => {
        if (record.topic === TOPICS.keys) await new Promise((resolve) => setTimeout(resolve, 10));
      },
    });
    for (const topic of [TOPICS.keys, TOPICS.revocations]) {
      for (const record of f.transport.records(topic)) transport.append({ topic, key: record.key, value: record.value, partition: record.partition });
    }
    const later = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwks: f.issuer.jwks },
      eventSigners: [a.publicJwk],
      transport,
      clock: f.clock.now,
      logger: createRecordingLogger(),
      denyList: { maxEntries: 100 },
    });
    try {
      await later.start();
      await later.ready;
      expect(later.stats().trustedSigners.map((s) => s.kid)).toEqual([b.kid]);
      expect(await later.verify(await f.issuer.sign({ sub: 'bob' }))).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
      // Signed by a before a was withdrawn: an accepted revocation must not be lost to a signer rotation.
      expect(await later.verify(await f.issuer.sign({ sub: 'alice' }))).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
      expect(later.stats().rejectedEvents).toEqual({});
    } finally {
      await later.close();
    }
  });
});
