import type { AccessTokenClaims, VerifyResult } from '../verify/verify-result';
import { verifyFailure } from '../verify/verify-result';
import { revmeshFastifyDrillProbe, type FastifyLikeReply, type FastifyLikeRequest } from './index';

const CLAIMS = { iss: 'i', sub: 'canary', aud: 'a', exp: 2, iat: 1, jti: 'j', client_id: 'c', scope: 'revmesh:drill' } as AccessTokenClaims;
const sidecarAnswering = (result: VerifyResult) => ({ instanceId: 'orders-2', verify: jest.fn(async (_token: string) => result) });

/** What Fastify does with the route: the hook, then the handler unless the hook answered. */
async function probe(route: ReturnType<typeof revmeshFastifyDrillProbe>, request: FastifyLikeRequest) {
  const sent = { status: 200, headers: {} as Record<string, string>, payload: undefined as unknown };
  const reply: FastifyLikeReply = {
    code: (status) => ((sent.status = status), reply),
    header: (name, value) => ((sent.headers[name.toLowerCase()] = value), reply),
    send: (payload) => (sent.payload = JSON.parse(payload) as unknown),
  };
  await route.onRequest(request, reply);
  if (sent.payload === undefined) sent.payload = await route.handler(request, reply);
  return sent;
}

describe('revmeshFastifyDrillProbe', () => {
  it('answers an accepted token with the instance id, sub and scope, not cached', async () => {
    const sidecar = sidecarAnswering({ ok: true, claims: CLAIMS });
    expect(await probe(revmeshFastifyDrillProbe(sidecar), { headers: { authorization: 'Bearer a.b.c' } })).toEqual({
      status: 200,
      headers: { 'cache-control': 'no-store' },
      payload: { accepted: true, instance_id: 'orders-2', sub: 'canary', scope: 'revmesh:drill' },
    });
  });

  it('refuses like revmeshFastify (the handler does not run), with the route options applied', async () => {
    const refusing = sidecarAnswering(verifyFailure('STALE_STATE', 'stale'));
    expect(await probe(revmeshFastifyDrillProbe(refusing, { stalePolicy: 'fail-closed' }), { headers: { authorization: 'Bearer a.b.c' } })).toMatchObject({ status: 503, payload: { code: 'STALE_STATE' } });
    expect(refusing.verify).toHaveBeenCalledWith('a.b.c', { stalePolicy: 'fail-closed' });
  });

  it('never answers "accepted" for a request its hook did not verify', async () => {
    const route = revmeshFastifyDrillProbe(sidecarAnswering({ ok: true, claims: CLAIMS }));
    await expect(route.handler({ headers: {} }, { code: jest.fn(), header: jest.fn(), send: jest.fn() } as unknown as FastifyLikeReply)).rejects.toThrow('no verified claims');
  });
});
