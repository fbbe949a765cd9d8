import { createInMemoryTransport } from '@revmesh/test-support';
import { resolveSidecarOptions } from './resolve-options';
import type { SidecarOptions } from './sidecar-options';

/** The RFC 8037 example Ed25519 public key, as an event signer. */
const SIGNER = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'signer-1' } as const;
const KC = 'https://sso.example.com/realms/acme';

const base = (): SidecarOptions => ({
  issuer: 'https://auth.test',
  audience: 'orders-api',
  eventSigners: [SIGNER],
  transport: createInMemoryTransport(),
});

function problems(options: unknown): string {
  try {
    resolveSidecarOptions(options as SidecarOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
}

describe('sidecar options: issuers', () => {
  it('resolves the top-level issuer as the authority, with the defaults of today', () => {
    const { issuers } = resolveSidecarOptions(base());
    expect(issuers).toEqual([
      {
        issuer: 'https://auth.test',
        authority: true,
        keys: { kind: 'kafka' },
        audience: 'orders-api',
        algorithms: ['ES256', 'EdDSA'],
        typ: ['at+jwt'],
        allowMissingTyp: false,
        clientIdClaims: ['client_id'],
        requiredClaims: [],
      },
    ]);
  });

  it('applies the OIDC defaults to another issuer, and the documented remote-key defaults to discovery', () => {
    const { issuers } = resolveSidecarOptions({ ...base(), issuers: [{ issuer: KC, keys: { discovery: true } }] });
    expect(issuers[1]).toEqual({
      issuer: KC,
      authority: false,
      keys: { kind: 'discovery', issuer: KC, cooldownMs: 30_000, cacheMaxAgeMs: 600_000, timeoutMs: 5_000, headers: {}, fetch: undefined, allowInsecureHttp: false },
      audience: 'orders-api',
      algorithms: ['RS256', 'ES256'],
      typ: ['at+jwt', 'JWT'],
      allowMissingTyp: false,
      clientIdClaims: ['client_id', 'azp'],
      requiredClaims: [],
    });
  });

  it('takes every per-issuer field as given', () => {
    const { issuers } = resolveSidecarOptions({
      ...base(),
      issuers: [
        {
          issuer: KC,
          keys: { jwksUrl: `${KC}/protocol/openid-connect/certs`, cooldownMs: 1000, cacheMaxAgeMs: 60_000 },
          audience: ['account', 'orders-api'],
          algorithms: ['PS256'],
          typ: ['JWT'],
          allowMissingTyp: true,
          clientIdClaims: ['cid'],
          requiredClaims: ['scope'],
        },
      ],
    });
    expect(issuers[1]).toMatchObject({
      keys: { kind: 'remote', url: new URL(`${KC}/protocol/openid-connect/certs`), cooldownMs: 1000, cacheMaxAgeMs: 60_000 },
      audience: ['account', 'orders-api'],
      algorithms: ['PS256'],
      typ: ['JWT'],
      allowMissingTyp: true,
      clientIdClaims: ['cid'],
      requiredClaims: ['scope'],
    });
  });

  it('accepts issuers without a top-level issuer; an entry on the keys topic is then the authority', () => {
    const { issuer, issuers } = resolveSidecarOptions({
      ...base(),
      issuer: undefined,
      issuers: [
        { issuer: 'https://auth.test', keys: { source: 'kafka' } },
        { issuer: KC, keys: { discovery: true } },
      ],
    });
    expect(issuer).toBeUndefined();
    expect(issuers.map((i) => [i.issuer, i.authority, i.algorithms, i.typ])).toEqual([
      ['https://auth.test', true, ['ES256', 'EdDSA'], ['at+jwt']],
      [KC, false, ['RS256', 'ES256'], ['at+jwt', 'JWT']],
    ]);
  });

  it('refuses an issuer with no key source, saying where keys can come from', () => {
    const message = problems({ ...base(), issuers: [{ issuer: KC }] });
    expect(message).toContain('options.issuers.0.keys: is required');
    expect(message).toContain('{ discovery: true }');
    expect(message).toContain('jwksUrl');
  });

  it('refuses a key source with two shapes, and no issuer at all', () => {
    expect(problems({ ...base(), issuers: [{ issuer: KC, keys: { discovery: true, jwksUrl: `${KC}/certs` } }] })).toContain('options.issuers.0.keys: give exactly one of');
    expect(problems({ ...base(), issuer: undefined })).toContain('options.issuer: is required');
    expect(problems({ ...base(), issuer: undefined, issuers: [] })).toContain('options.issuer: is required');
  });

  it('refuses discovery for the top-level (authority) keys', () => {
    expect(problems({ ...base(), keys: { discovery: true } })).toContain('options.keys.discovery: applies only to an entry of options.issuers');
  });

  it('refuses duplicate issuers and a second reader of the keys topic', () => {
    expect(problems({ ...base(), issuers: [{ issuer: 'https://auth.test', keys: { discovery: true } }] })).toContain('options.issuers.0.issuer: duplicate issuer');
    expect(problems({ ...base(), issuers: [{ issuer: KC, keys: { source: 'kafka' } }] })).toContain('options.issuers.0.keys.source: the keys topic belongs to the revmesh authority');
    expect(
      problems({
        ...base(),
        issuer: undefined,
        issuers: [
          { issuer: 'https://a.test', keys: { source: 'kafka' } },
          { issuer: 'https://b.test', keys: { source: 'kafka' } },
        ],
      }),
    ).toContain('options.issuers.1.keys.source: only one issuer can read the keys topic');
  });

  it('refuses plain http for discovery and JWKS URLs off loopback, unless allowInsecureHttp', () => {
    expect(problems({ ...base(), issuers: [{ issuer: 'http://sso.example.com', keys: { discovery: true } }] })).toContain('options.issuers.0.issuer: must use https:');
    expect(problems({ ...base(), issuers: [{ issuer: KC, keys: { jwksUrl: 'http://sso.example.com/certs' } }] })).toContain('options.issuers.0.keys.jwksUrl: must use https:');
    expect(() => resolveSidecarOptions({ ...base(), issuers: [{ issuer: 'http://127.0.0.1:8080/realms/a', keys: { discovery: true } }] })).not.toThrow();
    expect(() => resolveSidecarOptions({ ...base(), issuers: [{ issuer: 'http://sso.internal', keys: { discovery: true, allowInsecureHttp: true } }] })).not.toThrow();
    expect(problems({ ...base(), issuers: [{ issuer: 'not a url', keys: { discovery: true } }] })).toContain('options.issuers.0.issuer: must be an absolute URL');
  });

  it('refuses bad per-issuer fields with their paths', () => {
    const message = problems({
      ...base(),
      issuers: [{ issuer: KC, keys: { discovery: true }, algorithms: ['HS256'], typ: [], clientIdClaims: [], requiredClaims: [''], colour: 'red' }],
    });
    expect(message).toContain('options.issuers.0.algorithms.0: REFUSED "HS256"');
    expect(message).toContain('options.issuers.0.typ: must list at least one typ');
    expect(message).toContain('options.issuers.0.clientIdClaims: must list at least one claim');
    expect(message).toContain('options.issuers.0.requiredClaims.0: must not be empty');
    expect(message).toContain('options.issuers.0: unknown option "colour"');
  });
});
