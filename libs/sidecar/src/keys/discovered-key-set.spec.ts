import { createRecordingLogger, createTestIssuer, type RecordingLogger, type TestIssuer } from '@revmesh/test-support';
import type { JSONWebKeySet } from 'jose';
import { createIssuerVerifiers } from '../verify/issuer-verifiers';
import { createKeySet } from './key-set';
import type { ResolvedIssuer } from '../options/issuers-option';
import type { VerifyResult } from '../verify/verify-result';

const ISSUER = 'https://sso.example.test/realms/acme';
const JWKS_URI = `${ISSUER}/protocol/openid-connect/certs`;
const code = (result: VerifyResult): string => (result.ok ? 'OK' : result.code);

/** A fake OpenID provider behind `fetch`: a discovery document and a JWKS whose keys the test changes. */
function fakeProvider(document: Record<string, unknown> = { issuer: ISSUER, jwks_uri: JWKS_URI }) {
  const state = { jwks: { keys: [] } as JSONWebKeySet, discoveryStatus: 200, requests: [] as string[] };
  const fetchFn = (async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    state.requests.push(url);
    if (url === `${ISSUER}/.well-known/openid-configuration`) {
      return new Response(JSON.stringify(document), { status: state.discoveryStatus, headers: { 'content-type': 'application/json' } });
    }
    if (url === JWKS_URI) return new Response(JSON.stringify(state.jwks), { headers: { 'content-type': 'application/json' } });
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { state, fetch: fetchFn };
}

function verifierFor(fetchFn: typeof fetch, cooldownMs: number, clock: () => number = Date.now, logger?: RecordingLogger) {
  const issuer: ResolvedIssuer = {
    issuer: ISSUER,
    authority: false,
    keys: { kind: 'discovery', issuer: ISSUER, cooldownMs, cacheMaxAgeMs: 600_000, timeoutMs: 2_000, headers: {}, fetch: fetchFn, allowInsecureHttp: false },
    audience: 'orders-api',
    algorithms: ['RS256'],
    typ: ['JWT'],
    allowMissingTyp: false,
    clientIdClaims: ['client_id', 'azp'],
    requiredClaims: [],
  };
  return createIssuerVerifiers({ issuers: [issuer], keySet: createKeySet(), clockToleranceSeconds: 5, maxTokenLifetimeSeconds: 3600, maxTokenBytes: 8192, clock, ...(logger ? { logger } : {}) });
}

const sign = (issuer: TestIssuer): Promise<string> => issuer.sign({ azp: 'web', client_id: undefined }, { header: { typ: 'JWT' } });

describe('keys by OIDC discovery', () => {
  let first: TestIssuer;
  let second: TestIssuer;
  beforeAll(async () => {
    first = await createTestIssuer({ issuer: ISSUER, audience: 'orders-api', alg: 'RS256', kid: 'k1' });
    second = await createTestIssuer({ issuer: ISSUER, audience: 'orders-api', alg: 'RS256', kid: 'k2' });
  });

  it('discovers jwks_uri once, and refetches the key set when a token names an unknown kid (rotation at the provider)', async () => {
    const provider = fakeProvider();
    provider.state.jwks = first.jwks;
    const verifier = verifierFor(provider.fetch, 0);
    expect(code(await verifier.verify(await sign(first)))).toBe('OK');
    expect(provider.state.requests).toEqual([`${ISSUER}/.well-known/openid-configuration`, JWKS_URI]);
    provider.state.jwks = { keys: [...first.jwks.keys, ...second.jwks.keys] };
    expect(code(await verifier.verify(await sign(second)))).toBe('OK');
    expect(provider.state.requests).toEqual([`${ISSUER}/.well-known/openid-configuration`, JWKS_URI, JWKS_URI]);
  });

  it('does not refetch within the cooldown: an unknown kid is KEY_UNKNOWN without a request', async () => {
    const provider = fakeProvider();
    provider.state.jwks = first.jwks;
    const verifier = verifierFor(provider.fetch, 60_000);
    expect(code(await verifier.verify(await sign(first)))).toBe('OK');
    provider.state.jwks = second.jwks;
    expect(code(await verifier.verify(await sign(second)))).toBe('KEY_UNKNOWN');
    expect(provider.state.requests.filter((url) => url === JWKS_URI)).toHaveLength(1);
  });

  it('is KEYS_UNAVAILABLE when discovery fails, and retries only after the cooldown', async () => {
    const provider = fakeProvider();
    provider.state.jwks = first.jwks;
    provider.state.discoveryStatus = 503;
    let now = Date.now();
    const logger = createRecordingLogger();
    const verifier = verifierFor(provider.fetch, 30_000, () => now, logger);
    const failed = await verifier.verify(await sign(first));
    expect(failed).toMatchObject({ ok: false, code: 'KEYS_UNAVAILABLE', message: expect.stringContaining('HTTP 503') });
    provider.state.discoveryStatus = 200;
    expect(code(await verifier.verify(await sign(first)))).toBe('KEYS_UNAVAILABLE');
    expect(provider.state.requests).toHaveLength(1);
    // Said once per attempt, not once per token.
    expect(logger.at('warn')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('OIDC discovery failed'), fields: expect.objectContaining({ issuer: ISSUER, retry_after_ms: 30_000 }) }),
    ]);
    now += 30_000;
    expect(code(await verifier.verify(await sign(first)))).toBe('OK');
  });

  it('refuses a discovery document naming another issuer (a mix-up), and a plain-http jwks_uri', async () => {
    const mixUp = fakeProvider({ issuer: 'https://evil.test', jwks_uri: JWKS_URI });
    expect(await verifierFor(mixUp.fetch, 0).verify(await sign(first))).toMatchObject({ code: 'KEYS_UNAVAILABLE', message: expect.stringContaining('names issuer "https://evil.test"') });
    const insecure = fakeProvider({ issuer: ISSUER, jwks_uri: 'http://sso.example.test/certs' });
    expect(await verifierFor(insecure.fetch, 0).verify(await sign(first))).toMatchObject({ code: 'KEYS_UNAVAILABLE', message: expect.stringContaining('must use https:') });
  });
});
