import type { AccessTokenClaims, VerifyResult } from '../verify/verify-result';
import { createSidecarFixture } from '../testing/sidecar-fixture.spec-helper';
import { revmeshExpress, type ExpressLikeRequest } from './index';

const CLAIMS = { iss: 'i', sub: 'alice', aud: 'a', exp: 2, iat: 1, jti: 'j', client_id: 'c' } as AccessTokenClaims;

/** The smallest request/response pair Express would hand to a middleware. */
function exchange(authorization?: string | string[]) {
  const request: ExpressLikeRequest = { headers: authorization === undefined ? {} : { authorization } };
  const headers: Record<string, string> = {};
  const response = {
    statusCode: 200,
    locals: {} as Record<string, unknown>,
    body: undefined as string | undefined,
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    end(body: string) {
      this.body = body;
    },
  };
  return { request, response, headers };
}

/** Runs the middleware and resolves when it has either called next or answered. */
function run(middleware: ReturnType<typeof revmeshExpress>, ex: ReturnType<typeof exchange>): Promise<{ nextCalled: boolean; error?: unknown }> {
  return new Promise((resolve) => {
    const end = ex.response.end.bind(ex.response);
    ex.response.end = (body: string) => {
      end(body);
      resolve({ nextCalled: false });
    };
    middleware(ex.request, ex.response, (error?: unknown) => resolve({ nextCalled: true, error }));
  });
}

const stub = (result: VerifyResult) => ({ verify: jest.fn(async (_token: string) => result) });

describe('revmeshExpress', () => {
  it('puts the claims on req.revmesh and res.locals and continues', async () => {
    const sidecar = stub({ ok: true, claims: CLAIMS });
    const ex = exchange('Bearer abc.def.ghi');
    expect(await run(revmeshExpress(sidecar), ex)).toEqual({ nextCalled: true, error: undefined });
    expect(sidecar.verify).toHaveBeenCalledWith('abc.def.ghi');
    expect(ex.request.revmesh).toEqual({ claims: CLAIMS });
    expect(ex.response.locals['revmesh']).toEqual({ claims: CLAIMS });
    expect(ex.response.body).toBeUndefined();
  });

  it('answers 401 problem+json with TOKEN_MISSING and a bare Bearer challenge without credentials', async () => {
    const sidecar = stub({ ok: true, claims: CLAIMS });
    for (const authorization of [undefined, '', 'Basic dXNlcjpwYXNz']) {
      const ex = exchange(authorization);
      expect(await run(revmeshExpress(sidecar), ex)).toEqual({ nextCalled: false });
      expect(ex.response.statusCode).toBe(401);
      expect(ex.headers['content-type']).toBe('application/problem+json');
      expect(ex.headers['www-authenticate']).toBe('Bearer');
      expect(JSON.parse(ex.response.body!)).toEqual({
        type: 'urn:revmesh:problem:token-missing',
        title: 'Bearer token required',
        status: 401,
        detail: 'the request has no Authorization: Bearer token',
        code: 'TOKEN_MISSING',
      });
    }
    expect(sidecar.verify).not.toHaveBeenCalled();
  });

  it('answers 401 MALFORMED for a Bearer header without a usable token', async () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', ['Bearer a', 'Bearer b']]) {
      const ex = exchange(authorization);
      await run(revmeshExpress(stub({ ok: true, claims: CLAIMS })), ex);
      expect(JSON.parse(ex.response.body!)).toMatchObject({ status: 401, code: 'MALFORMED' });
    }
  });

  it('answers 401 with invalid_token and the code for a rejected token', async () => {
    const ex = exchange('bearer x.y.z');
    const onRejected = jest.fn();
    await run(
      revmeshExpress(stub({ ok: false, code: 'TOKEN_REVOKED', message: 'token was revoked', revocationId: 'rev-1', target: 'jti' }), {
        onRejected,
        realm: 'orders',
      }),
      ex,
    );
    expect(ex.response.statusCode).toBe(401);
    expect(ex.headers['www-authenticate']).toBe('Bearer realm="orders", error="invalid_token", error_description="Token revoked"');
    expect(ex.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(ex.response.body!)).toEqual({
      type: 'urn:revmesh:problem:token-revoked',
      title: 'Token revoked',
      status: 401,
      detail: 'token was revoked',
      code: 'TOKEN_REVOKED',
    });
    expect(onRejected).toHaveBeenCalledWith(expect.objectContaining({ code: 'TOKEN_REVOKED', revocationId: 'rev-1' }), ex.request);
  });

  it('answers 503 without a challenge while the sidecar is not ready', async () => {
    const ex = exchange('Bearer x.y.z');
    await run(revmeshExpress(stub({ ok: false, code: 'NOT_READY', message: 'not yet' })), ex);
    expect(ex.response.statusCode).toBe(503);
    expect(ex.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(ex.response.body!)).toMatchObject({ status: 503, code: 'NOT_READY' });
  });

  it('passes an unexpected verify rejection to next(error)', async () => {
    const boom = new Error('bug');
    const ex = exchange('Bearer x.y.z');
    expect(await run(revmeshExpress({ verify: () => Promise.reject(boom) }), ex)).toEqual({ nextCalled: true, error: boom });
  });

  it('works end to end with a real sidecar', async () => {
    const f = await createSidecarFixture();
    try {
      const ok = exchange(`Bearer ${await f.issuer.sign({ sub: 'alice' })}`);
      expect(await run(revmeshExpress(f.sidecar), ok)).toMatchObject({ nextCalled: true });
      expect(ok.request.revmesh?.claims.sub).toBe('alice');
      const bad = exchange('Bearer not.a.jwt');
      await run(revmeshExpress(f.sidecar), bad);
      expect(JSON.parse(bad.response.body!)).toMatchObject({ status: 401, code: 'MALFORMED' });
    } finally {
      await f.sidecar.close();
    }
  });
});
