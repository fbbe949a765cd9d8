import { z } from 'zod';
import { eventSignerJwkSchema, type EventSignerJwk } from '@revmesh/contracts';
import type { LogLevel, StalePolicy } from '@revmesh/sidecar';
import { readConfigFile } from './config-file';

/**
 * Every default of `revmesh-sidecar`, in one place (the README's "Services in any language"
 * table repeats them; keep the two in step). Sidecar settings left unset here (staleness bound,
 * clock tolerance) take the library's defaults, `SIDECAR_DEFAULTS` of `@revmesh/sidecar`.
 */
export const STANDALONE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8082,
  authPath: '/auth',
  claimHeaders: { sub: 'X-Revmesh-Sub', client_id: 'X-Revmesh-Client-Id', scope: 'X-Revmesh-Scope' },
  codeHeader: 'X-Revmesh-Code',
  trustedProxies: ['127.0.0.1', '::1'],
  topicPrefix: 'revmesh.',
  stalePolicy: 'fail-closed',
  logLevel: 'info',
  /** Longest wait on SIGTERM for in-flight requests and the sidecar to close before exiting anyway (exit 1), ms. */
  shutdownTimeoutMs: 10_000,
} as const;

/** The response header carrying the rejection's problem+json document (ASCII-only JSON), for proxies that drop the body. */
export const PROBLEM_HEADER = 'X-Revmesh-Problem';

/** The configuration of `revmesh-sidecar`, validated once at start. */
export interface StandaloneSidecarConfig {
  /** Interface to listen on. Keep it on loopback (or the pod network) next to the proxy. */
  readonly host: string;
  readonly port: number;
  /** Path of the authorization endpoint; any method, and any path below it (Envoy appends the original path). */
  readonly authPath: string;
  /**
   * **Weakens security.** A second endpoint whose answers follow `fail-open-UNSAFE` while the
   * sidecar is stale (accepted, counted and logged), for the proxy locations where availability
   * matters more than a revocation issued during the silence. The proxy picks the endpoint per
   * location, on its own normalised routing: the sidecar never decides from a forwarded URI.
   * Default: none.
   */
  readonly failOpenUnsafeAuthPath: string | undefined;
  /** Claim name → response header set on a 200 (e.g. `sub` → `X-Revmesh-Sub`). */
  readonly claimHeaders: Readonly<Record<string, string>>;
  /** Response header carrying the sidecar's code on a rejection (e.g. `TOKEN_REVOKED`). */
  readonly codeHeader: string;
  /** Addresses/CIDRs whose `X-Forwarded-For` names the client (reported with revoked tokens presented). */
  readonly trustedProxies: readonly string[];
  readonly brokers: readonly string[];
  /** The revmesh authority's issuer (its tokens' `iss`); undefined when only `issuers` are trusted. */
  readonly issuer: string | undefined;
  /**
   * Further trusted issuers (OIDC providers such as Keycloak), the library's `issuers` option as
   * given (JSON in `REVMESH_ISSUERS`, or `issuers:` in the file); validated by the library at start.
   */
  readonly issuers: readonly Readonly<Record<string, unknown>>[] | undefined;
  /** Accepted audiences: a token passes if its `aud` contains one. */
  readonly audience: readonly string[];
  /** Trust anchors: the authority's event-signing public keys. */
  readonly eventSigners: readonly EventSignerJwk[];
  readonly topicPrefix: string;
  readonly instanceId: string | undefined;
  /** Staleness bound, ms; undefined = the library default. */
  readonly maxSilenceMs: number | undefined;
  /** What the endpoint answers while stale: `fail-closed` (503 `STALE_STATE`) or `fail-open-UNSAFE`. */
  readonly stalePolicy: StalePolicy;
  /** Allowed clock skew, s; undefined = the library default. */
  readonly clockToleranceSeconds: number | undefined;
  readonly logLevel: Exclude<LogLevel, 'silent'>;
  /**
   * Further `createSidecar` options, from the file only (e.g. `algorithms`, `requiredTyp`,
   * `keys`); merged over the settings above and validated by the library at start.
   */
  readonly sidecar: Readonly<Record<string, unknown>>;
}

