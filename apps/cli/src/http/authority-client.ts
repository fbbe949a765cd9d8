import { randomUUID } from 'node:crypto';
import type { AuthorityUrl } from '../config/authority-url';
import { CLI_VERSION } from '../version';
import {
  ApiProblemError,
  AuthorityUnreachableError,
  RequestTimeoutError,
  UnexpectedResponseError,
  type FieldError,
  type Problem,
} from '../errors';

/** Sent as `User-Agent`, so the authority's logs tell CLI calls from scripts. */
export const USER_AGENT = `revmesh-cli/${CLI_VERSION}`;

/** How to reach the authority. */
export interface AuthorityClientOptions {
  readonly authority: AuthorityUrl;
  /** `Authorization` header value; absent for a call that needs none. Never logged or printed. */
  readonly authorization?: string;
  readonly fetch: typeof fetch;
  /** Per request (connect + answer + body), ms. */
  readonly timeoutMs: number;
}

/** A successful (2xx) answer. */
export interface AuthorityResponse {
  readonly status: number;
  /** Parsed JSON body; undefined for an empty body. */
  readonly body: unknown;
  readonly url: string;
}

/** A successful (2xx) answer read as text (`application/x-ndjson` exports). */
export interface AuthorityTextResponse {
  readonly status: number;
  readonly text: string;
  readonly url: string;
}

/** HTTP methods the CLI uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH';

/** Small HTTP client of the authority API: JSON in, JSON out, every failure a `CliError`. */
export interface AuthorityClient {
  readonly authority: AuthorityUrl;
  /** `path` is relative to the authority URL, e.g. `v1/revocations` (segments already encoded). */
  request(method: HttpMethod, path: string, body?: unknown): Promise<AuthorityResponse>;
  /** Like {@link request}, but a 2xx body is returned as text, unparsed. */
  requestText(method: HttpMethod, path: string): Promise<AuthorityTextResponse>;
}

/** `Retry-After` in seconds (delta-seconds form only; a date is ignored). */
function retryAfterOf(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why fetch failed, from undici's `cause` (ECONNREFUSED, ENOTFOUND, a TLS error…). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (isRecord(cause) || cause instanceof Error) {
    const c = cause as { code?: unknown; message?: unknown };
    if (typeof c.code === 'string') return typeof c.message === 'string' && c.message !== '' ? `${c.code} (${c.message})` : c.code;
    if (typeof c.message === 'string' && c.message !== '') return c.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** By name, not `instanceof`: the DOMException comes from another realm under some runners (jest's vm). */
function isTimeout(error: unknown): boolean {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Reads a problem body, keeping only members of the expected types; undefined if it is not one. */
function asProblem(body: unknown, status: number, statusText: string): Problem | undefined {
  if (!isRecord(body) || typeof body['code'] !== 'string') return undefined;
  const errors = Array.isArray(body['errors'])
    ? body['errors'].flatMap((e): FieldError[] =>
        isRecord(e) && typeof e['field'] === 'string' && typeof e['message'] === 'string' ? [{ field: e['field'], message: e['message'] }] : [],
      )
    : undefined;
  return {
    ...(typeof body['type'] === 'string' ? { type: body['type'] } : {}),
    title: typeof body['title'] === 'string' && body['title'] !== '' ? body['title'] : statusText || `HTTP ${status}`,
    status: typeof body['status'] === 'number' ? body['status'] : status,
    ...(typeof body['detail'] === 'string' ? { detail: body['detail'] } : {}),
    code: body['code'],
    ...(typeof body['instance'] === 'string' ? { instance: body['instance'] } : {}),
    ...(errors === undefined || errors.length === 0 ? {} : { errors }),
  };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Creates the client. This is the one place where HTTP becomes CLI errors:
 * no answer → {@link AuthorityUnreachableError} (exit 6, naming the URL), no answer in time →
 * {@link RequestTimeoutError} (exit 3), `application/problem+json` → {@link ApiProblemError}
 * (exit 4 for 401/403, 5 for 404, else 1), anything else unexpected → {@link UnexpectedResponseError}.
 * Redirects are not followed: the credential must only go to the URL it was stored for.
 */
export function createAuthorityClient(options: AuthorityClientOptions): AuthorityClient {
  const { authority, authorization, timeoutMs } = options;
  /** One exchange; a 2xx answer is returned as text, every other outcome is thrown as a `CliError`. */
  async function exchange(method: HttpMethod, path: string, body: unknown, accept: string): Promise<AuthorityTextResponse> {
    const url = new URL(path.replace(/^\/+/, ''), authority.base).href;
    // One id per request: the authority echoes it and records it in its audit log, so a
    // failure reported by the CLI (--json: "request_id") can be found there.
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      accept,
      'user-agent': USER_AGENT,
      'x-request-id': requestId,
    };
    if (authorization !== undefined) headers['authorization'] = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';

    let status: number;
    let statusText: string;
    let text: string;
    let location: string | null;
    let retryAfter: string | null;
    let echoedId: string | null;
    try {
      const response = await options.fetch(url, {
        method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      status = response.status;
      statusText = response.statusText;
      location = response.headers.get('location');
      retryAfter = response.headers.get('retry-after');
      echoedId = response.headers.get('x-request-id');
      text = await response.text();
    } catch (error) {
      if (isTimeout(error)) throw new RequestTimeoutError(url, timeoutMs);
      throw new AuthorityUnreachableError(url, networkReason(error), { cause: error });
    }

    if (status >= 200 && status < 300) return { status, text, url };
    const parsed = parseJson(text);
    if (status >= 300 && status < 400) {
      throw new UnexpectedResponseError(
        `${method} ${url} redirected (${status}) to ${location ?? 'nowhere'}; pass the final URL with --authority (redirects are not followed with credentials)`,
      );
    }
    const problem = parsed.ok ? asProblem(parsed.value, status, statusText) : undefined;
    const context = { retryAfterSeconds: retryAfterOf(retryAfter), requestId: echoedId ?? requestId };
    if (problem !== undefined) throw new ApiProblemError(problem, url, context);
    // Not from the authority's error filter (a proxy, an old server): still mapped by status,
    // so a 404 or 401 exits with the same code whoever produced it.
    throw new ApiProblemError(
      { title: statusText || `HTTP ${status}`, status, code: `HTTP_${status}`, detail: `${method} ${url} answered ${status} without a problem body` },
      url,
      context,
    );
  }

  return {
    authority,
    async request(method, path, body) {
      const answer = await exchange(method, path, body, 'application/json, application/problem+json');
      const parsed = parseJson(answer.text);
      if (!parsed.ok) throw new UnexpectedResponseError(`${method} ${answer.url} answered ${answer.status} with a body that is not JSON`);
      return { status: answer.status, body: parsed.value, url: answer.url };
    },
    requestText: (method, path) => exchange(method, path, undefined, 'application/x-ndjson, application/json, application/problem+json'),
  };
}
