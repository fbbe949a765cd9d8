export interface AuthRequestConfigOptions {
  /** Port the protected server listens on (127.0.0.1 in tests; the README's example uses 8000). */
  readonly listenPort: number;
  /** The service behind nginx, e.g. `http://127.0.0.1:3000`. */
  readonly upstreamUrl: string;
  /** `host:port` of revmesh-sidecar. */
  readonly sidecarAddress: string;
  /** revmesh-sidecar's `REVMESH_SIDECAR_AUTH_PATH`. Default `/auth`. */
  readonly authPath?: string;
  /** Claim headers to pass to the service (revmesh-sidecar's `REVMESH_SIDECAR_CLAIM_HEADERS` values). */
  readonly claimHeaders?: readonly string[];
  /** Where nginx listens: `127.0.0.1:<port>` in tests, `<port>` in the README. Default `127.0.0.1`. */
  readonly listenHost?: string | null;
}

/** `X-Revmesh-Sub` → `revmesh_sub`, nginx's variable-name form of a header. */
const variableOf = (header: string): string => header.toLowerCase().replace(/-/g, '_');

/**
 * The nginx configuration the README documents ("Services in any language"), for the inside of
 * `http { }`: every request to the server is first sent to revmesh-sidecar (`auth_request`); a
 * 200 passes the request on with the verified claims in headers (replacing any the client sent);
 * a 401/403 is answered with the sidecar's status, code header and problem+json document, and a
 * 503 (nginx turns any other sub-request status into 500) with 503.
 */
export function authRequestConfig(options: AuthRequestConfigOptions): string {
  const claims = options.claimHeaders ?? ['X-Revmesh-Sub', 'X-Revmesh-Client-Id', 'X-Revmesh-Scope'];
  const width = Math.max(...claims.map((h) => `$${variableOf(h).replace(/^x_/, '')}`.length), '$revmesh_problem'.length);
  const pad = (text: string) => text.padEnd(width + 1);
  const listen = options.listenHost === null ? `${options.listenPort}` : `${options.listenHost ?? '127.0.0.1'}:${options.listenPort}`;
  return `upstream revmesh_sidecar {
    server ${options.sidecarAddress};
    keepalive 32;
}

server {
    listen ${listen};

    location / {
        auth_request /_revmesh_auth;
        # The verified claims, from the sidecar's 200, to the service. proxy_set_header also
        # drops any header of the same name the client sent.
${claims.map((h) => `        auth_request_set ${pad(`$${variableOf(h).replace(/^x_/, '')}`)}$upstream_http_${variableOf(h)};`).join('\n')}
${claims.map((h) => `        proxy_set_header ${h} $${variableOf(h).replace(/^x_/, '')};`).join('\n')}
        # A refusal: the sidecar's status, code and problem+json document.
        auth_request_set ${pad('$revmesh_status')}$upstream_status;
        auth_request_set ${pad('$revmesh_code')}$upstream_http_x_revmesh_code;
        auth_request_set ${pad('$revmesh_problem')}$upstream_http_x_revmesh_problem;
        auth_request_set ${pad('$revmesh_nonce')}$upstream_http_dpop_nonce;
        error_page 401 403 500 = @revmesh_refused;
        proxy_pass ${options.upstreamUrl};
    }

    location = /_revmesh_auth {
        internal;
        proxy_pass http://revmesh_sidecar${options.authPath ?? '/auth'};
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-Method $request_method;
        proxy_set_header X-Original-URI $request_uri;
        # For DPoP proofs (htu): the URL as the client addressed it.
        proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }

    # nginx answers 500 for any sub-request status but 2xx/401/403: 503 (not ready, stale,
    # lockdown) is restored here from the sidecar's status.
    location @revmesh_refused {
        default_type application/problem+json;
        add_header X-Revmesh-Code $revmesh_code always;
        add_header Cache-Control no-store always;
        # A DPoP nonce the sidecar requires (RFC 9449 §9); nginx omits the header when empty.
        add_header DPoP-Nonce $revmesh_nonce always;
        if ($revmesh_status = 401) { return 401 $revmesh_problem; }
        if ($revmesh_status = 403) { return 403 $revmesh_problem; }
        return 503 $revmesh_problem;
    }
}
`;
}
