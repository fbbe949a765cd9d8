import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyObject } from 'jose';
import type { PollRequest } from './transmitter-client';

/** An in-memory SSF transmitter behind a `fetch`: discovery, token endpoint, stream API, poll. */
export interface FakeTransmitter {
  readonly issuer: string;
  readonly configUrl: string;
  readonly fetch: typeof globalThis.fetch;
  readonly jwks: { keys: JWK[] };
  /** Stream creation requests received. */
  readonly created: Record<string, unknown>[];
  readonly deleted: string[];
  readonly verifications: { stream_id: string; state: string }[];
  /** Poll requests received. */
  readonly polls: PollRequest[];
  /** PATCH bodies of the stream management API received. */
  readonly patches: Record<string, unknown>[];
  /** SETs waiting for a poll, by jti. */
  readonly queue: Map<string, string>;
  /** A SET signed with the transmitter's key (or `signer`) for the current stream. */
  sign(claims: JWTPayload, options?: { signer?: KeyObject; typ?: string }): Promise<string>;
  readonly streamAud: string;
}

export async function createFakeTransmitter(issuer = 'https://sso.example.test/realms/acme'): Promise<FakeTransmitter> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'fake-1', alg: 'RS256', use: 'sig' }] };
  const streamId = 'stream-1';
  const streamAud = `revmesh-receiver/${streamId}`;
  const created: Record<string, unknown>[] = [];
  const deleted: string[] = [];
  const verifications: { stream_id: string; state: string }[] = [];
  const polls: PollRequest[] = [];
  const queue = new Map<string, string>();
  let stream: Record<string, unknown> | undefined;
  let status = 'enabled';
  const patches: Record<string, unknown>[] = [];
  const json = (status: number, body: unknown) => new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const body = typeof init.body === 'string' ? init.body : undefined;
    const authorized = new Headers(init.headers).get('authorization') === 'Bearer receiver-token';
    if (path === '/realms/acme/.well-known/ssf-configuration') {
      return json(200, {
        spec_version: '1_0',
        issuer,
        jwks_uri: `${issuer}/certs`,
        configuration_endpoint: `${issuer}/ssf/streams`,
        status_endpoint: `${issuer}/ssf/streams/status`,
        verification_endpoint: `${issuer}/ssf/verify`,
        delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
      });
    }
    if (path === '/realms/acme/.well-known/openid-configuration') return json(200, { issuer, token_endpoint: `${issuer}/token` });
    if (path === '/realms/acme/certs') return json(200, jwks);
    if (path === '/realms/acme/token') {
      const basic = new Headers(init.headers).get('authorization');
      if (basic !== `Basic ${Buffer.from('revmesh-receiver:receiver-secret').toString('base64')}`) return json(401, { error: 'invalid_client' });
      return json(200, { access_token: 'receiver-token', expires_in: 300 });
    }
    if (!authorized) return json(401, undefined);
    if (path === '/realms/acme/ssf/streams' && method === 'POST') {
      const request = JSON.parse(body ?? '{}') as { delivery: Record<string, unknown> };
      created.push(request);
      const delivery = request.delivery['method'] === 'urn:ietf:rfc:8936' ? { method: 'urn:ietf:rfc:8936', endpoint_url: `${issuer}/ssf/poll/${streamId}` } : request.delivery;
      stream = { stream_id: streamId, iss: issuer, aud: [streamAud], delivery, events_delivered: request['events_requested' as keyof typeof request] };
      return json(201, stream);
    }
    if (path === '/realms/acme/ssf/streams' && method === 'GET') return stream ? json(200, stream) : json(404, undefined);
    if (path === '/realms/acme/ssf/streams' && method === 'PATCH') {
      const changes = JSON.parse(body ?? '{}') as Record<string, unknown>;
      patches.push(changes);
      if (stream === undefined || changes['stream_id'] !== streamId) return json(404, undefined);
      const { stream_id: _id, ...rest } = changes;
      stream = { ...stream, ...rest };
      return json(200, stream);
    }
    if (path === '/realms/acme/ssf/streams' && method === 'DELETE') {
      deleted.push(url.searchParams.get('stream_id') ?? '');
      stream = undefined;
      return json(204, undefined);
    }
    if (path === '/realms/acme/ssf/streams/status' && method === 'POST') {
      const request = JSON.parse(body ?? '{}') as { status: string; reason?: string };
      status = request.status;
      return json(200, { stream_id: streamId, status, ...(request.reason === undefined ? {} : { reason: request.reason }) });
    }
    if (path === '/realms/acme/ssf/streams/status') return json(200, { stream_id: streamId, status });
    if (path === '/realms/acme/ssf/verify') {
      verifications.push(JSON.parse(body ?? '{}') as { stream_id: string; state: string });
      return json(204, undefined);
    }
    if (path === `/realms/acme/ssf/poll/${streamId}`) {
      const request = JSON.parse(body ?? '{}') as PollRequest;
      polls.push(request);
      for (const jti of request.ack ?? []) queue.delete(jti);
      for (const jti of Object.keys(request.setErrs ?? {})) queue.delete(jti);
      const sets = Object.fromEntries([...queue.entries()].slice(0, request.maxEvents ?? 100));
      return json(200, { sets, moreAvailable: queue.size > Object.keys(sets).length });
    }
    return json(404, undefined);
  }) as typeof globalThis.fetch;

  return {
    issuer,
    configUrl: `${issuer}/.well-known/ssf-configuration`,
    fetch,
    jwks,
    created,
    deleted,
    verifications,
    polls,
    patches,
    queue,
    streamAud,
    sign: (claims, options = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: options.typ ?? 'secevent+jwt', kid: 'fake-1' }).sign(options.signer ?? pair.privateKey),
  };
}
