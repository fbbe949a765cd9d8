import { z } from 'zod';
import { DEFAULT_ALGORITHMS, type SupportedAlgorithm } from '../verify/algorithms';
import { insecureUrlReason, keysOptionSchema, resolveKeysOption, type ParsedKeysOption, type ResolvedKeys } from './keys-option';

/** Per-issuer defaults: the revmesh authority's (keys topic) and any other OIDC issuer's. */
export const ISSUER_DEFAULTS = {
  authority: {
    algorithms: DEFAULT_ALGORITHMS,
    typ: ['at+jwt'],
    clientIdClaims: ['client_id'],
  },
  external: {
    algorithms: ['RS256', 'ES256'] as readonly SupportedAlgorithm[],
    typ: ['at+jwt', 'JWT'],
    clientIdClaims: ['client_id', 'azp'],
  },
} as const;

/** One trusted issuer after validation, with every default applied. */
export interface ResolvedIssuer {
  /** The exact `iss`. */
  readonly issuer: string;
  /**
   * True for the revmesh authority's issuer: revocations naming no issuer apply to its tokens,
   * and key revocations of the keys topic apply to its `kid`s.
   */
  readonly authority: boolean;
  readonly keys: ResolvedKeys;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly SupportedAlgorithm[];
  /** Accepted header `typ` values, as given (normalised by the verifier). */
  readonly typ: readonly string[];
  readonly allowMissingTyp: boolean;
  readonly clientIdClaims: readonly string[];
  readonly requiredClaims: readonly string[];
}

const CLAIM_NAME = z.string({ error: 'must be a claim name string' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** The schema of one entry of `options.issuers`; `algorithms` is checked with the top-level algorithm rules. */
export function issuerEntrySchema(algorithmsSchema: z.ZodType<readonly string[]>) {
  return z
    .strictObject(
      {
        issuer: z
          .string({ error: (i) => (i.input === undefined ? 'is required: the exact "iss" of the tokens, e.g. https://sso.example.com/realms/acme' : 'must be a string') })
          .min(1, 'must not be empty'),
        keys: keysOptionSchema(true).optional(),
        audience: z
          .union([z.string().min(1, 'must not be empty'), z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one audience')], {
            error: 'must be a string or an array of strings',
          })
          .optional(),
        algorithms: algorithmsSchema.optional(),
        typ: z
          .array(z.string({ error: 'must be a string such as "JWT"' }).min(1, 'must not be empty'), { error: 'must be an array of typ values, e.g. ["JWT"]' })
          .min(1, 'must list at least one typ (to accept tokens without typ, set allowMissingTyp)')
          .optional(),
        allowMissingTyp: z.boolean({ error: 'must be a boolean' }).optional(),
        clientIdClaims: z.array(CLAIM_NAME, { error: 'must be an array of claim names, e.g. ["client_id", "azp"]' }).min(1, 'must list at least one claim').optional(),
        requiredClaims: z.array(CLAIM_NAME, { error: 'must be an array of claim names' }).optional(),
      },
      { error: 'must be an object { issuer, keys, ... }' },
    )
    .superRefine((entry, ctx) => {
      if (entry.keys === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['keys'],
          message:
            "is required: say where this issuer's keys come from: { discovery: true } (OIDC discovery of <issuer>/.well-known/openid-configuration), { jwksUrl: 'https://.../jwks' } (its jwks_uri) or { jwks } (a static key set)",
        });
        return;
      }
      if (entry.keys.discovery) {
        let url: URL;
        try {
          url = new URL(entry.issuer);
        } catch {
          ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'must be an absolute URL for keys.discovery (discovery fetches <issuer>/.well-known/openid-configuration)' });
          return;
        }
        const insecure = insecureUrlReason(url, entry.keys.allowInsecureHttp === true, 'keys');
        if (insecure) ctx.addIssue({ code: 'custom', path: ['issuer'], message: `${insecure} (discovery fetches from the issuer URL)` });
      }
    });
}

/** A parsed entry of `options.issuers`. */
export type ParsedIssuerEntry = z.infer<ReturnType<typeof issuerEntrySchema>>;

