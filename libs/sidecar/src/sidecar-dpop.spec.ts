import { createTestDpopKey, type TestDpopKey } from '@revmesh/test-support';
import { revmeshExpress } from './express/revmesh-express';
import { toHttpRejection } from './internal/http/problem-details';
import { createSidecar } from './sidecar';
import { AUDIENCE, createSidecarFixture, ISSUER, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import type { TokenPresentation } from './dpop/dpop-check';
import { resolveDpopOptions } from './dpop/dpop-options';
import type { SidecarOptions } from './options/sidecar-options';
import type { VerifyResult } from './verify/verify-result';

const URL_ = 'https://orders.example.com/orders/42';
const code = (result: VerifyResult): string => (result.ok ? 'OK' : result.code);

describe('sidecar: DPoP-bound tokens (RFC 9449 §7)', () => {
  let f: SidecarFixture;
  let key: TestDpopKey;
  let thief: TestDpopKey;
  const open = async (sidecar: Partial<SidecarOptions> = {}): Promise<void> => {
    f = await createSidecarFixture({ sidecar });
    key = await createTestDpopKey({ now: f.clock.now });
    thief = await createTestDpopKey({ now: f.clock.now });
  };
  afterEach(() => f.sidecar.close());

  const bound = (jkt = key.jkt, claims: Record<string, unknown> = {}): Promise<string> => f.issuer.sign({ cnf: { jkt }, ...claims });
  const present = async (token: string, input: Partial<TokenPresentation> & { proofBy?: TestDpopKey; htu?: string; htm?: string } = {}): Promise<VerifyResult> => {
    const by = input.proofBy ?? key;
    const dpop = 'dpop' in input ? input.dpop : await by.proof({ htm: input.htm ?? 'GET', htu: input.htu ?? URL_, accessToken: token });
    return f.sidecar.verify(token, { presentation: { scheme: input.scheme ?? 'DPoP', method: input.method ?? 'GET', url: input.url ?? URL_, dpop } });
  };

  it('accepts a bound token with a proof of its key, and an unbound bearer token as before', async () => {
    await open();
    const token = await bound();
    expect(await present(token)).toMatchObject({ ok: true, claims: { cnf: { jkt: key.jkt } } });
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
    expect(code(await f.sidecar.verify(await f.issuer.sign(), { presentation: { scheme: 'Bearer', method: 'GET', url: URL_ } }))).toBe('OK');
  });

  it('refuses a bound token presented as a bearer token, or without a proof (DPOP_REQUIRED)', async () => {
    await open();
    const token = await bound();
    expect(code(await f.sidecar.verify(token))).toBe('DPOP_REQUIRED');
    expect(code(await present(token, { scheme: 'Bearer' }))).toBe('DPOP_REQUIRED');
    expect(code(await present(token, { dpop: undefined }))).toBe('DPOP_REQUIRED');
  });

  it('refuses a stolen token replayed with a proof of another key, a wrong htu or htm, two proofs, or a proof for another token (DPOP_INVALID)', async () => {
    await open();
    const token = await bound();
    expect(await present(token, { proofBy: thief })).toMatchObject({ code: 'DPOP_INVALID', message: expect.stringContaining('another key') });
    expect(code(await present(token, { htu: 'https://orders.example.com/admin' }))).toBe('DPOP_INVALID');
    expect(code(await present(token, { htm: 'POST' }))).toBe('DPOP_INVALID');
    const one = await key.proof({ htm: 'GET', htu: URL_, accessToken: token });
    expect(code(await present(token, { dpop: [one, one] }))).toBe('DPOP_INVALID');
    const forOther = await key.proof({ htm: 'GET', htu: URL_, accessToken: await bound() });
    expect(await present(token, { dpop: forOther })).toMatchObject({ code: 'DPOP_INVALID', message: expect.stringContaining('ath') });
    expect(code(await present(await f.issuer.sign()))).toBe('DPOP_INVALID'); // an unbound token under the DPoP scheme
  });

  it('refuses a proof used twice (DPOP_REPLAY), and a proof older than the window', async () => {
    await open();
    const token = await bound();
    const proof = await key.proof({ htm: 'GET', htu: URL_, accessToken: token });
    expect(code(await present(token, { dpop: proof }))).toBe('OK');
    expect(code(await present(token, { dpop: proof }))).toBe('DPOP_REPLAY');
    f.clock.advance(66_000);
    const stale = await key.proof({ htm: 'GET', htu: URL_, accessToken: token, iat: Math.floor(f.clock.now() / 1000) - 70 });
    expect(await present(token, { dpop: stale })).toMatchObject({ code: 'DPOP_INVALID', message: expect.stringContaining('older') });
  });

  it('revoking the key thumbprint (jkt) rejects every token bound to it, and only those', async () => {
    await open();
    const first = await bound(key.jkt, { jti: 'first' });
    const second = await bound(key.jkt, { jti: 'second', sub: 'other-client', client_id: 'other-client' });
    const other = await bound(thief.jkt);
    await f.revoke({ type: 'jkt', value: key.jkt });
    expect(await present(first)).toMatchObject({ code: 'TOKEN_REVOKED', target: 'jkt' });
    expect(await present(second)).toMatchObject({ code: 'TOKEN_REVOKED', target: 'jkt' });
    expect(code(await present(other, { proofBy: thief }))).toBe('OK');
  });

  it('with server nonces: asks for one (DPOP_NONCE_REQUIRED + DPoP-Nonce), then accepts the proof that carries it', async () => {
    await open({ dpop: { nonce: { secret: Buffer.alloc(32, 1).toString('base64url') } } });
    const token = await bound();
    const first = await present(token);
    expect(first).toMatchObject({ ok: false, code: 'DPOP_NONCE_REQUIRED', nonce: expect.any(String) });
    const nonce = (first as { nonce: string }).nonce;
    const rejection = toHttpRejection(first as never, { dpopAlgorithms: ['ES256'] });
    expect(rejection.status).toBe(401);
    expect(rejection.headers['dpop-nonce']).toBe(nonce);
    expect(rejection.headers['www-authenticate']).toBe('DPoP error="use_dpop_nonce", error_description="DPoP nonce required", algs="ES256"');
    const proof = await key.proof({ htm: 'GET', htu: URL_, accessToken: token, nonce });
    expect(code(await present(token, { dpop: proof }))).toBe('OK');
    expect(code(await present(token, { dpop: await key.proof({ htm: 'GET', htu: URL_, accessToken: token, nonce: 'made-up' }) }))).toBe('DPOP_NONCE_REQUIRED');
  });

  it('behind a proxy: publicBaseUrl replaces the scheme, host and prefix the service sees', async () => {
    await open({ dpop: { publicBaseUrl: 'https://api.example.com/orders-svc/' } });
    const token = await bound();
    const proof = await key.proof({ htm: 'GET', htu: 'https://api.example.com/orders-svc/orders/42', accessToken: token });
    expect(code(await f.sidecar.verify(token, { presentation: { scheme: 'DPoP', method: 'GET', url: 'http://10.0.0.5:8080/orders/42?x=1', dpop: proof } }))).toBe('OK');
  });

  it('answers DPoP failures with a DPoP challenge (RFC 9449 §7.1) and counts them by code', async () => {
    await open();
    const token = await bound();
    const required = toHttpRejection((await f.sidecar.verify(token)) as never);
    expect(required.headers['www-authenticate']).toBe('DPoP error="invalid_token", error_description="DPoP proof required"');
    const invalid = toHttpRejection((await present(token, { proofBy: thief })) as never);
    expect(invalid.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
    expect(invalid.problem.code).toBe('DPOP_INVALID');
    expect(f.sidecar.stats().verifications).toMatchObject({ DPOP_REQUIRED: 1, DPOP_INVALID: 1 });
  });

  it('the Express adapter passes the DPoP header, method and URL (Host + originalUrl)', async () => {
    await open();
    const token = await bound();
    const run = (headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string> }> =>
      new Promise((resolve) => {
        const response = { statusCode: 200, headers: {} as Record<string, string>, setHeader: (n: string, v: string) => (response.headers[n.toLowerCase()] = v), end: () => resolve({ status: response.statusCode, headers: response.headers }) };
        revmeshExpress(f.sidecar)(
          { headers: { host: 'orders.example.com', ...headers }, method: 'GET', originalUrl: '/orders/42', url: '/42', protocol: 'https' },
          response,
          () => resolve({ status: 200, headers: {} }),
        );
      });
    expect((await run({ authorization: `DPoP ${token}`, dpop: await key.proof({ htm: 'GET', htu: URL_, accessToken: token }) })).status).toBe(200);
    const asBearer = await run({ authorization: `Bearer ${token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
  });

  it('refuses bad dpop options, naming each field and its fix', async () => {
    await open();
    const { options, problems } = resolveDpopOptions({ algorithms: ['HS256'], replayCacheMaxEntries: 0, publicBaseUrl: '/relative', nonce: { secret: 'c2hvcnQ' } });
    expect(options).toBeUndefined();
    expect(problems).toEqual([
      expect.stringMatching(/^dpop\.algorithms: .*asymmetric/),
      expect.stringMatching(/^dpop\.replayCacheMaxEntries/),
      expect.stringMatching(/^dpop\.nonce\.secret must be at least 16 bytes/),
      expect.stringMatching(/^dpop\.publicBaseUrl must be an absolute/),
    ]);
    expect(() => createSidecar({ issuer: ISSUER, audience: AUDIENCE, eventSigners: [f.signer.publicJwk], brokers: ['127.0.0.1:1'], dpop: { maxProofAgeSeconds: 0 } })).toThrow(
      /options\.dpop\.maxProofAgeSeconds/,
    );
  });
});
