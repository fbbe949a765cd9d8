import { parseAuthorityUrl } from '../config/authority-url';
import { ApiProblemError, AuthorityUnreachableError, UnexpectedResponseError } from '../errors';
import { createAuthorityClient, USER_AGENT } from './authority-client';

type Answer = { status: number; body: string; headers?: Record<string, string> };

function clientAnswering(answer: Answer | Error) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchStub = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    if (answer instanceof Error) throw answer;
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  }) as typeof fetch;
  const client = createAuthorityClient({
    authority: parseAuthorityUrl('https://authority.example/base', 'test'),
    authorization: 'Bearer secret-key',
    fetch: fetchStub,
    timeoutMs: 1000,
  });
  return { client, calls };
}

describe('authority client', () => {
  it('sends JSON with the credential, under the URL path prefix, without following redirects', async () => {
    const { client, calls } = clientAnswering({ status: 202, body: '{"id":"r1"}' });
    const response = await client.request('POST', 'v1/revocations', { target: 'jti', value: 'x', reason: 'r' });

    expect(response).toEqual({ status: 202, body: { id: 'r1' }, url: 'https://authority.example/base/v1/revocations' });
    expect(calls[0]!.init).toMatchObject({
      method: 'POST',
      redirect: 'manual',
      body: '{"target":"jti","value":"x","reason":"r"}',
      headers: { authorization: 'Bearer secret-key', 'content-type': 'application/json', 'user-agent': USER_AGENT },
    });
  });

  it('turns problem+json into an ApiProblemError carrying every known member', async () => {
    const body = {
      type: 'urn:revmesh:problem:invalid-request',
      title: 'The request is invalid',
      status: 400,
      detail: 'invalid target',
      code: 'INVALID_REQUEST',
      instance: '/v1/revocations',
      errors: [{ field: 'target', message: 'must be one of jti, sub, client_id, sid' }, { nonsense: 1 }],
      future_member: 'ignored',
    };
    const { client } = clientAnswering({ status: 400, body: JSON.stringify(body), headers: { 'content-type': 'application/problem+json' } });
    const error = await client.request('GET', 'v1/x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiProblemError);
    const problem = error as ApiProblemError;
    expect(problem.problem).toEqual({
      type: body.type,
      title: body.title,
      status: 400,
      detail: body.detail,
      code: 'INVALID_REQUEST',
      instance: '/v1/revocations',
      errors: [{ field: 'target', message: 'must be one of jti, sub, client_id, sid' }],
    });
    expect(problem.exitCode).toBe(1);
    expect(problem.shownCode).toBe('INVALID_REQUEST');
  });

  it.each([
    [401, 4],
    [403, 4],
    [404, 5],
    [409, 1],
    [500, 1],
  ])('maps status %d to exit %d', async (status, exitCode) => {
    const { client } = clientAnswering({ status, body: JSON.stringify({ title: 't', status, code: 'X' }) });
    await expect(client.request('GET', 'v1/x')).rejects.toMatchObject({ exitCode });
  });

  it('sends a request id per request, and a failure carries the one the authority echoed', async () => {
    const { client, calls } = clientAnswering({
      status: 409,
      body: JSON.stringify({ title: 'Conflict', status: 409, code: 'CONFLICT' }),
      headers: { 'content-type': 'application/problem+json', 'x-request-id': 'echoed-id' },
    });
    const error = (await client.request('POST', 'v1/x', {}).catch((e: unknown) => e)) as ApiProblemError;

    expect((calls[0]!.init.headers as Record<string, string>)['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.requestId).toBe('echoed-id');
  });

  it('reads Retry-After (seconds) of a throttled answer', async () => {
    const { client } = clientAnswering({
      status: 429,
      body: JSON.stringify({ title: 'Too many', status: 429, code: 'LOGIN_THROTTLED' }),
      headers: { 'retry-after': '30' },
    });
    const error = (await client.request('POST', 'v1/login', {}).catch((e: unknown) => e)) as ApiProblemError;
    expect(error.retryAfterSeconds).toBe(30);
    expect(error.exitCode).toBe(4);
  });

  it('reports a 2xx that is not JSON as unexpected', async () => {
    const { client } = clientAnswering({ status: 200, body: '<html>' });
    await expect(client.request('GET', 'v1/x')).rejects.toThrow(UnexpectedResponseError);
  });

  it('reports a network failure with the URL and the system code, never the credential', async () => {
    const { client } = clientAnswering(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND authority.example'), { code: 'ENOTFOUND' }) }));
    const error = (await client.request('GET', 'v1/keys').catch((e: unknown) => e)) as AuthorityUnreachableError;

    expect(error).toBeInstanceOf(AuthorityUnreachableError);
    expect(error.exitCode).toBe(6);
    expect(error.detail).toBe('https://authority.example/base/v1/keys: ENOTFOUND (getaddrinfo ENOTFOUND authority.example)');
    expect(error.detail).not.toContain('secret-key');
  });
});
