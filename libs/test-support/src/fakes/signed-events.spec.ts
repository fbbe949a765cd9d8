import { keyStateChangedV1Schema, openSignedEvent, revmeshEventSchema, topicNames } from '@revmesh/contracts';
import { createTestEventSigner } from '../tokens/test-event-signer';
import { createTestIssuer } from '../tokens/test-issuer';
import { createInMemoryTransport } from './in-memory-transport';
import { keyStateEvent, publicJwkOf, signerAnnouncedEvent, signerWithdrawnEvent } from './key-events';
import { revocationEvent } from './revocation-events';
import { appendSignedEvent, eventRecordKey } from './signed-events';

describe('signed event helpers', () => {
  it('createTestEventSigner: kid is the RFC 7638 thumbprint, and what it signs opens against its public JWK', async () => {
    const signer = await createTestEventSigner();
    expect(signer.publicJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: signer.kid, alg: 'EdDSA', use: 'sig' });
    expect(signer.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const event = revocationEvent({ target: { type: 'sub', value: 'alice' } });
    const opened = await openSignedEvent(await signer.sign(event), { publicKeyFor: (kid) => (kid === signer.kid ? signer.publicKey : undefined) });
    expect(opened).toEqual({ ok: true, event, signerKid: signer.kid });
    expect(await signer.privateJwk()).toMatchObject({ d: expect.any(String), kid: signer.kid });
    expect((await createTestEventSigner({ kid: 'fixed' })).kid).toBe('fixed');
  });

  it('builds valid key and signer events', async () => {
    const issuer = await createTestIssuer({ alg: 'ES256' });
    const signer = await createTestEventSigner();
    const key = keyStateEvent({ key: issuer, state: 'pending', keySetVersion: 3, now: 1_700_000_000_000 });
    expect(keyStateChangedV1Schema.parse(key)).toEqual(key);
    expect(key.payload).toMatchObject({ kid: issuer.kid, state: 'pending', key_set_version: 3, changed_at: 1_700_000_000_000 });
    expect(keyStateEvent({ key: publicJwkOf(issuer), state: 'active', keySetVersion: 4 }).payload.public_jwk).toEqual(key.payload.public_jwk);
    for (const event of [signerAnnouncedEvent({ signer, keySetVersion: 5 }), signerWithdrawnEvent({ kid: signer.kid, keySetVersion: 6 })]) {
      expect(revmeshEventSchema.parse(event)).toEqual(event);
    }
  });

  it('refuses a test issuer whose algorithm the keys topic does not carry', async () => {
    const rsa = await createTestIssuer({ alg: 'RS256' });
    expect(() => publicJwkOf(rsa)).toThrow('the keys topic carries ES256 and EdDSA keys only; this test issuer uses RS256');
  });

  it('appends a signed record under the key the authority uses', async () => {
    const signer = await createTestEventSigner();
    const issuer = await createTestIssuer();
    const transport = createInMemoryTransport();
    const topics = topicNames('t.');
    const event = keyStateEvent({ key: issuer, state: 'active', keySetVersion: 1 });
    const record = await appendSignedEvent(transport, topics.keys, event, signer, { timestamp: 42 });
    expect(record).toMatchObject({ topic: topics.keys, key: issuer.kid, timestamp: 42 });
    expect(record.value!.toString()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(eventRecordKey(revocationEvent({ target: { type: 'jti', value: 'j' } }))).toBe('jti:j');
    expect(eventRecordKey(signerAnnouncedEvent({ signer, keySetVersion: 1 }))).toBe(`event-signer:${signer.kid}`);
    expect(eventRecordKey(signerWithdrawnEvent({ kid: 'old', keySetVersion: 2 }))).toBe('event-signer-withdrawn:old');
  });
});