/** One setting: its environment variable, its field in the file, and how to fix a bad value. */
interface Variable {
  readonly env: string;
  readonly field: keyof StandaloneSidecarConfig;
  readonly fix: string;
  /** From the environment's string to the field's input; default: the string itself. */
  readonly fromEnv?: (value: string) => unknown;
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** `sub=X-Revmesh-Sub,client_id=X-Revmesh-Client-Id` → `{ sub: 'X-Revmesh-Sub', client_id: … }`. */
const pairs = (value: string): Record<string, string> => {
  const mapping: Record<string, string> = {};
  for (const item of list(value)) {
    const at = item.indexOf('=');
    if (at <= 0 || at === item.length - 1) throw new Error(`"${item}" is not claim=Header-Name`);
    mapping[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return mapping;
};

const json = (value: string): unknown => {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`is not JSON (${(error as Error).message})`);
  }
};

/** Every setting, in the README's order. */
export const VARIABLES: readonly Variable[] = [
  { env: 'REVMESH_SIDECAR_HOST', field: 'host', fix: 'an interface address, e.g. 127.0.0.1' },
  { env: 'REVMESH_SIDECAR_PORT', field: 'port', fix: 'a TCP port in 0..65535' },
  { env: 'REVMESH_SIDECAR_AUTH_PATH', field: 'authPath', fix: 'a path such as /auth (not /, /health…, /metrics; no trailing slash)' },
  {
    env: 'REVMESH_SIDECAR_FAIL_OPEN_UNSAFE_AUTH_PATH',
    field: 'failOpenUnsafeAuthPath',
    fix: 'a second path such as /auth-fail-open, outside REVMESH_SIDECAR_AUTH_PATH (weakens security: see the README)',
  },
  { env: 'REVMESH_SIDECAR_CLAIM_HEADERS', field: 'claimHeaders', fix: 'comma-separated claim=Header-Name pairs, e.g. sub=X-Revmesh-Sub,client_id=X-Revmesh-Client-Id', fromEnv: pairs },
  { env: 'REVMESH_SIDECAR_CODE_HEADER', field: 'codeHeader', fix: 'an HTTP header name, e.g. X-Revmesh-Code' },
  { env: 'REVMESH_SIDECAR_TRUSTED_PROXIES', field: 'trustedProxies', fix: 'comma-separated IPs or CIDRs of the proxies in front, e.g. 127.0.0.1,::1', fromEnv: list },
  { env: 'KAFKA_BROKERS', field: 'brokers', fix: 'comma-separated host:port, e.g. 127.0.0.1:19092', fromEnv: list },
  { env: 'REVMESH_ISSUER', field: 'issuer', fix: "the authority's issuer URL (its `iss`), e.g. http://127.0.0.1:8080" },
  {
    env: 'REVMESH_ISSUERS',
    field: 'issuers',
    fix: 'a JSON array of issuers, e.g. [{"issuer":"https://sso.example.com/realms/acme","keys":{"discovery":true},"audience":"orders-api"}]',
    fromEnv: json,
  },
  { env: 'REVMESH_AUDIENCE', field: 'audience', fix: "this service's audience(s), comma-separated, e.g. orders-api", fromEnv: list },
  { env: 'REVMESH_EVENT_SIGNERS', field: 'eventSigners', fix: 'the JSON `revmesh event-signers pin` prints: an array of public Ed25519 JWKs or {"keys":[...]}', fromEnv: json },
  { env: 'REVMESH_TOPIC_PREFIX', field: 'topicPrefix', fix: "the authority's REVMESH_TOPIC_PREFIX, e.g. revmesh." },
  { env: 'REVMESH_INSTANCE_ID', field: 'instanceId', fix: '1..200 characters' },
  { env: 'REVMESH_MAX_SILENCE_MS', field: 'maxSilenceMs', fix: 'whole milliseconds in 1000..86400000' },
  { env: 'REVMESH_STALE_POLICY', field: 'stalePolicy', fix: 'fail-closed or fail-open-UNSAFE' },
  { env: 'REVMESH_CLOCK_TOLERANCE_SECONDS', field: 'clockToleranceSeconds', fix: 'whole seconds in 0..300' },
  { env: 'REVMESH_LOG_LEVEL', field: 'logLevel', fix: 'error, warn, info or debug' },
];

/** RFC 9110 token characters. */
const headerName = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header name');
const RESERVED_PATHS = ['/health', '/metrics'];
/** `/a` is "below" `/b` when equal or under `/b/`: the endpoint at `/b` would answer it. */
const below = (path: string, base: string): boolean => path === base || path.startsWith(`${base}/`);
const endpointPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/, 'must start with / and not end with /')
  .refine((path) => !RESERVED_PATHS.some((reserved) => below(path, reserved) || below(reserved, path)), 'must not be /health… or /metrics');

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const eventSigners = z
  .unknown()
  .superRefine((value, ctx) => {
    // Its own message: "unrecognized key" would not say why a private key must not be here.
    const list: unknown = Array.isArray(value) ? value : (value as { keys?: unknown } | null)?.keys;
    const member = Array.isArray(list)
      ? list.flatMap((jwk: unknown) => (typeof jwk === 'object' && jwk !== null ? PRIVATE_MEMBERS.filter((m) => m in jwk) : []))[0]
      : undefined;
    if (member !== undefined) {
      ctx.addIssue({ code: 'custom', message: `contains private key material ("${member}"): give only the public JWKs (whoever holds the private key can forge every event)` });
    }
  })
  .pipe(
    z.union([z.array(eventSignerJwkSchema).min(1, 'must list at least one event signer'), z.strictObject({ keys: z.array(eventSignerJwkSchema).min(1, 'must list at least one event signer') })], {
    error: 'must be a non-empty array of public Ed25519 JWKs (kty, crv, x, kid; no private "d") or {"keys":[...]}',
  })
      .transform((value) => (Array.isArray(value) ? value : value.keys)),
  );

