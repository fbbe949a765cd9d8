import { issuerUrlProblem } from '../../issuers/trusted-issuer';
import { TransmitterRequestError } from './transmitter-errors';

/** The parts of a transmitter's SSF configuration (SSF 1.0 §7.1) the receiver uses. */
export interface TransmitterMetadata {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly configuration_endpoint: string;
  readonly status_endpoint?: string;
  readonly verification_endpoint?: string;
  readonly delivery_methods_supported?: readonly string[];
}

/** A stream as the transmitter describes it (SSF 1.0 §8.1.1). */
export interface StreamConfiguration {
  readonly stream_id: string;
  readonly iss?: string;
  readonly aud?: string | readonly string[];
  readonly events_supported?: readonly string[];
  readonly events_requested?: readonly string[];
  readonly events_delivered?: readonly string[];
  readonly delivery: { readonly method: string; readonly endpoint_url?: string; readonly authorization_header?: string };
  readonly min_verification_interval?: number;
  readonly description?: string;
  readonly [member: string]: unknown;
}

/** A stream's status (SSF 1.0 §8.1.2). */
export type StreamStatus = 'enabled' | 'paused' | 'disabled';

/** Body of an RFC 8936 poll request. */
export interface PollRequest {
  readonly maxEvents?: number;
  readonly returnImmediately?: boolean;
  readonly ack?: readonly string[];
  readonly setErrs?: Readonly<Record<string, { readonly err: string; readonly description: string }>>;
}

/** Answer of an RFC 8936 poll: jti → compact SET. */
export interface PollResponse {
  readonly sets: Readonly<Record<string, string>>;
  readonly moreAvailable?: boolean;
}

export interface TransmitterClientOptions {
  readonly metadata: TransmitterMetadata;
  /** The OAuth token endpoint of the receiver's credentials (client credentials grant). */
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `scope` of the token request (Keycloak: `ssf.read ssf.manage`); none when undefined. */
  readonly scope?: string;
  readonly fetch?: typeof globalThis.fetch;
  /** Per request, ms. Default 10 s. */
  readonly timeoutMs?: number;
}

