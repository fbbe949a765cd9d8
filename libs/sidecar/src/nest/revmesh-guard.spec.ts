import { TokenRejectedError } from '../errors/sidecar-errors';
import type { AccessTokenClaims, VerifyResult } from '../verify/verify-result';
import { RevmeshGuard, type NestExecutionContextLike } from './index';

const CLAIMS = { iss: 'i', sub: 'alice', aud: 'a', exp: 2, iat: 1, jti: 'j', client_id: 'c' } as AccessTokenClaims;
const stub = (result: VerifyResult) => ({ verify: jest.fn(async (_token: string) => result) });

/** What Nest's ExecutionContext gives a guard for an HTTP request (Express flavour: setHeader). */
function context(authorization?: string) {
  const request: { headers: Record<string, string>; revmesh?: unknown } = { headers: authorization ? { authorization } : {} };
  const headers: Record<string, string> = {};
  const response = { setHeader: (name: string, value: string) => void (headers[name] = value) };
  const ctx: NestExecutionContextLike = {
    switchToHttp: () => ({ getRequest: <T>() => request as T, getResponse: <T>() => response as T }),
  };
  return { ctx, request, headers };
}

describe('RevmeshGuard', () => {
  it('lets an authenticated request through with its claims', async () => {
    const { ctx, request } = context('Bearer a.b.c');
    await expect(new RevmeshGuard(stub({ ok: true, claims: CLAIMS })).canActivate(ctx)).resolves.toBe(true);
    expect(request.revmesh).toEqual({ claims: CLAIMS });
  });

  it('throws an error Nest turns into a 401 (statusCode + message) with the code, and sets the challenge', async () => {
    const { ctx, headers } = context('Bearer a.b.c');
    const guard = new RevmeshGuard(stub({ ok: false, code: 'TOKEN_REVOKED', message: 'token was revoked', revocationId: 'rev-1', target: 'sub' }));
    const error = await guard.canActivate(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRejectedError);
    expect(error).toMatchObject({ statusCode: 401, message: 'token was revoked', code: 'TOKEN_REVOKED', failure: { revocationId: 'rev-1' } });
    expect(headers['WWW-Authenticate']).toBe('Bearer error="invalid_token", error_description="Token revoked"');
  });

  it('TOKEN_MISSING without credentials', async () => {
    const { ctx } = context();
    await expect(new RevmeshGuard(stub({ ok: true, claims: CLAIMS })).canActivate(ctx)).rejects.toMatchObject({ statusCode: 401, code: 'TOKEN_MISSING' });
  });

  it('uses a Fastify reply (header) when that is the response', async () => {
    const seen: Array<[string, string]> = [];
    const ctx: NestExecutionContextLike = {
      switchToHttp: () => ({
        getRequest: <T>() => ({ headers: {} }) as T,
        getResponse: <T>() => ({ header: (n: string, v: string) => void seen.push([n, v]) }) as T,
      }),
    };
    await expect(new RevmeshGuard(stub({ ok: true, claims: CLAIMS })).canActivate(ctx)).rejects.toBeInstanceOf(TokenRejectedError);
    expect(seen).toEqual([['WWW-Authenticate', 'Bearer']]);
  });

  it('lets onRejected throw the application exception', async () => {
    class AppUnauthorized extends Error {}
    const { ctx } = context('Bearer a.b.c');
    const guard = new RevmeshGuard(stub({ ok: false, code: 'SIGNATURE_INVALID', message: 'bad signature' }), {
      onRejected: (failure) => {
        throw new AppUnauthorized(failure.code);
      },
    });
    await expect(guard.canActivate(ctx)).rejects.toEqual(new AppUnauthorized('SIGNATURE_INVALID'));
  });

  it('skips routes marked public, and only those', async () => {
    const sidecar = stub({ ok: false, code: 'MALFORMED', message: 'x' });
    const { ctx } = context();
    await expect(new RevmeshGuard(sidecar, { isPublic: () => true }).canActivate(ctx)).resolves.toBe(true);
    await expect(new RevmeshGuard(sidecar, { isPublic: () => false }).canActivate(ctx)).rejects.toMatchObject({ code: 'TOKEN_MISSING' });
    expect(sidecar.verify).not.toHaveBeenCalled();
  });

  it('answers 503 while the sidecar is not ready', async () => {
    const { ctx, headers } = context('Bearer a.b.c');
    await expect(new RevmeshGuard(stub({ ok: false, code: 'NOT_READY', message: 'starting' })).canActivate(ctx)).rejects.toMatchObject({ statusCode: 503 });
    expect(headers['WWW-Authenticate']).toBeUndefined();
  });
});