/** The top-level options that describe the revmesh authority's issuer (when `issuer` is given). */
export interface TopLevelIssuer {
  readonly issuer: string | undefined;
  readonly keys: ParsedKeysOption | undefined;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly SupportedAlgorithm[];
  readonly requiredTyp: string;
}

/**
 * Cross-entry rules: distinct issuer URLs, at most one issuer on the keys topic, and an issuer at
 * all. Returns the problems as `[path, message]` pairs (paths relative to the options object).
 */
export function issuerSetProblems(issuer: string | undefined, keys: ParsedKeysOption | undefined, entries: readonly ParsedIssuerEntry[]): [readonly (string | number)[], string][] {
  const problems: [readonly (string | number)[], string][] = [];
  if (issuer === undefined && entries.length === 0) {
    problems.push([['issuer'], 'is required: the expected "iss" of the revmesh authority\'s tokens, e.g. https://auth.example.com (or list the trusted issuers in options.issuers)']);
    return problems;
  }
  const seen = new Map<string, string>();
  if (issuer !== undefined) seen.set(issuer, 'options.issuer');
  let kafkaOwner: string | undefined = issuer !== undefined && (keys === undefined || keys.source !== undefined) ? 'options.issuer' : undefined;
  entries.forEach((entry, i) => {
    const earlier = seen.get(entry.issuer);
    if (earlier) problems.push([['issuers', i, 'issuer'], `duplicate issuer ${JSON.stringify(entry.issuer)} (also ${earlier}); list each issuer once`]);
    seen.set(entry.issuer, `options.issuers.${i}`);
    if (entry.keys?.source === 'kafka') {
      if (issuer !== undefined) {
        problems.push([['issuers', i, 'keys', 'source'], 'the keys topic belongs to the revmesh authority, which is the top-level options.issuer here; remove this entry or the top-level issuer']);
      } else if (kafkaOwner) {
        problems.push([['issuers', i, 'keys', 'source'], `only one issuer can read the keys topic (already ${kafkaOwner})`]);
      }
      kafkaOwner ??= `options.issuers.${i}`;
    }
  });
  return problems;
}

/**
 * Every trusted issuer, the revmesh authority's first: the top-level `issuer` (with the top-level
 * `keys`, `algorithms` and `requiredTyp`), then each entry of `issuers` with its defaults. Call
 * only after {@link issuerSetProblems} found nothing.
 */
export function resolveIssuers(top: TopLevelIssuer, entries: readonly ParsedIssuerEntry[]): readonly ResolvedIssuer[] {
  const resolved: ResolvedIssuer[] = [];
  if (top.issuer !== undefined) {
    resolved.push({
      issuer: top.issuer,
      authority: true,
      keys: resolveKeysOption(top.keys, top.issuer),
      audience: top.audience,
      algorithms: top.algorithms,
      typ: [top.requiredTyp],
      allowMissingTyp: false,
      clientIdClaims: ISSUER_DEFAULTS.authority.clientIdClaims,
      requiredClaims: [],
    });
  }
  for (const entry of entries) {
    const authority = entry.keys?.source === 'kafka';
    const defaults = authority ? ISSUER_DEFAULTS.authority : ISSUER_DEFAULTS.external;
    resolved.push({
      issuer: entry.issuer,
      authority,
      keys: resolveKeysOption(entry.keys, entry.issuer),
      audience: entry.audience === undefined ? top.audience : typeof entry.audience === 'string' ? entry.audience : [...entry.audience],
      algorithms: entry.algorithms === undefined ? defaults.algorithms : (entry.algorithms as SupportedAlgorithm[]),
      typ: entry.typ === undefined ? defaults.typ : [...entry.typ],
      allowMissingTyp: entry.allowMissingTyp === true,
      clientIdClaims: entry.clientIdClaims === undefined ? defaults.clientIdClaims : [...entry.clientIdClaims],
      requiredClaims: [...(entry.requiredClaims ?? [])],
    });
  }
  return resolved;
}
