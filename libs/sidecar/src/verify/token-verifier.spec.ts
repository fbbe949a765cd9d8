import { createTestIssuer } from '@revmesh/test-support';
import { createTokenVerifier, type TokenVerifierOptions } from './token-verifier';

describe('token verifier: revoked keys', () => {
  const base = async () => {
    const issuer = await createTestIssuer({ issuer: 'https://auth.test', audience: 'api' });
    const options: Omit<TokenVerifierOptions, 'getKey' | 'isKeyRevoked'> = {
      issuer: 'https://auth.test',
      audience: 'api',
      algorithms: ['ES256'],
      typ: ['at+jwt'],
      clockToleranceSeconds: 5,
      maxTokenLifetimeSeconds: 3600,
      maxTokenBytes: 8192,
      clock: Date.now,
    };
    return { issuer, options };
  };

  it('does not look the key up, or check the signature, for a revoked kid', async () => {
    const { issuer, options } = await base();
    const getKey = jest.fn(() => issuer.publicKey);
    const verifier = createTokenVerifier({ ...options, getKey, isKeyRevoked: (kid) => kid === issuer.kid });
    expect(await verifier.verify(await issuer.sign())).toEqual({ ok: false, code: 'KEY_REVOKED', kid: issuer.kid, message: expect.any(String) });
    expect(getKey).not.toHaveBeenCalled();
  });

  it('a key revoked while the signature is being checked wins over a good signature', async () => {
    const { issuer, options } = await base();
    let revoked = false;
    const verifier = createTokenVerifier({
      ...options,
      // The revocation lands after the lookup, while jose verifies the signature.
      getKey: () => {
        revoked = true;
        return issuer.publicKey;
      },
      isKeyRevoked: () => revoked,
    });
    expect(await verifier.verify(await issuer.sign())).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
  });

  it('a key revoked (and its material dropped) during the lookup is KEY_REVOKED, not KEY_UNKNOWN', async () => {
    const { issuer, options } = await base();
    let revoked = false;
    const verifier = createTokenVerifier({
      ...options,
      getKey: () => {
        revoked = true;
        throw Object.assign(new Error('no key'), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
      },
      isKeyRevoked: () => revoked,
    });
    expect(await verifier.verify(await issuer.sign())).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
  });
});
