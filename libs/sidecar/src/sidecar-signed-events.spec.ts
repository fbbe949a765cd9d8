import { encodeEvent, type RevmeshEvent } from '@revmesh/contracts';
import { createTestEventSigner, createTestIssuer, decodeTokenPayload, keyStateEvent, revocationEvent, type EventSigner } from '@revmesh/test-support';
import { createSidecarFixture, TOPICS, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import { METRIC_EVENTS_REJECTED } from './telemetry/names';

/** A "signer" that writes the event as plain JSON: what anyone with write access to Kafka could do. */
const unsigned: EventSigner = { sign: async (event) => encodeEvent(event) };

/** What must not change when a forged event is rejected. */
const stateOf = (f: SidecarFixture) => {
  const stats = f.sidecar.stats();
  return { denyListSize: stats.denyListSize, eventsApplied: stats.eventsApplied, keySet: stats.keySet, trustedSigners: stats.trustedSigners };
};

describe('signed events: every record is checked before it is applied', () => {
  let f: SidecarFixture;
  beforeEach(async () => {
    f = await createSidecarFixture({ sidecar: { keys: { source: 'kafka' } } });
    await f.publish(keyStateEvent({ key: f.issuer, state: 'active', keySetVersion: 1, now: f.clock.now() }));
  });
  afterEach(async () => {
    await f.sidecar.close();
  });

  const forgeries: ReadonlyArray<[reason: string, forger: () => Promise<EventSigner>]> = [
    ['UNSIGNED', async () => unsigned],
    // The trusted signer's kid, someone else's key: the signature cannot verify.
    ['SIGNATURE_INVALID', async () => createTestEventSigner({ kid: f.signer.kid })],
    ['UNKNOWN_SIGNER', async () => createTestEventSigner()],
  ];

  it.each(forgeries)('a forged revocation (%s) is rejected, counted, logged and changes nothing', async (reason, forger) => {
    const token = await f.issuer.sign({ sub: 'alice' });
    const before = stateOf(f);
    await f.publish(revocationEvent({ target: { type: 'sub', value: 'alice' }, now: f.clock.now() }), await forger());

    expect(f.sidecar.stats().rejectedEvents).toEqual({ [reason]: 1 });
    expect(stateOf(f)).toEqual(before);
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: true });
    expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED, { reason, topic: 'revocations' })).toBe(1);
    expect(f.logger.at('warn')).toEqual([
      expect.objectContaining({ fields: expect.objectContaining({ reason, topic: TOPICS.revocations, partition: expect.any(Number), offset: expect.any(String) }) }),
    ]);
  });

  it.each(forgeries)('a forged key event (%s) is rejected, counted and changes nothing', async (reason, forger) => {
    const token = await f.issuer.sign();
    const before = stateOf(f);
    await f.publish(keyStateEvent({ key: f.issuer, state: 'revoked', keySetVersion: 2, now: f.clock.now() }), await forger());

    expect(f.sidecar.stats().rejectedEvents).toEqual({ [reason]: 1 });
    expect(stateOf(f)).toEqual(before);
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: true });
    expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED, { reason, topic: 'keys' })).toBe(1);
    expect(f.logger.at('warn')[0]!.fields).toMatchObject({ reason, topic: TOPICS.keys, offset: '1' });
  });

  it('a forged key event cannot slip an attacker key into the key set', async () => {
    const attacker = await createTestEventSigner();
    const mallory = await createTestIssuer({ issuer: f.issuer.issuer, audience: 'orders-api', clock: f.clock.now });
    await f.publish(keyStateEvent({ key: mallory, state: 'active', keySetVersion: 99, now: f.clock.now() }), attacker);
    expect(await f.sidecar.verify(await mallory.sign())).toMatchObject({ ok: false, code: 'KEY_UNKNOWN' });
    expect(f.sidecar.stats().keySet.keys.map((k) => k.kid)).toEqual([f.issuer.kid]);
  });

  it('a replayed event (same id, genuine signature) is rejected as REPLAY on either topic', async () => {
    const revocation = revocationEvent({ target: { type: 'jti', value: 'j1' }, now: f.clock.now() });
    const keyEvent = keyStateEvent({ key: f.issuer, state: 'retiring', keySetVersion: 2, now: f.clock.now() });
    for (const event of [revocation, keyEvent] as RevmeshEvent[]) await f.publish(event);
    const before = stateOf(f);
    for (const event of [revocation, keyEvent] as RevmeshEvent[]) await f.publish(event);

    expect(f.sidecar.stats().rejectedEvents).toEqual({ REPLAY: 2 });
    expect(stateOf(f)).toEqual(before);
    expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED, { reason: 'REPLAY', topic: 'revocations' })).toBe(1);
    expect(f.meterProvider.sum(METRIC_EVENTS_REJECTED, { reason: 'REPLAY', topic: 'keys' })).toBe(1);
  });

  it('a stale key event (key_set_version not newer than held for that kid) is rejected as STALE_KEY_EVENT', async () => {
    await f.publish(keyStateEvent({ key: f.issuer, state: 'revoked', keySetVersion: 5, now: f.clock.now() }));
    const before = stateOf(f);
    // A genuine old event (as if replayed after the sidecar forgot its id): it must not resurrect the key.
    await f.publish(keyStateEvent({ key: f.issuer, state: 'active', keySetVersion: 4, now: f.clock.now() }));
    await f.publish(keyStateEvent({ key: f.issuer, state: 'active', keySetVersion: 5, now: f.clock.now() }));

    expect(f.sidecar.stats().rejectedEvents).toEqual({ STALE_KEY_EVENT: 2 });
    expect(stateOf(f)).toEqual(before);
    expect(await f.sidecar.verify(await f.issuer.sign())).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
    expect(f.logger.at('warn')[0]!.fields).toMatchObject({ reason: 'STALE_KEY_EVENT', detail: expect.stringContaining('not newer than the held 5') });
  });

  it('events on the wrong topic are rejected as UNKNOWN_TYPE', async () => {
    const before = stateOf(f);
    const revocation = revocationEvent({ target: { type: 'sub', value: 'alice' }, now: f.clock.now() });
    f.transport.append({ topic: TOPICS.keys, key: 'sub:alice', value: await f.signer.sign(revocation) });
    const keyEvent = keyStateEvent({ key: f.issuer, state: 'revoked', keySetVersion: 7, now: f.clock.now() });
    f.transport.append({ topic: TOPICS.revocations, key: f.issuer.kid, value: await f.signer.sign(keyEvent) });
    await f.transport.settled();
    expect(f.sidecar.stats().rejectedEvents).toEqual({ UNKNOWN_TYPE: 2 });
    expect(stateOf(f)).toEqual(before);
  });

  it('keeps reading after rejections: a genuine revocation after forgeries applies', async () => {
    const token = await f.issuer.sign();
    const jti = String(decodeTokenPayload(token)['jti']);
    await f.publish(revocationEvent({ target: { type: 'jti', value: jti }, now: f.clock.now() }), unsigned);
    await f.publish(revocationEvent({ target: { type: 'jti', value: jti }, now: f.clock.now() }), await createTestEventSigner());
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: true });
    await f.revoke({ type: 'jti', value: jti });
    expect(await f.sidecar.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(f.sidecar.stats().rejectedEvents).toEqual({ UNSIGNED: 1, UNKNOWN_SIGNER: 1 });
  });
});
