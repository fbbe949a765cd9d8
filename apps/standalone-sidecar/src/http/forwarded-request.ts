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

/**
 * The absolute URL the client addressed, as a DPoP proof's `htu` names it:
 * - nginx: `X-Original-URL` (the documented configuration sets `$scheme://$http_host$request_uri`);
 * - otherwise `X-Forwarded-Proto` (else the sub-request's protocol), `X-Forwarded-Host` (else
 *   `Host`, which Envoy and Traefik keep from the original request) and the original URI.
 * The sidecar's `dpop.publicBaseUrl` (file option `sidecar.dpop`), when set, replaces the scheme and host.
 */
export function originalUrl(headers: IncomingHttpHeaders, protocol: string, uri: string): string {
  const explicit = first(headers['x-original-url']);
  if (explicit !== undefined && explicit !== '') return explicit;
  const host = first(headers['x-forwarded-host']) ?? first(headers.host);
  if (host === undefined || host === '') return uri;
  const scheme = (first(headers['x-forwarded-proto']) ?? protocol).split(',')[0]!.trim();
  return `${scheme}://${host}${uri}`;
}
