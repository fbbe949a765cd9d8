import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload, type KeyObject } from 'jose';
import { SET_EVENT_TYPES } from '../set-types';
import { SetRefusedError, type SetRefusalCode } from './set-refusal';
import { MAX_SET_BYTES, verifySet, type SetExpectations } from './set-verifier';

const ISS = 'https://sso.example.test/realms/acme';
const AUD = 'revmesh-receiver/stream-1';
const NOW = 1_900_000_000;

describe('verifySet', () => {
  let key: KeyObject;
  let other: KeyObject;
  let expected: SetExpectations;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey as KeyObject;
    other = (await generateKeyPair('RS256')).privateKey as KeyObject;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
    expected = { issuer: ISS, audience: [AUD], keys: createLocalJWKSet({ keys: [jwk] }), now: NOW, maxAgeSeconds: 3600, futureSkewSeconds: 60 };
  });

  const claims = (overrides: JWTPayload = {}): JWTPayload => ({
    iss: ISS,
    aud: AUD,
    iat: NOW - 5,
    jti: 'jti-1',
    events: { [SET_EVENT_TYPES['caep.credential-change']]: { event_timestamp: NOW - 6 } },
    sub_id: { format: 'iss_sub', iss: ISS, sub: 'user-1' },
    ...overrides,
  });
  const sign = (payload: JWTPayload = claims(), header: Record<string, unknown> = {}, signer: KeyObject = key) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt', kid: 'k1', ...header }).sign(signer);

  async function refusal(set: string, options: Partial<SetExpectations> = {}): Promise<SetRefusalCode> {
    try {
      await verifySet(set, { ...expected, ...options });
    } catch (error) {
      expect(error).toBeInstanceOf(SetRefusedError);
      // The description names the check, never the SET's content.
      expect((error as SetRefusedError).description).not.toContain('user-1');
      return (error as SetRefusedError).code;
    }
    throw new Error('the SET was accepted');
  }

  it("accepts a SET of the stream's transmitter and returns its claims", async () => {
    const payload = await verifySet(await sign(), expected);
    expect(payload).toMatchObject({ iss: ISS, jti: 'jti-1', sub_id: { format: 'iss_sub', sub: 'user-1' } });
    expect(await verifySet(await sign(claims({ aud: ['someone-else', AUD] })), expected)).toMatchObject({ jti: 'jti-1' });
  });

  it('refuses what is not a compact SET as invalid_request', async () => {
    expect(await refusal('')).toBe('invalid_request');
    expect(await refusal('a.b')).toBe('invalid_request');
    expect(await refusal('!!.??.**')).toBe('invalid_request');
    expect(await refusal('x'.repeat(MAX_SET_BYTES + 1))).toBe('invalid_request');
  });

  it('refuses a wrong or missing typ as invalid_request', async () => {
    expect(await refusal(await sign(claims(), { typ: 'JWT' }))).toBe('invalid_request');
    expect(await refusal(await sign(claims(), { typ: undefined }))).toBe('invalid_request');
    expect(await verifySet(await sign(claims(), { typ: 'application/secevent+jwt' }), expected)).toMatchObject({ jti: 'jti-1' });
  });

  it('refuses an unsigned SET (alg none) and one signed by another key as invalid_key', async () => {
    const unsigned = new UnsecuredJWT(claims()).encode();
    const [, body] = unsigned.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'secevent+jwt' })).toString('base64url')}.${body}.`;
    expect(await refusal(none)).toBe('invalid_key');
    expect(await refusal(await sign(claims(), {}, other))).toBe('invalid_key');
    expect(await refusal(await sign(claims(), { kid: 'unknown' }, other))).toBe('invalid_key');
    const tampered = (await sign()).split('.');
    tampered[1] = Buffer.from(JSON.stringify(claims({ sub_id: { format: 'iss_sub', iss: ISS, sub: 'victim' } }))).toString('base64url');
    expect(await refusal(tampered.join('.'))).toBe('invalid_key');
  });

  it('refuses another issuer as invalid_issuer, whoever signed it', async () => {
    expect(await refusal(await sign(claims({ iss: 'https://evil.example.test' })))).toBe('invalid_issuer');
    expect(await refusal(await sign(claims({ iss: 'https://evil.example.test' }), {}, other))).toBe('invalid_issuer');
    expect(await refusal(await sign(claims({ iss: undefined })))).toBe('invalid_issuer');
  });

  it('refuses a SET for another stream as invalid_audience', async () => {
    expect(await refusal(await sign(claims({ aud: 'revmesh-receiver/another-stream' })))).toBe('invalid_audience');
    expect(await refusal(await sign(claims({ aud: undefined })))).toBe('invalid_audience');
    expect(await refusal(await sign(claims({ aud: 'revmesh-receiver/another-stream' }), {}, other))).toBe('invalid_audience');
  });

  it('refuses an iat outside the window, and missing jti or events, as invalid_request', async () => {
    expect(await refusal(await sign(claims({ iat: NOW - 3601 })))).toBe('invalid_request');
    expect(await refusal(await sign(claims({ iat: NOW + 61 })))).toBe('invalid_request');
    expect(await refusal(await sign(claims({ iat: undefined })))).toBe('invalid_request');
    expect(await refusal(await sign(claims({ jti: undefined })))).toBe('invalid_request');
    expect(await refusal(await sign(claims({ events: {} })))).toBe('invalid_request');
    expect(await refusal(await sign(claims({ events: { x: 'not an object' } })))).toBe('invalid_request');
    expect(await refusal(await sign(claims({ sub_id: 'user-1' })))).toBe('invalid_request');
  });
});