const schema = z
  .strictObject({
    host: z.string().min(1).default(STANDALONE_DEFAULTS.host),
    port: z.coerce.number().int().min(0).max(65535).default(STANDALONE_DEFAULTS.port),
    authPath: endpointPath.default(STANDALONE_DEFAULTS.authPath),
    failOpenUnsafeAuthPath: endpointPath.optional(),
    claimHeaders: z.record(z.string().min(1), headerName).default({ ...STANDALONE_DEFAULTS.claimHeaders }),
    codeHeader: headerName.default(STANDALONE_DEFAULTS.codeHeader),
    trustedProxies: z.array(z.string().min(1)).default([...STANDALONE_DEFAULTS.trustedProxies]),
    brokers: z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'must be host:port')).min(1, 'must name at least one broker'),
    issuer: z.url({ error: 'must be a URL' }).optional(),
    issuers: z.array(z.record(z.string(), z.unknown()), { error: 'must be an array of issuer objects' }).min(1, 'must list at least one issuer').optional(),
    audience: z.union([z.string().min(1).transform((a) => [a]), z.array(z.string().min(1)).min(1)], { error: 'must be one or more audiences' }),
    eventSigners,
    topicPrefix: z.string().default(STANDALONE_DEFAULTS.topicPrefix),
    instanceId: z.string().min(1).max(200).optional(),
    maxSilenceMs: z.coerce.number().int().min(1000).max(86_400_000).optional(),
    stalePolicy: z.enum(['fail-closed', 'fail-open-UNSAFE']).default(STANDALONE_DEFAULTS.stalePolicy),
    clockToleranceSeconds: z.coerce.number().int().min(0).max(300).optional(),
    logLevel: z.enum(['error', 'warn', 'info', 'debug']).default(STANDALONE_DEFAULTS.logLevel),
    sidecar: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((config, ctx) => {
    const open = config.failOpenUnsafeAuthPath;
    if (open !== undefined && (below(open, config.authPath) || below(config.authPath, open))) {
      ctx.addIssue({ code: 'custom', path: ['failOpenUnsafeAuthPath'], message: `must lie outside the auth path ${config.authPath} (and it outside this one)` });
    }
    // Every header the endpoint sets must be distinct, or one value would silently replace another.
    const seen = new Map<string, string>([[PROBLEM_HEADER.toLowerCase(), PROBLEM_HEADER]]);
    const entries: [string, string, (string | number)[]][] = [
      ['codeHeader', config.codeHeader, ['codeHeader']],
      ...Object.entries(config.claimHeaders).map(([claim, header]): [string, string, (string | number)[]] => [`claimHeaders.${claim}`, header, ['claimHeaders', claim]]),
    ];
    for (const [what, header, path] of entries) {
      const previous = seen.get(header.toLowerCase());
      if (previous !== undefined) ctx.addIssue({ code: 'custom', path, message: `${what}: header ${header} is already used (${previous})` });
      seen.set(header.toLowerCase(), what);
    }
  });

