import { KeyObject, randomUUID, sign } from 'node:crypto';
import { CompactSign, compactVerify, generateKeyPair } from 'jose';
import { openSignedEvent, openSignedEventSync, signEvent, EVENT_JWS_TYP, type EventSignerTrust } from './signed-event';
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

  describe('the synchronous check (node:crypto) agrees with jose compactVerify', () => {
    /** Every single-character change of the JWS, plus truncations, extensions and part swaps. */
    const mutations = (jws: string): string[] => {
      const out: string[] = [];
      const alphabet = 'AQgw_-9z';
      for (let i = 0; i < jws.length; i += 3) {
        if (jws[i] === '.') continue;
        const replacement = alphabet[i % alphabet.length] === jws[i] ? 'B' : alphabet[i % alphabet.length];
        out.push(`${jws.slice(0, i)}${replacement}${jws.slice(i + 1)}`);
      }
      const [h, p, sig] = jws.split('.') as [string, string, string];
      out.push(`${h}.${p}.${sig.slice(0, -2)}`, `${h}.${p}.${sig}AA`, `${h}.${p}.`, `${h}.${p}.A`, `${h}.${sig}.${p}`, `${h}..${sig}`, `${h}.${p}.${sig}.x`);
      return out;
    };

    it('accepts and rejects every mutation of a signed event exactly as jose does, for CryptoKey and KeyObject trust', async () => {
      const jws = (await signEvent(event(), { kid: 'signer-1', privateKey: signer.privateKey })).toString();
      const keyObjectTrust: EventSignerTrust = { publicKeyFor: (kid) => (kid === 'signer-1' ? KeyObject.from(signer.publicKey) : undefined) };
      let accepted = 0;
      for (const candidate of [jws, ...mutations(jws)]) {
        const byJose = await compactVerify(candidate, signer.publicKey, { algorithms: ['EdDSA'] }).then(
          () => true,
          () => false,
        );
        const sync = openSignedEventSync(candidate, trust);
        const viaKeyObject = openSignedEventSync(candidate, keyObjectTrust);
        if (byJose) accepted++;
        expect({ candidate, ok: sync.ok }).toEqual({ candidate, ok: byJose });
        if (!sync.ok) expect(['SIGNATURE_INVALID', 'MALFORMED_JWS', 'UNKNOWN_SIGNER']).toContain(sync.reason);
        expect(viaKeyObject).toEqual(sync);
      }
      expect(accepted).toBeGreaterThanOrEqual(1);
    });

    it('refuses a valid signature whose protected header marks a parameter critical', async () => {
      // jose refuses to make one; sign the bytes by hand.
      const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'signer-1', typ: EVENT_JWS_TYP, crit: ['exp'], exp: 1 })).toString('base64url');
      const input = `${header}.${Buffer.from(JSON.stringify(event())).toString('base64url')}`;
      const jws = `${input}.${sign(null, Buffer.from(input), KeyObject.from(signer.privateKey)).toString('base64url')}`;
      expect(openSignedEventSync(jws, trust)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID', signerKid: 'signer-1' });
    });

    it('refuses a signature of the right length made by another key, and a key of another type named by the kid', async () => {
      const forged = (await signEvent(event(), { kid: 'signer-1', privateKey: other.privateKey })).toString();
      expect(openSignedEventSync(forged, trust)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID', message: 'event from signer-1: signature does not verify' });
      const ec = await generateKeyPair('ES256');
      const wrongType: EventSignerTrust = { publicKeyFor: () => ec.publicKey };
      const genuine = await signEvent(event(), { kid: 'signer-1', privateKey: signer.privateKey });
      expect(openSignedEventSync(genuine, wrongType)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
    });

    it('reads a record value handed over as a slice of a larger buffer', async () => {
      const original = event();
      const jws = await signEvent(original, { kid: 'signer-1', privateKey: signer.privateKey });
      const pool = Buffer.concat([Buffer.from('garbage before'), jws, Buffer.from('garbage after')]);
      const slice = pool.subarray(14, 14 + jws.length);
      expect(openSignedEventSync(slice, trust)).toEqual({ ok: true, event: original, signerKid: 'signer-1' });
      expect(openSignedEventSync(new Uint8Array(slice), trust)).toEqual({ ok: true, event: original, signerKid: 'signer-1' });
    });
  });
});
