import {
  algorithmConfusionToken,
  createTestIssuer,
  decodeTokenPayload,
  tamperPayload,
  tamperSignature,
  unsignedToken,
  wrongKeyToken,
} from '@revmesh/test-support';
import type { VerifyResult } from './verify-result';
import { AUDIENCE, createSidecarFixture, ISSUER, type SidecarFixture } from '../testing/sidecar-fixture.spec-helper';

const code = (result: VerifyResult) => (result.ok ? 'OK' : result.code);

describe('sidecar.verify', () => {
  let f: SidecarFixture;
  beforeEach(async () => {
    f = await createSidecarFixture();
  });
  afterEach(async () => {
    await f.sidecar.close();
  });

  describe('accepts', () => {
    it('a valid RFC 9068 token and returns its claims', async () => {
      const token = await f.issuer.sign({ sub: 'alice', sid: 'session-9' });
      const result = await f.sidecar.verify(token);
      expect(result).toEqual({ ok: true, claims: expect.objectContaining({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', sid: 'session-9' }) });
    });

    it('an EdDSA token (default allow-list is ES256 and EdDSA)', async () => {
      const ed = await createSidecarFixture({ issuerAlg: 'EdDSA' });
      try {
        expect(code(await ed.sidecar.verify(await ed.issuer.sign()))).toBe('OK');
      } finally {
        await ed.sidecar.close();
      }
    });

    it('typ written as a full media type, in any case', async () => {
      expect(code(await f.sidecar.verify(await f.issuer.sign({}, { header: { typ: 'application/AT+JWT' } })))).toBe('OK');
    });

    it('an audience array that contains this service', async () => {
      expect(code(await f.sidecar.verify(await f.issuer.sign({ aud: ['other', AUDIENCE] })))).toBe('OK');
    });
  });

  describe('signature and algorithm', () => {
    it('SIGNATURE_INVALID for a changed signature', async () => {
      expect(code(await f.sidecar.verify(tamperSignature(await f.issuer.sign())))).toBe('SIGNATURE_INVALID');
    });

    it('SIGNATURE_INVALID for changed claims', async () => {
      expect(code(await f.sidecar.verify(tamperPayload(await f.issuer.sign(), { sub: 'admin' })))).toBe('SIGNATURE_INVALID');
    });

    it('SIGNATURE_INVALID for a token signed by another key under the same kid', async () => {
      expect(code(await f.sidecar.verify(await wrongKeyToken(f.issuer)))).toBe('SIGNATURE_INVALID');
    });

    it('ALG_NOT_ALLOWED for alg "none"', async () => {
      const result = await f.sidecar.verify(unsignedToken(f.issuer));
      expect(code(result)).toBe('ALG_NOT_ALLOWED');
    });

    it('ALG_NOT_ALLOWED for "None" and a forged signature part too', async () => {
      expect(code(await f.sidecar.verify(`${unsignedToken(f.issuer, {}, { alg: 'None' })}c2ln`))).toBe('ALG_NOT_ALLOWED');
    });

    it('ALG_NOT_ALLOWED for HS256 signed with the public key (algorithm confusion)', async () => {
      expect(code(await f.sidecar.verify(await algorithmConfusionToken(f.issuer)))).toBe('ALG_NOT_ALLOWED');
    });

    it('ALG_NOT_ALLOWED for an asymmetric algorithm outside the allow-list', async () => {
      const es384 = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, alg: 'ES384', clock: f.clock.now });
      expect(code(await f.sidecar.verify(await es384.sign()))).toBe('ALG_NOT_ALLOWED');
    });

    it('KEY_UNKNOWN for a kid the issuer does not have', async () => {
      const stranger = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: f.clock.now, kid: 'not-ours' });
      expect(code(await f.sidecar.verify(await stranger.sign()))).toBe('KEY_UNKNOWN');
    });

    it('TYPE_MISMATCH for typ "JWT" or no typ (an ID token is not an access token)', async () => {
      expect(code(await f.sidecar.verify(await f.issuer.sign({}, { header: { typ: 'JWT' } })))).toBe('TYPE_MISMATCH');
      expect(code(await f.sidecar.verify(await f.issuer.sign({}, { header: { typ: undefined } })))).toBe('TYPE_MISMATCH');
    });
  });

  describe('claims', () => {
    it('ISSUER_MISMATCH for another issuer', async () => {
      expect(code(await f.sidecar.verify(await f.issuer.sign({ iss: 'https://evil.test' })))).toBe('ISSUER_MISMATCH');
    });

    it('AUDIENCE_MISMATCH for another audience', async () => {
      expect(code(await f.sidecar.verify(await f.issuer.sign({ aud: 'billing-api' })))).toBe('AUDIENCE_MISMATCH');
    });

    it('TOKEN_EXPIRED once exp is past the 5 s clock tolerance, not before', async () => {
      const token = await f.issuer.sign();
      const exp = Number(decodeTokenPayload(token)['exp']);
      f.clock.advance((exp + 5) * 1000 - 1 - f.clock.now());
      expect(code(await f.sidecar.verify(token))).toBe('OK');
      f.clock.advance(1);
      expect(code(await f.sidecar.verify(token))).toBe('TOKEN_EXPIRED');
    });

    it('TOKEN_EXPIRED when iat is older than maxTokenLifetimeSeconds, whatever exp says', async () => {
      const now = Math.floor(f.clock.now() / 1000);
      const token = await f.issuer.sign({ iat: now - 86_400 - 10, exp: now + 3600 });
      expect(code(await f.sidecar.verify(token))).toBe('TOKEN_EXPIRED');
    });

    it('TOKEN_NOT_YET_VALID for nbf or iat in the future', async () => {
      const now = Math.floor(f.clock.now() / 1000);
      expect(code(await f.sidecar.verify(await f.issuer.sign({ nbf: now + 60 })))).toBe('TOKEN_NOT_YET_VALID');
      expect(code(await f.sidecar.verify(await f.issuer.sign({ iat: now + 60, exp: now + 600 })))).toBe('TOKEN_NOT_YET_VALID');
      expect(code(await f.sidecar.verify(await f.issuer.sign({ iat: now + 4, exp: now + 600 })))).toBe('OK');
    });

    it.each(['jti', 'client_id', 'iat', 'sub', 'exp'])('CLAIM_MISSING without %s', async (claim) => {
      expect(code(await f.sidecar.verify(await f.issuer.sign({ [claim]: undefined })))).toBe('CLAIM_MISSING');
    });

    it('MALFORMED for claims of the wrong type', async () => {
      expect(code(await f.sidecar.verify(await f.issuer.sign({ sub: 42 })))).toBe('MALFORMED');
      expect(code(await f.sidecar.verify(await f.issuer.sign({ sid: ['a'] })))).toBe('MALFORMED');
      expect(code(await f.sidecar.verify(await f.issuer.sign({ exp: 'tomorrow' })))).toBe('MALFORMED');
    });
  });

  describe('malformed input', () => {
    it('MALFORMED for an oversized token, before any crypto', async () => {
      const token = await f.issuer.sign({ padding: 'x'.repeat(9000) });
      const result = await f.sidecar.verify(token);
      expect(result).toMatchObject({ ok: false, code: 'MALFORMED', message: expect.stringContaining('limit is 8192') });
    });

    it.each([
      ['empty', ''],
      ['one part', 'abc'],
      ['two parts', 'abc.def'],
      ['four parts', 'a.b.c.d'],
      ['not base64url', 'ab$.cd.ef'],
      ['header not JSON', 'not.a.jwt'],
      ['header a JSON array', `${Buffer.from('[1]').toString('base64url')}.e30.sig`],
      ['no alg', `${Buffer.from('{"typ":"at+jwt"}').toString('base64url')}.e30.sig`],
      ['spaces', 'a b.c.d'],
      ['unicode', 'é.é.é'],
    ])('MALFORMED for garbage (%s)', async (_name, garbage) => {
      expect(code(await f.sidecar.verify(garbage))).toBe('MALFORMED');
    });

    it('MALFORMED, not a throw, for a non-string from JavaScript callers', async () => {
      expect(code(await f.sidecar.verify(undefined as unknown as string))).toBe('MALFORMED');
      expect(code(await f.sidecar.verify({} as unknown as string))).toBe('MALFORMED');
    });

    it('MALFORMED for a payload that is not JSON under a valid header', async () => {
      const [header] = (await f.issuer.sign()).split('.');
      expect(code(await f.sidecar.verify(`${header}.bm90IGpzb24.c2ln`))).toBe('SIGNATURE_INVALID');
    });
  });

  describe('deny rules', () => {
    it('TOKEN_REVOKED by jti, with the revocation id; other tokens still pass', async () => {
      const token = await f.issuer.sign();
      const other = await f.issuer.sign();
      expect(code(await f.sidecar.verify(token))).toBe('OK');
      const event = await f.revoke({ type: 'jti', value: String(decodeTokenPayload(token)['jti']) }, { revocationId: 'rev-1' });
      expect(await f.sidecar.verify(token)).toEqual({
        ok: false,
        code: 'TOKEN_REVOKED',
        message: expect.stringContaining('rev-1'),
        revocationId: event.payload.revocation_id,
        target: 'jti',
      });
      expect(code(await f.sidecar.verify(other))).toBe('OK');
    });

    it.each([
      ['sub', 'alice', { sub: 'alice' }],
      ['client_id', 'billing-client', { client_id: 'billing-client' }],
      ['sid', 'session-7', { sid: 'session-7' }],
    ] as const)('TOKEN_REVOKED by %s for tokens issued at or before the revocation', async (type, value, claims) => {
      const before = await f.issuer.sign(claims);
      f.clock.advance(1500);
      await f.revoke({ type, value });
      const result = await f.sidecar.verify(before);
      expect(result).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', target: type });
    });

    it('accepts a token issued after a sub revocation', async () => {
      await f.revoke({ type: 'sub', value: 'alice' });
      f.clock.advance(1000);
      const after = await f.issuer.sign({ sub: 'alice' });
      expect(code(await f.sidecar.verify(after))).toBe('OK');
    });

    it('reads the deny rules on every call (a token accepted a moment ago is refused once revoked)', async () => {
      const token = await f.issuer.sign({ sub: 'alice' });
      for (let i = 0; i < 3; i++) expect(code(await f.sidecar.verify(token))).toBe('OK');
      await f.revoke({ type: 'sub', value: 'alice' });
      expect(code(await f.sidecar.verify(token))).toBe('TOKEN_REVOKED');
    });

    it('accepts the token again once the rule has expired (and so has every token it matched)', async () => {
      const token = await f.issuer.sign({ exp: Math.floor(f.clock.now() / 1000) + 7200 });
      await f.revoke({ type: 'jti', value: String(decodeTokenPayload(token)['jti']) }, { expiresAt: f.clock.now() + 60_000 });
      expect(code(await f.sidecar.verify(token))).toBe('TOKEN_REVOKED');
      f.clock.advance(60_000);
      expect(code(await f.sidecar.verify(token))).toBe('OK');
    });
  });

  describe('state', () => {
    it('NOT_READY before start, and after close', async () => {
      const cold = await createSidecarFixture({ start: false });
      const token = await cold.issuer.sign();
      expect(await cold.sidecar.verify(token)).toMatchObject({ ok: false, code: 'NOT_READY' });
      await cold.sidecar.start();
      await cold.sidecar.ready;
      expect(code(await cold.sidecar.verify(token))).toBe('OK');
      await cold.sidecar.close();
      expect(code(await cold.sidecar.verify(token))).toBe('NOT_READY');
    });

    it('DENY_LIST_OVERFLOW (fail closed) after a live rule was evicted, until it would have expired', async () => {
      const small = await createSidecarFixture({ sidecar: { denyList: { maxEntries: 2 } } });
      try {
        const token = await small.issuer.sign({ sub: 'carol' });
        await small.revoke({ type: 'sub', value: 'a' }, { expiresAt: small.clock.now() + 10_000 });
        await small.revoke({ type: 'sub', value: 'b' }, { expiresAt: small.clock.now() + 20_000 });
        expect(code(await small.sidecar.verify(token))).toBe('OK');
        await small.revoke({ type: 'sub', value: 'c' }, { expiresAt: small.clock.now() + 20_000 });
        expect(code(await small.sidecar.verify(token))).toBe('DENY_LIST_OVERFLOW');
        expect(small.sidecar.stats()).toMatchObject({ denyListOverflow: true, denyListEvictions: 1 });
        expect(small.logger.at('error')).toHaveLength(1);
        expect(small.meterProvider.sum('revmesh.sidecar.deny_list.evictions')).toBe(1);
        small.clock.advance(10_000);
        expect(code(await small.sidecar.verify(token))).toBe('OK');
        expect(small.sidecar.stats().denyListOverflow).toBe(false);
      } finally {
        await small.sidecar.close();
      }
    });
  });

  describe('remote keys', () => {
    const jwksResponse = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

    it('fetches the JWKS once and verifies with it', async () => {
      const calls: string[] = [];
      const remote = await createSidecarFixture({
        start: false,
        sidecar: {
          keys: {
            jwksUrl: 'https://auth.test/.well-known/jwks.json',
            fetch: (async (url: string) => {
              calls.push(String(url));
              return jwksResponse(remoteIssuer.jwks);
            }) as unknown as typeof fetch,
          },
        },
      });
      const remoteIssuer = remote.issuer;
      await remote.sidecar.start();
      await remote.sidecar.ready;
      try {
        expect(code(await remote.sidecar.verify(await remote.issuer.sign()))).toBe('OK');
        expect(code(await remote.sidecar.verify(await remote.issuer.sign()))).toBe('OK');
        expect(calls).toEqual(['https://auth.test/.well-known/jwks.json']);
      } finally {
        await remote.sidecar.close();
      }
    });

    it('KEYS_UNAVAILABLE when the JWKS cannot be fetched', async () => {
      const down = await createSidecarFixture({
        sidecar: {
          keys: {
            jwksUrl: 'https://auth.test/.well-known/jwks.json',
            fetch: (async () => {
              throw new TypeError('fetch failed: ECONNREFUSED');
            }) as unknown as typeof fetch,
          },
        },
      });
      try {
        expect(code(await down.sidecar.verify(await down.issuer.sign()))).toBe('KEYS_UNAVAILABLE');
      } finally {
        await down.sidecar.close();
      }
    });

    it('KEYS_UNAVAILABLE when the JWKS endpoint answers an error', async () => {
      const broken = await createSidecarFixture({
        sidecar: {
          keys: {
            jwksUrl: 'https://auth.test/.well-known/jwks.json',
            fetch: (async () => jwksResponse({ error: 'nope' }, 500)) as unknown as typeof fetch,
          },
        },
      });
      try {
        expect(code(await broken.sidecar.verify(await broken.issuer.sign()))).toBe('KEYS_UNAVAILABLE');
      } finally {
        await broken.sidecar.close();
      }
    });
  });
});
