import { TokenRejectedError } from '../errors/sidecar-errors';
import { revmeshFastify, type FastifyLikeReply } from '../fastify';
import { RevmeshGuard, type NestExecutionContextLike } from '../nest';
import type { VerifyOptions } from '../sidecar-api';
import type { AccessTokenClaims, VerifyResult } from '../verify/verify-result';

const CLAIMS = { iss: 'i', sub: 'alice', aud: 'a', exp: 2, iat: 1, jti: 'j', client_id: 'c', cnf: { jkt: 'k' } } as AccessTokenClaims;
const recordingStub = (result: VerifyResult) => ({ verify: jest.fn(async (_token: string, _options?: VerifyOptions) => result) });

/** What the adapters hand the sidecar for a DPoP presentation: scheme, proof, method and the URL rebuilt from the request. */
describe('DPoP in the Fastify and Nest adapters', () => {
  it('Fastify: DPoP scheme, the DPoP header, the method and protocol + Host + url', async () => {
    const sidecar = recordingStub({ ok: true, claims: CLAIMS });
    const reply = { code: () => reply, header: () => reply, send: () => reply } as FastifyLikeReply;
    await revmeshFastify(sidecar)({ headers: { authorization: 'DPoP a.b.c', dpop: 'proof', host: 'api.example.com' }, method: 'POST', url: '/orders?x=1', protocol: 'https' }, reply);
    expect(sidecar.verify).toHaveBeenCalledWith('a.b.c', { presentation: { scheme: 'DPoP', dpop: 'proof', method: 'POST', url: 'https://api.example.com/orders?x=1' } });
  });

  it('Fastify: a requestTarget option overrides what the request says (the standalone sidecar reads the proxy headers)', async () => {
    const sidecar = recordingStub({ ok: true, claims: CLAIMS });
    const reply = { code: () => reply, header: () => reply, send: () => reply } as FastifyLikeReply;
    await revmeshFastify(sidecar, { requestTarget: () => ({ method: 'DELETE', url: 'https://public.example.com/x' }) })({ headers: { authorization: 'DPoP a.b.c', dpop: 'p' }, method: 'GET', url: '/auth' }, reply);
    expect(sidecar.verify).toHaveBeenCalledWith('a.b.c', { presentation: { scheme: 'DPoP', dpop: 'p', method: 'DELETE', url: 'https://public.example.com/x' } });
  });

  it('Nest: the Express request (originalUrl, protocol getter) reaches the sidecar; a nonce failure sets DPoP-Nonce and the DPoP challenge', async () => {
    const sidecar = recordingStub({ ok: false, code: 'DPOP_NONCE_REQUIRED', message: 'nonce please', nonce: 'n-1' });
    class ExpressRequest {
      headers = { authorization: 'DPoP a.b.c', dpop: 'proof', host: 'api.example.com:8443' };
      method = 'GET';
      url = '/42';
      originalUrl = '/orders/42';
      get protocol(): string {
        return 'https';
      }
    }
    const headers: Record<string, string> = {};
    const ctx: NestExecutionContextLike = {
      switchToHttp: () => ({ getRequest: <T>() => new ExpressRequest() as T, getResponse: <T>() => ({ setHeader: (n: string, v: string) => void (headers[n] = v) }) as T }),
    };
    const error = await new RevmeshGuard(sidecar).canActivate(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRejectedError);
    expect(error).toMatchObject({ statusCode: 401, code: 'DPOP_NONCE_REQUIRED' });
    expect(sidecar.verify).toHaveBeenCalledWith('a.b.c', { presentation: { scheme: 'DPoP', dpop: 'proof', method: 'GET', url: 'https://api.example.com:8443/orders/42' } });
    expect(headers).toEqual({ 'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="DPoP nonce required"', 'DPoP-Nonce': 'n-1' });
  });

  it('a Bearer presentation passes no presentation at all (nothing rebuilt on the common path)', async () => {
    const sidecar = recordingStub({ ok: true, claims: CLAIMS });
    const reply = { code: () => reply, header: () => reply, send: () => reply } as FastifyLikeReply;
    const requestTarget = jest.fn(() => ({ method: 'GET', url: '/' }));
    await revmeshFastify(sidecar, { requestTarget })({ headers: { authorization: 'Bearer a.b.c' } }, reply);
    expect(sidecar.verify).toHaveBeenCalledWith('a.b.c');
    expect(requestTarget).not.toHaveBeenCalled();
  });
});
