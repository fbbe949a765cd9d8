import { eventSignerJwkSchema, type EventSignerJwk } from '@revmesh/contracts';
import type { SidecarLogger } from '@revmesh/sidecar';

/** Where the authority publishes its event-signing public keys (trust on first use only). */
export const EVENT_SIGNERS_PATH = '/.well-known/revmesh-event-signers.json';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * Reads event signers from JSON: an array of public Ed25519 JWKs, or a JWKS `{ "keys": [...] }`.
 * Throws an `Error` naming the first problem; a private key (`d`) is refused outright, since
 * whoever holds it can forge every revocation and key event.
 */
export function parseEventSigners(json: string, source: string): EventSignerJwk[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`);
  }
  const list: unknown = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null ? (raw as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error(`${source} must be a non-empty JSON array of public JWKs, or a JWKS {"keys":[...]}`);
  }
  return list.map((jwk: unknown, i) => {
    const secret = typeof jwk === 'object' && jwk !== null ? PRIVATE_MEMBERS.find((m) => (jwk as Record<string, unknown>)[m] !== undefined) : undefined;
    if (secret) throw new Error(`${source}[${i}] contains private key material ("${secret}"); give only the public JWK (kty, crv, x, kid)`);
    const parsed = eventSignerJwkSchema.safeParse(jwk);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${source}[${i}] is not an Ed25519 public JWK: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  });
}

export interface FetchEventSignersOptions {
  readonly authorityUrl: string;
  readonly logger: SidecarLogger;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Tries while the authority is not reachable yet (it may still be booting). Default 5. */
  readonly attempts?: number;
  /** Pause between tries, ms. Default 500. */
  readonly retryDelayMs?: number;
  /** Timeout of one request, ms. Default 5000. */
  readonly timeoutMs?: number;
}

/**
 * Fetches the authority's event signers once, at boot. This is trust on first use: whoever
 * answers this request decides which events the service accepts, so the warning says to pin the
 * keys in `REVMESH_EVENT_SIGNERS` in production.
 */
export async function fetchEventSigners(options: FetchEventSignersOptions): Promise<EventSignerJwk[]> {
  const url = `${options.authorityUrl}${EVENT_SIGNERS_PATH}`;
  const doFetch = options.fetch ?? fetch;
  const attempts = options.attempts ?? 5;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let response: Response;
    try {
      response = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000), headers: { accept: 'application/json' } });
    } catch (error) {
      // Not reachable (yet): try again. Anything the authority answers is final.
      lastError = error;
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 500));
      continue;
    }
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}; set REVMESH_EVENT_SIGNERS instead`);
    const signers = parseEventSigners(await response.text(), url);
    options.logger.warn(
      'demo-api trusts the event signers the authority served at boot (trust on first use); in production pin them in REVMESH_EVENT_SIGNERS',
      { url, kids: signers.map((s) => s.kid) },
    );
    return signers;
  }
  throw new Error(`could not fetch ${url}: ${lastError instanceof Error ? lastError.message : String(lastError)}; set REVMESH_EVENT_SIGNERS instead`);
}
