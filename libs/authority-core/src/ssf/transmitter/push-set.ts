import { SET_MEDIA_TYPE } from '../set-types';
import type { Milliseconds } from '../../time/clock';

/** What one push (RFC 8935 §2) came to. */
export type PushOutcome =
  /** 202 (any 2xx): the receiver has it. */
  | { readonly kind: 'delivered' }
  /** 400: the receiver refused this SET (RFC 8935 §2.3 `err`); sending it again would not help. */
  | { readonly kind: 'refused'; readonly err: string; readonly description: string }
  /** Anything else (no answer, timeout, 401/403, 429, 5xx): try again later. */
  | { readonly kind: 'retry'; readonly error: string };

/** The `fetch` the pusher uses; injected in tests. */
export type PushFetch = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' }) => Promise<{
  readonly status: number;
  text(): Promise<string>;
}>;

/** RFC 8935 §2.3 error codes, kept as the receiver sent them when they are well-formed. */
function refusal(body: string): { err: string; description: string } {
  try {
    const parsed = JSON.parse(body) as { err?: unknown; description?: unknown };
    const err = typeof parsed.err === 'string' && /^[a-z_]{1,64}$/.test(parsed.err) ? parsed.err : 'invalid_request';
    const description = typeof parsed.description === 'string' ? parsed.description.slice(0, 300) : '';
    return { err, description };
  } catch {
    return { err: 'invalid_request', description: '' };
  }
}

/**
 * Pushes one SET: `POST endpoint_url` with `Content-Type: application/secevent+jwt`,
 * `Accept: application/json` and the stream's `authorization_header` verbatim. Redirects are
 * not followed (a SET goes only where the receiver registered). Never throws.
 */
export async function pushSet(
  fetchFn: PushFetch,
  target: { readonly endpointUrl: string; readonly authorizationHeader?: string },
  setJwt: string,
  timeoutMs: Milliseconds,
): Promise<PushOutcome> {
  const headers: Record<string, string> = { 'content-type': SET_MEDIA_TYPE, accept: 'application/json' };
  if (target.authorizationHeader !== undefined) headers['authorization'] = target.authorizationHeader;
  try {
    const response = await fetchFn(target.endpointUrl, { method: 'POST', headers, body: setJwt, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
    if (response.status === 400) return { kind: 'refused', ...refusal(body) };
    return { kind: 'retry', error: `HTTP ${response.status}` };
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    return { kind: 'retry', error: name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `cannot reach the receiver (${String((error as { cause?: { code?: unknown } }).cause?.code ?? name ?? 'error')})` };
  }
}
