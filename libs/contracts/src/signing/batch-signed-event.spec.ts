import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import type { RevocationIssuedEvent } from '../events/revocation-issued';
import { EVENT_BATCH_SEPARATOR, signEventBatch } from './batch-signed-event';
import { openSignedEvent, openSignedEventSync, signEvent, type EventSignerTrust } from './signed-event';

const event = (i: number): RevocationIssuedEvent => ({
  id: randomUUID(),
  type: 'revocation.issued',
  version: 1,
  issued_at: 1_700_000_000_000 + i,
  actor: { kind: 'admin-key', id: 'admin' },
  payload: {
    revocation_id: `r${i}`,
    target: { type: 'jti', value: `token-${i}` },
    revoked_at: 1_700_000_000_000,
    not_after_iat: 1_700_000_000,
    expires_at: 1_700_000_300_000,
    reason: 'leak',
  },
});

const parts = (value: Buffer): string[] => value.toString('ascii').split(EVENT_BATCH_SEPARATOR);

describe('batch-signed events', () => {
  let signer: Awaited<ReturnType<typeof generateKeyPair>>;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;
  let trust: EventSignerTrust;
  beforeAll(async () => {
    signer = await generateKeyPair('Ed25519');
    other = await generateKeyPair('Ed25519');
    trust = { publicKeyFor: (kid) => (kid === 'signer-1' ? signer.publicKey : undefined) };
  });
  const key = () => ({ kid: 'signer-1', privateKey: signer.privateKey });

  it('every member of batches of every size opens to its own event, through the usual openSignedEvent', async () => {
    for (const size of [2, 3, 4, 5, 7, 8, 9, 16, 33]) {
      const events = Array.from({ length: size }, (_, i) => event(i));
      const values = await signEventBatch(events, key());
      expect(values).toHaveLength(size);
      // One signature for the batch: every record carries the same JWS.
      expect(new Set(values.map((v) => parts(v)[0])).size).toBe(1);
      for (const [i, value] of values.entries()) {
        expect(openSignedEventSync(value, trust)).toEqual({ ok: true, event: events[i], signerKid: 'signer-1' });
        expect(await openSignedEvent(value, trust)).toEqual({ ok: true, event: events[i], signerKid: 'signer-1' });
      }
    }
  });

  it('a batch of one is a plain signed event', async () => {
    const [value] = await signEventBatch([event(0)], key());
    expect(value!.toString('ascii')).not.toContain(EVENT_BATCH_SEPARATOR);
    expect(openSignedEventSync(value!, trust).ok).toBe(true);
  });

  it('refuses a forged member: its event altered, swapped for another batch\'s, moved to another index, or with a wrong proof', async () => {
    const events = Array.from({ length: 6 }, (_, i) => event(i));
    const values = await signEventBatch(events, key());
    const otherBatch = await signEventBatch(Array.from({ length: 6 }, (_, i) => event(i + 10)), key());
    const [jws, body, index, proof] = parts(values[2]!);
    const forged = {
      altered: [jws, Buffer.from(JSON.stringify({ ...events[2], payload: { ...events[2]!.payload, target: { type: 'jti', value: 'someone-else' } } })).toString('base64url'), index, proof],
      swapped: [jws, parts(otherBatch[2]!)[1], index, proof],
      moved: [jws, body, '3', proof],
      wrongProof: [jws, body, index, parts(values[3]!)[3]],
      noProof: [jws, body, index, ''],
      // A valid member of another batch under this batch's signature.
      foreign: [jws, ...parts(otherBatch[2]!).slice(1)],
    };
    for (const [name, record] of Object.entries(forged)) {
      expect({ name, opened: openSignedEventSync(Buffer.from(record.join(EVENT_BATCH_SEPARATOR)), trust) }).toMatchObject({ name, opened: { ok: false, reason: 'SIGNATURE_INVALID' } });
    }
    // The genuine members still open (a forged one did not poison the remembered signature).
    expect(openSignedEventSync(values[2]!, trust).ok).toBe(true);
  });

  it('refuses a batch signed by an untrusted key or with a bad signature, and malformed records', async () => {
    const stranger = await signEventBatch([event(0), event(1)], { kid: 'stranger', privateKey: other.privateKey });
    expect(openSignedEventSync(stranger[0]!, trust)).toMatchObject({ ok: false, reason: 'UNKNOWN_SIGNER' });
    const impostor = await signEventBatch([event(0), event(1)], { kid: 'signer-1', privateKey: other.privateKey });
    expect(openSignedEventSync(impostor[0]!, trust)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
    const [jws] = parts((await signEventBatch([event(0), event(1)], key()))[0]!);
    for (const bad of [`${jws}~x`, `${jws}~~~~`, `${jws}~e30~-1~`, `a.b~e30~0~`]) {
      expect(openSignedEventSync(Buffer.from(bad), trust)).toMatchObject({ ok: false, reason: 'MALFORMED_JWS' });
    }
    // A plain event's JWS is not a batch signature (typ), and a batch JWS is not an event.
    const plain = (await signEvent(event(0), key())).toString('ascii');
    expect(openSignedEventSync(Buffer.from(`${plain}~e30~0~`), trust)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
    expect(openSignedEventSync(Buffer.from(jws!), trust)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
  });

  it('checks the batch signature again for a signer no longer trusted', async () => {
    const values = await signEventBatch([event(0), event(1)], key());
    expect(openSignedEventSync(values[0]!, trust).ok).toBe(true);
    expect(openSignedEventSync(values[1]!, { publicKeyFor: () => undefined })).toMatchObject({ ok: false, reason: 'UNKNOWN_SIGNER' });
    expect(openSignedEventSync(values[1]!, { publicKeyFor: () => other.publicKey })).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
  });
});