/**
 * Reads the configuration: the file named by `REVMESH_SIDECAR_CONFIG_FILE` (optional), then the
 * environment over it. Throws one `Error` listing every problem, each naming the variable (and
 * the file field) and the fix.
 */
export function loadStandaloneConfig(env: NodeJS.ProcessEnv, read?: (path: string) => string): StandaloneSidecarConfig {
  const filePath = env['REVMESH_SIDECAR_CONFIG_FILE'];
  const file = filePath ? readConfigFile(filePath, read) : {};
  const merged: Record<string, unknown> = { ...file };
  const fromEnv = new Set<string>();
  /** Fields whose variable could not be read: already reported, not again as "required". */
  const unreadable = new Set<string>();
  const problems: string[] = [];
  for (const variable of VARIABLES) {
    const raw = env[variable.env];
    if (raw === undefined || raw === '') continue;
    try {
      merged[variable.field] = variable.fromEnv ? variable.fromEnv(raw) : raw;
      fromEnv.add(variable.field);
    } catch (error) {
      problems.push(`  ${variable.env}: ${(error as Error).message}; use ${variable.fix}`);
      unreadable.add(variable.field);
    }
  }
  // Checked here, not in the schema, so it is reported along with every other problem.
  if (merged['issuer'] === undefined && merged['issuers'] === undefined && !unreadable.has('issuers')) {
    problems.push('  REVMESH_ISSUER (or "issuer" in REVMESH_SIDECAR_CONFIG_FILE): is required (unless issuers are given); use the authority\'s issuer URL (its `iss`), e.g. http://127.0.0.1:8080');
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      if (unreadable.has(field)) continue;
      const variable = VARIABLES.find((v) => v.field === field);
      const where = issue.path.join('.');
      const source =
        variable === undefined
          ? `${filePath ?? 'config file'}: ${where || '(root)'}`
          : fromEnv.has(field)
            ? variable.env
            : field in file
              ? `${filePath}: ${where}`
              : `${variable.env} (or "${field}" in REVMESH_SIDECAR_CONFIG_FILE)`;
      const message = merged[field] === undefined && issue.path.length === 1 && issue.code !== 'custom' ? 'is required' : issue.message;
      problems.push(`  ${source}: ${message}${variable ? `; use ${variable.fix}` : ''}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new Error(`invalid revmesh-sidecar configuration:\n${problems.join('\n')}`);
  const c = parsed.data;
  return { ...c, failOpenUnsafeAuthPath: c.failOpenUnsafeAuthPath, issuer: c.issuer, issuers: c.issuers, instanceId: c.instanceId, maxSilenceMs: c.maxSilenceMs, clockToleranceSeconds: c.clockToleranceSeconds };
}
