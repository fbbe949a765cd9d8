import type { AccessTokenClaims, VerifyResult } from '../verify/verify-result';
import { verifyFailure } from '../verify/verify-result';
import { revmeshExpressDrillProbe, type ExpressLikeRequest } from './index';

const CLAIMS = { iss: 'i', sub: 'canary', aud: 'a', exp: 2, iat: 1, jti: 'j', client_id: 'c', scope: 'revmesh:drill' } as AccessTokenClaims;
const sidecarAnswering = (result: VerifyResult) => ({ instanceId: 'orders-1', verify: jest.fn(async (_token: string) => result) });

/** Runs the handler to its end: the answer it wrote, or the error it passed on. */
function probe(handler: ReturnType<typeof revmeshExpressDrillProbe>, authorization?: string) {
  const request: ExpressLikeRequest = { headers: authorization === undefined ? {} : { authorization } };
  const headers: Record<string, string> = {};
  return new Promise<{ status: number; headers: Record<string, string>; body: unknown } | { error: unknown }>((resolve) => {
    const response = {
      statusCode: 200,
      setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
      end: (body: string) => resolve({ status: response.statusCode, headers, body: JSON.parse(body) as unknown }),
    };
    handler(request, response, (error?: unknown) => resolve({ error }));
  });
}

describe('revmeshExpressDrillProbe', () => {
  it('answers an accepted token with the instance id, sub and scope, not cached', async () => {
    const sidecar = sidecarAnswering({ ok: true, claims: CLAIMS });
    expect(await probe(revmeshExpressDrillProbe(sidecar), 'Bearer a.b.c')).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: { accepted: true, instance_id: 'orders-1', sub: 'canary', scope: 'revmesh:drill' },
    });
    expect(sidecar.verify).toHaveBeenCalledWith('a.b.c');
  });

  it("refuses like revmeshExpress: the problem document with the sidecar's code, never accepted", async () => {
    const answer = await probe(revmeshExpressDrillProbe(sidecarAnswering(verifyFailure('TOKEN_EXPIRED', 'expired'))), 'Bearer a.b.c');
    expect(answer).toMatchObject({ status: 401, body: { code: 'TOKEN_EXPIRED' } });
    expect(await probe(revmeshExpressDrillProbe(sidecarAnswering({ ok: true, claims: CLAIMS })))).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
  });

  it('takes the adapter options: a route policy for a stale sidecar', async () => {
    const sidecar = sidecarAnswering({ ok: true, claims: CLAIMS });
    await probe(revmeshExpressDrillProbe(sidecar, { stalePolicy: 'fail-open-UNSAFE' }), 'Bearer a.b.c');
    expect(sidecar.verify).toHaveBeenCalledWith('a.b.c', { stalePolicy: 'fail-open-UNSAFE' });
  });
});
