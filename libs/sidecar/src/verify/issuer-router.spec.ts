import { createIssuerRouter, unverifiedIssuer, type IssuerRoute } from './issuer-router';
import type { TokenVerifier } from './token-verifier';

/** A token with this payload (header and signature are not looked at by the router). */
const tokenWith = (payload: unknown): string => `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

/** A verifier that records the tokens it was handed and answers with its name. */
function recording(name: string): TokenVerifier & { readonly seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    verify: async (token) => {
      seen.push(token);
      return { ok: false, code: 'SIGNATURE_INVALID', message: name };
    },
  };
}

const route = (issuer: string, authority: boolean, verifier: TokenVerifier): IssuerRoute => ({ issuer, authority, verifier });

describe('issuer router', () => {
  it('reads iss from the payload without verifying anything, and nothing else', () => {
    expect(unverifiedIssuer(tokenWith({ iss: 'https://a.test', sub: 'x' }))).toBe('https://a.test');
    expect(unverifiedIssuer(tokenWith({ iss: 42 }))).toBeUndefined();
    expect(unverifiedIssuer('a.%%%.c')).toBeUndefined();
    expect(unverifiedIssuer('no-dots')).toBeUndefined();
  });

  it("hands each token to its issuer's verifier", async () => {
    const a = recording('a');
    const b = recording('b');
    const router = createIssuerRouter([route('https://a.test', true, a), route('https://b.test', false, b)], 8192);
    expect(await router.verify(tokenWith({ iss: 'https://b.test' }))).toMatchObject({ message: 'b' });
    expect(await router.verify(tokenWith({ iss: 'https://a.test' }))).toMatchObject({ message: 'a' });
    expect([a.seen.length, b.seen.length]).toEqual([1, 1]);
  });

  it('refuses an iss that is none of the issuers with ISSUER_MISMATCH, handing it to no verifier', async () => {
    const a = recording('a');
    const router = createIssuerRouter([route('https://a.test', true, a), route('https://b.test', false, recording('b'))], 8192);
    // Exact match only: a trailing slash is another issuer (OpenID Connect compares iss as a string).
    expect(await router.verify(tokenWith({ iss: 'https://a.test/' }))).toEqual({ ok: false, code: 'ISSUER_MISMATCH', message: expect.stringContaining('"https://a.test/" is none of the trusted issuers') });
    expect(a.seen).toEqual([]);
  });

  it("leaves unreadable and oversized tokens to the first verifier's prechecks, undecoded", async () => {
    const a = recording('a');
    const router = createIssuerRouter([route('https://a.test', true, a), route('https://b.test', false, recording('b'))], 100);
    const oversized = tokenWith({ iss: 'https://b.test', pad: 'x'.repeat(200) });
    expect(await router.verify(oversized)).toMatchObject({ message: 'a' });
    expect(await router.verify('not.a-token')).toMatchObject({ message: 'a' });
  });

  it('with one issuer, does not decode the payload at all (its verifier reports a foreign iss)', async () => {
    const only = recording('only');
    const router = createIssuerRouter([route('https://a.test', true, only)], 8192);
    expect(await router.verify(tokenWith({ iss: 'https://elsewhere.test' }))).toMatchObject({ message: 'only' });
  });

  it("scopes deny rules: '' for the authority's issuer and for none, the issuer URL otherwise", () => {
    const router = createIssuerRouter([route('https://a.test', true, recording('a')), route('https://b.test', false, recording('b'))], 8192);
    expect(router.scopeOf(undefined)).toBe('');
    expect(router.scopeOf('https://a.test')).toBe('');
    expect(router.scopeOf('https://b.test')).toBe('https://b.test');
    expect(router.scopeOf('https://unknown.test')).toBe('https://unknown.test');
  });

  it('needs at least one issuer', () => {
    expect(() => createIssuerRouter([], 8192)).toThrow(TypeError);
  });
});
