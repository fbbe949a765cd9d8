import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import type { RevocationIssuedEvent } from '../events/revocation-issued';
import { signEventBatch } from './batch-signed-event';
import { precheckEventSignatures, takePrecheckedSignature } from './signature-precheck';
import { openSignedEventSync, signEvent, type EventSignerTrust } from './signed-event';

const event = (i: number): RevocationIssuedEvent => ({
  id: randomUUID(),
  type: 'revocation.issued',
  version: 1,
  issued_at: 1_700_000_000_000 + i,
  actor: { kind: 'admin-key', id: 'admin' },
  payload: { revocation_id: `r${i}`, target: { type: 'jti', value: `t${i}` }, revoked_at: 1_700_000_000_000, not_after_iat: 1_700_000_000, expires_at: 1_700_000_300_000, reason: 'leak' },
});

describe('signature prechecks on the libuv pool', () => {
  let signer: Awaited<ReturnType<typeof generateKeyPair>>;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    signer = await generateKeyPair('Ed25519');
    other = await generateKeyPair('Ed25519');
  });
  const trustIn = (key: Awaited<ReturnType<typeof generateKeyPair>>['publicKey']): EventSignerTrust => ({ publicKeyFor: (kid) => (kid === 'signer-1' ? key : undefined) });

  it('never changes what openSignedEventSync answers: genuine, forged, untrusted, garbage, batch members, null', async () => {
    const trust = trustIn(signer.publicKey);
    const genuine = await Promise.all([0, 1, 2].map((i) => signEvent(event(i), { kid: 'signer-1', privateKey: signer.privateKey })));
    const forged = await signEvent(event(3), { kid: 'signer-1', privateKey: other.privateKey });
    const untrusted = await signEvent(event(4), { kid: 'stranger', privateKey: other.privateKey });
    const batch = await signEventBatch([event(5), event(6)], { kid: 'signer-1', privateKey: signer.privateKey });
    const values = [...genuine, forged, untrusted, Buffer.from('not.a.jws'), ...batch, null];
    const without = values.map((value) => openSignedEventSync(value, trust));
    await Promise.all(precheckEventSignatures(values, trust));
    expect(values.map((value) => openSignedEventSync(value, trust))).toEqual(without);
    expect(without.map((o) => o.ok)).toEqual([true, true, true, false, false, false, true, true, false]);
  });

  it('hands a valid answer over once, and only for the very key it was checked with', async () => {
    const [value] = await Promise.all([signEvent(event(7), { kid: 'signer-1', privateKey: signer.privateKey })]);
    const text = value!.toString('latin1');
    await Promise.all(precheckEventSignatures([value!], trustIn(signer.publicKey)));
    const { KeyObject } = await import('node:crypto');
    expect(takePrecheckedSignature(text, KeyObject.from(other.publicKey))).toBe(false);
    await Promise.all(precheckEventSignatures([value!], trustIn(signer.publicKey)));
    // A key swapped for the kid since the precheck: openSignedEventSync checks again, and refuses.
    expect(openSignedEventSync(value!, trustIn(other.publicKey))).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
    await Promise.all(precheckEventSignatures([value!], trustIn(signer.publicKey)));
    expect(openSignedEventSync(value!, trustIn(signer.publicKey)).ok).toBe(true);
  });
});
