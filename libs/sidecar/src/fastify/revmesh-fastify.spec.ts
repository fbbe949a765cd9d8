import type { AccessTokenClaims, VerifyResult } from '../verify/verify-result';
import { revmeshFastify, type FastifyLikeReply, type FastifyLikeRequest } from './index';

const CLAIMS = { iss: 'i', sub: 'alice', aud: 'a', exp: 2, iat: 1, jti: 'j', client_id: 'c' } as AccessTokenClaims;
const stub = (result: VerifyResult) => ({ verify: jest.fn(async (_token: string) => result) });

/** A reply recording what Fastify would send. */
function fakeReply() {
  const sent = { status: 200, headers: {} as Record<string, string>, payload: undefined as string | undefined };
  const reply: FastifyLikeReply = {
    code(status) {
      sent.status = status;
      return reply;
    },
    header(name, value) {
      sent.headers[name.toLowerCase()] = value;
      return reply;
    },
    send(payload) {
      sent.payload = payload;
      return reply;
    },
  };
  return { reply, sent };
}

describe('revmeshFastify', () => {
  it('puts the claims on request.revmesh and sends nothing', async () => {
    const request: FastifyLikeRequest = { headers: { authorization: 'Bearer a.b.c' } };
    const { reply, sent } = fakeReply();
    await revmeshFastify(stub({ ok: true, claims: CLAIMS }))(request, reply);
    expect(request.revmesh).toEqual({ claims: CLAIMS });
    expect(sent.payload).toBeUndefined();
  });

  it('answers 401 problem+json TOKEN_MISSING without an Authorization header', async () => {
    const { reply, sent } = fakeReply();
    await revmeshFastify(stub({ ok: true, claims: CLAIMS }))({ headers: {} }, reply);
    expect(sent.status).toBe(401);
    expect(sent.headers['content-type']).toBe('application/problem+json');
    expect(sent.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(sent.payload!)).toMatchObject({ status: 401, code: 'TOKEN_MISSING', title: 'Bearer token required' });
  });

  it('answers 401 with invalid_token and the code for a rejected token', async () => {
    const request: FastifyLikeRequest = { headers: { authorization: 'Bearer a.b.c' } };
    const { reply, sent } = fakeReply();
    const onRejected = jest.fn();
    await revmeshFastify(stub({ ok: false, code: 'TOKEN_EXPIRED', message: 'token has expired (exp)' }), { onRejected, problemTypeBase: 'https://docs.example/problems/' })(
      request,
      reply,
    );
    expect(sent.status).toBe(401);
    expect(sent.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="Token expired"');
    expect(JSON.parse(sent.payload!)).toEqual({
      type: 'https://docs.example/problems/token-expired',
      title: 'Token expired',
      status: 401,
      detail: 'token has expired (exp)',
      code: 'TOKEN_EXPIRED',
    });
    expect(request.revmesh).toBeUndefined();
    expect(onRejected).toHaveBeenCalledWith(expect.objectContaining({ code: 'TOKEN_EXPIRED' }), request);
  });

  it('answers 503 when the deny list overflowed', async () => {
    const { reply, sent } = fakeReply();
    await revmeshFastify(stub({ ok: false, code: 'DENY_LIST_OVERFLOW', message: 'full' }))({ headers: { authorization: 'Bearer a.b.c' } }, reply);
    expect(sent.status).toBe(503);
    expect(JSON.parse(sent.payload!)).toMatchObject({ code: 'DENY_LIST_OVERFLOW' });
  });
});
