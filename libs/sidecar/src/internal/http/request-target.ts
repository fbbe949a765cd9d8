/** The request a token came with, as DPoP proofs name it (`htm`, `htu`). */
export interface RequestTarget {
  /** HTTP method, e.g. `GET`. */
  readonly method: string;
  /** The full URL as the client addressed it (`https://host/path?query`), or the path alone when the sidecar has `dpop.publicBaseUrl`. */
  readonly url: string;
  /** The `DPoP` request header(s). */
  readonly dpop?: string | readonly string[] | undefined;
}

type HeaderValue = string | readonly string[] | undefined;

/** The request headers the adapters read. */
export interface TokenRequestHeaders {
  readonly authorization?: HeaderValue;
  /** RFC 9449 proof of possession, for DPoP-bound tokens. */
  readonly dpop?: HeaderValue;
  readonly host?: HeaderValue;
}

/** What a DPoP proof's `htm`/`htu` are compared with (Express and Fastify report `protocol` honouring their trust-proxy settings). */
export interface TokenRequestLine {
  readonly headers: TokenRequestHeaders;
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly protocol?: string | undefined;
}
const first = (value: HeaderValue): string | undefined => (typeof value === 'string' ? value : value?.[0]);

/** What the adapters can read of a Node, Express or Fastify request to rebuild its URL. */
export interface UrlSource extends Omit<TokenRequestLine, 'method'> {
  /** Express `req.originalUrl` (the URL before mounting stripped a prefix). */
  readonly originalUrl?: string | undefined;
  readonly socket?: { readonly encrypted?: boolean | undefined } | undefined;
}

/**
 * The request's absolute URL: the framework's protocol (or TLS on the socket), the `Host` header,
 * and the original path and query. Without a `Host` the path alone (the sidecar's
 * `dpop.publicBaseUrl`, if set, supplies the rest; if not, a DPoP proof cannot match).
 */
export function requestUrlOf(request: UrlSource): string {
  const path = request.originalUrl ?? request.url ?? '/';
  const host = first(request.headers.host);
  if (host === undefined || host === '') return path;
  const protocol = request.protocol ?? (request.socket?.encrypted === true ? 'https' : 'http');
  return `${protocol.replace(/:$/, '')}://${host}${path}`;
}
