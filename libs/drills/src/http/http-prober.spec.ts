import { createHttpProber } from './http-prober';

/** A fetch answering every request with `status` and `body`, recording what was asked. */
function answering(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('createHttpProber', () => {
  it("reads the instance from a sidecar probe's answer, whatever the URL's path", async () => {
    const { fetch, calls } = answering(200, { accepted: true, instance_id: 'orders-7', sub: 'canary', scope: 'revmesh:drill' });
    expect(await createHttpProber({ fetch }).probe('https://orders.example/internal/drill', 'tok')).toEqual({ outcome: 'accepted', status: 200, instanceId: 'orders-7' });
    expect(calls[0]!.init?.headers).toEqual({ authorization: 'Bearer tok' });
    expect(await createHttpProber({ fetch: answering(200, { orders: [] }).fetch }).probe('https://orders.example/v1/orders', 'tok')).toEqual({ outcome: 'accepted', status: 200, instanceId: null });
  });

  it("a refusal carries the problem's code; a drill switch's answer names its instance", async () => {
    expect(await createHttpProber({ fetch: answering(401, { code: 'TOKEN_REVOKED' }).fetch }).probe('http://x/p', 'tok')).toEqual({ outcome: 'rejected', status: 401, code: 'TOKEN_REVOKED' });
    const { fetch, calls } = answering(200, { instance_id: 'orders-7', cut_off: true });
    expect(await createHttpProber({ fetch }).post('http://x/_revmesh/drill/cut-off')).toEqual({ ok: true, status: 200, instanceId: 'orders-7' });
    expect(calls[0]!.init?.method).toBe('POST');
    expect(await createHttpProber({ fetch: answering(404, 'nope').fetch }).post('http://x/_revmesh/drill/cut-off')).toEqual({ ok: false, status: 404, instanceId: null });
  });
});
