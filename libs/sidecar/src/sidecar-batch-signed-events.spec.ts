import { revocationKey, signEventBatch } from '@revmesh/contracts';
import { revocationEvent } from '@revmesh/test-support';
import { createSidecarFixture, TOPICS, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';

/** Revocations the authority signed as one batch (one signature, an inclusion proof per record), through the sidecar's intake. */
describe('sidecar: batch-signed events', () => {
  let f: SidecarFixture;
  beforeEach(async () => {
    f = await createSidecarFixture();
  });
  afterEach(() => f.sidecar.close());

  const append = (value: Buffer, key: string): void => {
    f.transport.append({ topic: TOPICS.revocations, key, value });
  };

  it('applies every member of a signed batch, each its own event (a replayed member is still a REPLAY)', async () => {
    const subs = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const events = subs.map((sub) => revocationEvent({ target: { type: 'sub', value: sub }, now: f.clock.now() }));
    const values = await signEventBatch(events, f.signer.signingKey);
    values.forEach((value, i) => append(value, revocationKey(events[i]!.payload.target)));
    append(values[1]!, revocationKey(events[1]!.payload.target));
    await f.transport.settled();
    for (const sub of subs) expect(await f.sidecar.verify(await f.issuer.sign({ sub, iat: Math.floor(f.clock.now() / 1000) - 10 }))).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(f.sidecar.stats()).toMatchObject({ eventsApplied: 5, rejectedEvents: { REPLAY: 1 } });
  });

  it('refuses a forged member of a genuine batch (its event altered) and applies the others', async () => {
    const events = ['alice', 'bob', 'carol'].map((sub) => revocationEvent({ target: { type: 'sub', value: sub }, now: f.clock.now() }));
    const values = await signEventBatch(events, f.signer.signingKey);
    const [jws, , index, proof] = values[1]!.toString('ascii').split('~');
    const forgedEvent = { ...events[1]!, payload: { ...events[1]!.payload, target: { type: 'sub' as const, value: 'mallory' } } };
    const forged = Buffer.from([jws, Buffer.from(JSON.stringify(forgedEvent)).toString('base64url'), index, proof].join('~'));
    append(values[0]!, 'sub:alice');
    append(forged, 'sub:mallory');
    append(values[2]!, 'sub:carol');
    await f.transport.settled();
    const iat = Math.floor(f.clock.now() / 1000) - 10;
    expect(await f.sidecar.verify(await f.issuer.sign({ sub: 'mallory', iat }))).toMatchObject({ ok: true });
    expect(await f.sidecar.verify(await f.issuer.sign({ sub: 'alice', iat }))).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(await f.sidecar.verify(await f.issuer.sign({ sub: 'carol', iat }))).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(f.sidecar.stats()).toMatchObject({ eventsApplied: 2, rejectedEvents: { SIGNATURE_INVALID: 1 } });
  });
});