/** The transmitter's stream management API (SSF 1.0 §8), called with the receiver's credentials. */
export interface TransmitterClient {
  createStream(request: Record<string, unknown>): Promise<StreamConfiguration>;
  readStream(streamId: string): Promise<StreamConfiguration>;
  /** PATCH: the members given change, the rest stays. */
  updateStream(streamId: string, changes: Record<string, unknown>): Promise<StreamConfiguration>;
  deleteStream(streamId: string): Promise<void>;
  /** `GET status_endpoint?stream_id=`: `enabled`, `paused` or `disabled`. */
  streamStatus(streamId: string): Promise<{ readonly status: string; readonly reason?: string }>;
  /** `POST status_endpoint`: asks the transmitter to enable, pause (hold SETs) or disable (drop SETs) the stream. */
  setStreamStatus(streamId: string, status: StreamStatus, reason?: string): Promise<{ readonly status: string }>;
  /** Asks for a verification event carrying `state` (SSF 1.0 §8.1.4.2). */
  requestVerification(streamId: string, state: string): Promise<void>;
  /** One RFC 8936 poll of `endpoint` (the stream's `delivery.endpoint_url`). */
  poll(endpoint: string, request: PollRequest): Promise<PollResponse>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ANSWER_CHARS = 200;

async function call(fetcher: typeof globalThis.fetch, step: string, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetcher(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new TransmitterRequestError(step, `${url} cannot be reached (${(error as Error).message})`, undefined, { cause: error });
  }
}

async function json(step: string, response: Response, expected: readonly number[]): Promise<unknown> {
  const body = await response.text().catch(() => '');
  if (!expected.includes(response.status)) {
    // The answer's first characters help an operator (Keycloak's error_description); never a token.
    throw new TransmitterRequestError(step, `answered ${response.status} ${body.slice(0, MAX_ANSWER_CHARS)}`.trim(), response.status);
  }
  if (body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new TransmitterRequestError(step, 'answered something that is not JSON', response.status, { cause: error });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Checks a URL the transmitter gave: https, or http on a loopback host (as issuers). */
function endpoint(step: string, name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TransmitterRequestError(step, `${name} is missing`);
  const problem = issuerUrlProblem(value);
  if (problem) throw new TransmitterRequestError(step, `${name} ${problem}`);
  return value;
}

/**
 * Reads a transmitter's SSF configuration from `configUrl` (`<issuer>/.well-known/ssf-configuration`
 * or the RFC 8414 form `<origin>/.well-known/ssf-configuration/<path>`), checking that its
 * `issuer` is the one the URL names and that every endpoint is https (or loopback http).
 */
export async function discoverTransmitter(configUrl: string, options: { fetch?: typeof globalThis.fetch; timeoutMs?: number } = {}): Promise<TransmitterMetadata> {
  const step = 'ssf discovery';
  const fetcher = options.fetch ?? globalThis.fetch;
  const body = await json(step, await call(fetcher, step, endpoint(step, 'the configuration URL', configUrl), { headers: { accept: 'application/json' } }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS), [200]);
  if (!isObject(body)) throw new TransmitterRequestError(step, 'the configuration is not a JSON object');
  const issuer = endpoint(step, 'issuer', body['issuer']);
  const url = new URL(configUrl);
  const issuerUrl = new URL(issuer);
  const appended = `${issuer.replace(/\/+$/, '')}/.well-known/ssf-configuration`;
  const inserted = `${issuerUrl.origin}/.well-known/ssf-configuration${issuerUrl.pathname === '/' ? '' : issuerUrl.pathname.replace(/\/+$/, '')}`;
  const asked = `${url.origin}${url.pathname}`;
  if (asked !== appended && asked !== inserted) throw new TransmitterRequestError(step, `issuer ${issuer} is not the issuer the configuration URL belongs to`);
  const metadata: TransmitterMetadata = {
    issuer,
    jwks_uri: endpoint(step, 'jwks_uri', body['jwks_uri']),
    configuration_endpoint: endpoint(step, 'configuration_endpoint', body['configuration_endpoint']),
    ...(body['status_endpoint'] === undefined ? {} : { status_endpoint: endpoint(step, 'status_endpoint', body['status_endpoint']) }),
    ...(body['verification_endpoint'] === undefined ? {} : { verification_endpoint: endpoint(step, 'verification_endpoint', body['verification_endpoint']) }),
    ...(Array.isArray(body['delivery_methods_supported']) ? { delivery_methods_supported: body['delivery_methods_supported'].filter((m): m is string => typeof m === 'string') } : {}),
  };
  return metadata;
}

/** The token endpoint of `issuer`, from its OpenID configuration. */
export async function discoverTokenEndpoint(issuer: string, options: { fetch?: typeof globalThis.fetch; timeoutMs?: number } = {}): Promise<string> {
  const step = 'openid discovery';
  const fetcher = options.fetch ?? globalThis.fetch;
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const body = await json(step, await call(fetcher, step, url, { headers: { accept: 'application/json' } }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS), [200]);
  if (!isObject(body)) throw new TransmitterRequestError(step, 'the configuration is not a JSON object');
  return endpoint(step, 'token_endpoint', body['token_endpoint']);
}

/** A client of one transmitter's stream management API; its bearer token is cached until shortly before expiry. */
export function createTransmitterClient(options: TransmitterClientOptions): TransmitterClient {
  const fetcher = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { metadata } = options;
  let cached: { token: string; until: number } | undefined;

  async function token(): Promise<string> {
    if (cached !== undefined && Date.now() < cached.until) return cached.token;
    const step = 'receiver token';
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(options.scope === undefined ? {} : { scope: options.scope }) });
    const response = await call(
      fetcher,
      step,
      options.tokenEndpoint,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`,
        },
        body: form.toString(),
      },
      timeoutMs,
    );
    const body = await json(step, response, [200]);
    if (!isObject(body) || typeof body['access_token'] !== 'string') throw new TransmitterRequestError(step, 'the answer has no access_token');
    const lifetime = typeof body['expires_in'] === 'number' ? body['expires_in'] : 60;
    cached = { token: body['access_token'], until: Date.now() + Math.max(0, lifetime - 30) * 1000 };
    return cached.token;
  }

  async function api(step: string, method: string, url: string, expected: readonly number[], body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${await token()}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await call(fetcher, step, url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, timeoutMs);
    // A token revoked or expired early: one fresh token, one retry.
    if (response.status === 401 && cached !== undefined) {
      cached = undefined;
      return api(step, method, url, expected, body);
    }
    return json(step, response, expected);
  }

  const withStream = (base: string, streamId: string) => `${base}${base.includes('?') ? '&' : '?'}stream_id=${encodeURIComponent(streamId)}`;
  const stream = (step: string, value: unknown): StreamConfiguration => {
    if (!isObject(value) || typeof value['stream_id'] !== 'string' || !isObject(value['delivery'])) throw new TransmitterRequestError(step, 'the answer is not a stream configuration');
    return value as unknown as StreamConfiguration;
  };

  return {
    async createStream(request) {
      return stream('create stream', await api('create stream', 'POST', metadata.configuration_endpoint, [200, 201], request));
    },
    async readStream(streamId) {
      const body = await api('read stream', 'GET', withStream(metadata.configuration_endpoint, streamId), [200]);
      // Some transmitters answer a list even for one stream_id.
      return stream('read stream', Array.isArray(body) ? body.find((s) => isObject(s) && s['stream_id'] === streamId) : body);
    },
    async updateStream(streamId, changes) {
      return stream('update stream', await api('update stream', 'PATCH', metadata.configuration_endpoint, [200], { stream_id: streamId, ...changes }));
    },
    async deleteStream(streamId) {
      await api('delete stream', 'DELETE', withStream(metadata.configuration_endpoint, streamId), [200, 202, 204, 404]);
    },
    async streamStatus(streamId) {
      if (metadata.status_endpoint === undefined) throw new TransmitterRequestError('stream status', 'the transmitter has no status_endpoint');
      const body = await api('stream status', 'GET', withStream(metadata.status_endpoint, streamId), [200]);
      if (!isObject(body) || typeof body['status'] !== 'string') throw new TransmitterRequestError('stream status', 'the answer has no status');
      return { status: body['status'], ...(typeof body['reason'] === 'string' ? { reason: body['reason'] } : {}) };
    },
    async setStreamStatus(streamId, status, reason) {
      if (metadata.status_endpoint === undefined) throw new TransmitterRequestError('stream status', 'the transmitter has no status_endpoint');
      const body = await api('stream status', 'POST', metadata.status_endpoint, [200], { stream_id: streamId, status, ...(reason === undefined ? {} : { reason }) });
      return { status: isObject(body) && typeof body['status'] === 'string' ? body['status'] : status };
    },
    async requestVerification(streamId, state) {
      if (metadata.verification_endpoint === undefined) throw new TransmitterRequestError('verification', 'the transmitter has no verification_endpoint');
      await api('verification', 'POST', metadata.verification_endpoint, [200, 202, 204], { stream_id: streamId, state });
    },
    async poll(url, request) {
      const body = await api('poll', 'POST', url, [200], request);
      if (!isObject(body) || !isObject(body['sets'])) throw new TransmitterRequestError('poll', 'the answer has no sets object');
      const sets: Record<string, string> = {};
      for (const [jti, set] of Object.entries(body['sets'])) if (typeof set === 'string') sets[jti] = set;
      return { sets, ...(typeof body['moreAvailable'] === 'boolean' ? { moreAvailable: body['moreAvailable'] } : {}) };
    },
  };
}
