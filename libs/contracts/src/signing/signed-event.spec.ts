import { randomUUID } from 'node:crypto';
import { CompactSign, generateKeyPair } from 'jose';
import { openSignedEvent, signEvent, EVENT_JWS_TYP, type EventSignerTrust } from './signed-event';
import type { RevocationIssuedEvent } from '../events/revocation-issued';

const event = (): RevocationIssuedEvent => ({
  id: randomUUID(),
  type: 'revocation.issued',
  version: 1,
  issued_at: 1_700_000_000_000,
  actor: { kind: 'admin-key', id: 'admin' },
  payload: {
    revocation_id: 'r1',
    target: { type: 'jti', value: 'abc' },
    revoked_at: 1_700_000_000_000,
    not_after_iat: 1_700_000_000,
    expires_at: 1_700_000_300_000,
    reason: 'leak',
  },
});

describe('signed events', () => {
  let signer: Awaited<ReturnType<typeof generateKeyPair>>;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;
  let trust: EventSignerTrust;
  beforeAll(async () => {
    signer = await generateKeyPair('Ed25519');
    other = await generateKeyPair('Ed25519');
    trust = { publicKeyFor: (kid) => (kid === 'signer-1' ? signer.publicKey : undefined) };
  });

  it('round-trips an event signed by a trusted signer', async () => {
    const original = event();
    const opened = await openSignedEvent(await signEvent(original, { kid: 'signer-1', privateKey: signer.privateKey }), trust);
    expect(opened).toEqual({ ok: true, event: original, signerKid: 'signer-1' });
  });

  it('rejects plain JSON as UNSIGNED', async () => {
    expect(await openSignedEvent(JSON.stringify(event()), trust)).toMatchObject({ ok: false, reason: 'UNSIGNED' });
  });

  it('rejects garbage as MALFORMED_JWS', async () => {
    expect(await openSignedEvent('not a jws at all', trust)).toMatchObject({ ok: false, reason: 'MALFORMED_JWS' });
  });

  it('rejects an event signed with a key posing as the trusted kid', async () => {
    const forged = await signEvent(event(), { kid: 'signer-1', privateKey: other.privateKey });
    expect(await openSignedEvent(forged, trust)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID', signerKid: 'signer-1' });
  });

  it('rejects an event from an unknown signer', async () => {
    const forged = await signEvent(event(), { kid: 'mallory', privateKey: other.privateKey });
    expect(await openSignedEvent(forged, trust)).toMatchObject({ ok: false, reason: 'UNKNOWN_SIGNER' });
  });

  it('rejects a tampered payload', async () => {
    const jws = (await signEvent(event(), { kid: 'signer-1', privateKey: signer.privateKey })).toString();
    const [h, , s] = jws.split('.');
    const tampered = { ...event(), payload: { ...event().payload, target: { type: 'sub', value: 'everyone' } } };
    const forged = `${h}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${s}`;
    expect(await openSignedEvent(forged, trust)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
  });

  it('rejects a wrong typ even with a valid signature', async () => {
    const jws = await new CompactSign(Buffer.from(JSON.stringify(event())))
      .setProtectedHeader({ alg: 'EdDSA', kid: 'signer-1', typ: 'JWT' })
      .sign(signer.privateKey);
    expect(await openSignedEvent(jws, trust)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
  });

  it('rejects a correctly signed but invalid event by its schema reason', async () => {
    const bad = { ...event(), version: 7 };
    const jws = await new CompactSign(Buffer.from(JSON.stringify(bad)))
      .setProtectedHeader({ alg: 'EdDSA', kid: 'signer-1', typ: EVENT_JWS_TYP })
      .sign(signer.privateKey);
    expect(await openSignedEvent(jws, trust)).toMatchObject({ ok: false, reason: 'UNSUPPORTED_VERSION' });
  });
});
