import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

/**
 * An SSF receiver written from the specifications alone (OpenID SSF 1.0, RFC 8417, RFC 8935,
 * RFC 8936, RFC 6749 client credentials) with node:http and jose: no revmesh code, so what it
 * accepts is what any standard receiver would accept.
 */

/** The members of the transmitter configuration metadata (SSF 1.0 §7.1) this receiver uses. */
export interface TransmitterConfiguration {
  readonly spec_version?: string;
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly delivery_methods_supported: readonly string[];
  readonly configuration_endpoint: string;
  readonly status_endpoint: string;
  readonly verification_endpoint: string;
  readonly authorization_schemes?: readonly { readonly spec_urn: string }[];
}

/** SSF 1.0 §7.2: "/.well-known/ssf-configuration" goes between the host and the issuer's path. */
export function ssfConfigurationUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}/.well-known/ssf-configuration${path}`;
}

/** Fetches and validates the transmitter configuration (SSF 1.0 §7.2.3: `issuer` must be the one asked for). */
export async function discoverTransmitter(issuer: string): Promise<TransmitterConfiguration> {
  const response = await fetch(ssfConfigurationUrl(issuer));
  if (response.status !== 200) throw new Error(`discovery answered ${response.status}`);
  if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) throw new Error('discovery is not application/json');
  const metadata = (await response.json()) as TransmitterConfiguration;
  if (metadata.issuer !== issuer) throw new Error(`discovery names issuer ${metadata.issuer}, not ${issuer}`);
  return metadata;
}

/** RFC 6749 §4.4 client credentials (client_secret_basic) at the token endpoint of RFC 8414 discovery. */
export async function clientCredentialsToken(issuer: string, clientId: string, clientSecret: string, scope: string): Promise<string> {
  const discovery = (await (await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || body.access_token === undefined) throw new Error(`token request answered ${response.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A JSON call of the stream management API (SSF 1.0 §8.1) with the receiver's bearer token. */
export async function managementCall(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** A SET as verified: its claims. */
export type VerifiedSet = JWTPayload & { readonly events: Record<string, Record<string, unknown>>; readonly sub_id?: Record<string, unknown>; readonly txn?: string };

/**
 * Verifies a SET as SSF 1.0 §4.1 and RFC 8417 ask: signed by a key of `jwks_uri`, `typ`
 * `secevent+jwt`, `iss` the transmitter, `aud` this receiver, no `exp`, no `sub`, exactly one event.
 */
export function setVerifier(metadata: TransmitterConfiguration, audience: string): (jwt: string) => Promise<VerifiedSet> {
  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  return async (jwt) => {
    const { payload } = await jwtVerify(jwt, jwks, { issuer: metadata.issuer, audience, typ: 'secevent+jwt', requiredClaims: ['jti', 'iat', 'events'] });
    if ('exp' in payload) throw new Error('a SET must not carry exp');
    if ('sub' in payload) throw new Error('an SSF SET must not carry a top-level sub');
    const events = payload['events'];
    if (typeof events !== 'object' || events === null || Object.keys(events).length !== 1) throw new Error('a SET carries exactly one event');
    return payload as VerifiedSet;
  };
}

/**
 * An RFC 8935 push endpoint: `POST /events` with `Authorization` the stream's header, body one
 * SET (`application/secevent+jwt`); 202 when it verifies, 400 with an RFC 8935 §2.3 error
 * otherwise. `mode` makes it unavailable (503) without closing it; `stop` closes it (connection refused).
 */
export class SpecPushReceiver {
  readonly received: VerifiedSet[] = [];
  /** When each of `received` arrived (epoch ms), same order. */
  readonly receivedAt: number[] = [];
  readonly refusals: { err: string; description: string }[] = [];
  /** Requests answered 503 while `mode` was 'unavailable'. */
  unavailableAnswers = 0;
  mode: 'accepting' | 'unavailable' = 'accepting';
  verify: ((jwt: string) => Promise<VerifiedSet>) | undefined;
  private server: Server | undefined;
  private port = 0;

  constructor(readonly authorization: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Listens (on the same port as before after a `stop`). */
  async start(): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const refuse = (status: number, err: string, description: string): void => {
      this.refusals.push({ err, description });
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ err, description }));
    };
    if (this.mode === 'unavailable') {
      this.unavailableAnswers += 1;
      response.writeHead(503).end();
      return;
    }
    if (request.method !== 'POST' || request.url !== '/events') return void response.writeHead(404).end();
    if (request.headers['authorization'] !== this.authorization) return refuse(401, 'authentication_failed', 'wrong authorization header');
    if (request.headers['content-type'] !== 'application/secevent+jwt') return refuse(400, 'invalid_request', 'not application/secevent+jwt');
    if (this.verify === undefined) return refuse(400, 'invalid_request', 'no stream configured yet');
    try {
      this.received.push(await this.verify(Buffer.concat(chunks).toString('utf8')));
      this.receivedAt.push(Date.now());
    } catch (error) {
      return refuse(400, 'invalid_key', String(error));
    }
    response.writeHead(202).end();
  }
}

/** One RFC 8936 poll: `ack`s what it was given, returns what is pending. */
export async function poll(endpointUrl: string, token: string, request: { ack?: readonly string[]; maxEvents?: number; returnImmediately?: boolean }): Promise<{ sets: Record<string, string>; moreAvailable?: boolean }> {
  const { status, body } = await managementCall('POST', endpointUrl, token, request);
  if (status !== 200) throw new Error(`poll answered ${status}: ${JSON.stringify(body)}`);
  return body as { sets: Record<string, string>; moreAvailable?: boolean };
}
