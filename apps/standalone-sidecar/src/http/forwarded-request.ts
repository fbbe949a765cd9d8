import type { IncomingHttpHeaders } from 'node:http';

/** The request the proxy is asking about, as far as its sub-request tells. */
export interface OriginalRequest {
  readonly method: string;
  readonly uri: string;
}

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Where each proxy puts the original request:
 * - Traefik `ForwardAuth`: `X-Forwarded-Method` and `X-Forwarded-Uri`;
 * - nginx `auth_request`: nothing by default; the documented configuration sets
 *   `X-Original-Method $request_method` and `X-Original-URI $request_uri`;
 * - Envoy HTTP `ext_authz`: the sub-request itself has the original method, and its path is the
 *   original path appended to the configured `path_prefix` (here: the auth path).
 */
export function originalRequest(headers: IncomingHttpHeaders, method: string, url: string, authPath: string): OriginalRequest {
  const forwardedUri = first(headers['x-forwarded-uri']) ?? first(headers['x-original-uri']);
  const below = url.startsWith(authPath) ? url.slice(authPath.length) : url;
  return {
    method: first(headers['x-forwarded-method']) ?? first(headers['x-original-method']) ?? method,
    uri: forwardedUri ?? (below === '' || below.startsWith('?') ? `/${below}` : below),
  };
}
