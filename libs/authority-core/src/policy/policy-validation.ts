import type { z } from 'zod';
import { PolicyInvalidError, type PolicyFieldError } from '../errors/errors';
import type { Milliseconds, Seconds } from '../time/clock';
import { sessionPolicyErrors } from '../sessions/session-policy';
import { commsPolicyErrors } from '../comms/comms-policy';
import { policyDocumentSchema, type PolicyDocument } from './policy-document';

/**
 * The authority's own settings a policy must fit in (from its environment): checked together
 * with the schema, so a policy that would be silently capped or could never work is refused.
 */
export interface PolicyLimits {
  /** REVMESH_ACCESS_TOKEN_TTL_SECONDS: ceiling of every per-audience lifetime (key retirement waits for it). */
  readonly accessTokenTtlSeconds: Seconds;
  /** A standby must have been published this long before it is promoted: the period must be longer. */
  readonly prepublishLeadMs: Milliseconds;
  /** A rotation may wait this long at the promotion gate: the period must be longer. */
  readonly promotionGateTimeoutMs: Milliseconds;
}

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `approvals.windowSeconds`, `tokens.audiences["api.v1"].lifetimeSeconds`, `approvals.requiredFor[2]`. */
export function policyFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && SIMPLE_KEY.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out === '' ? '(policy)' : out;
}

function bound(issue: { origin?: string; inclusive?: boolean }, n: unknown, least: boolean): string {
  const size = issue.origin === 'string' ? ' characters' : issue.origin === 'array' || issue.origin === 'set' ? ' entries' : '';
  const verb = issue.origin === 'string' || issue.origin === 'array' ? 'have' : 'be';
  if (issue.inclusive === false) return `must ${verb} ${least ? 'more' : 'less'} than ${String(n)}${size}`;
  return `must ${verb} at ${least ? 'least' : 'most'} ${String(n)}${size}`;
}

/** One message per zod issue, in words an operator editing a YAML file understands. */
function message(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return bound(issue, issue.minimum, true);
    case 'too_big':
      return bound(issue, issue.maximum, false);
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int') return 'must be a whole number';
      return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_key':
      return `is not a valid name: ${issue.issues.map(message).join('; ')}`;
    default:
      return issue.message;
  }
}

/** Turns zod issues into one `{field, message}` per offending field (each unknown key its own). */
export function policyFieldErrors(issues: readonly z.core.$ZodIssue[]): PolicyFieldError[] {
  return issues.flatMap((issue): PolicyFieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: policyFieldPath([...issue.path, key]), message: 'is not a known field' }))
      : [{ field: policyFieldPath(issue.path), message: message(issue) }],
  );
}

/** Rules spanning the policy and the authority's settings. */
export function crossFieldErrors(policy: PolicyDocument, limits: PolicyLimits): PolicyFieldError[] {
  const errors: PolicyFieldError[] = [];
  const max = policy.tokens.maxLifetimeSeconds;
  errors.push(...sessionPolicyErrors(policy.sessions, max));
  errors.push(...commsPolicyErrors(policy.comms));
  if (limits.accessTokenTtlSeconds > max) {
    errors.push({
      field: 'tokens.maxLifetimeSeconds',
      message: `must be at least the access-token TTL (REVMESH_ACCESS_TOKEN_TTL_SECONDS = ${limits.accessTokenTtlSeconds} s), or lower that TTL`,
    });
  }
  for (const [audience, { lifetimeSeconds }] of Object.entries(policy.tokens.audiences)) {
    if (lifetimeSeconds > max) {
      errors.push({
        field: policyFieldPath(['tokens', 'audiences', audience, 'lifetimeSeconds']),
        message: `must be at most tokens.maxLifetimeSeconds (${max} s)`,
      });
      continue;
    }
    if (lifetimeSeconds > limits.accessTokenTtlSeconds) {
      errors.push({
        field: policyFieldPath(['tokens', 'audiences', audience, 'lifetimeSeconds']),
        message:
          `must be at most the access-token TTL (REVMESH_ACCESS_TOKEN_TTL_SECONDS = ${limits.accessTokenTtlSeconds} s): ` +
          'retiring keys are kept only that long',
      });
    }
  }
  if (policy.clients.secretOverlapSeconds > policy.clients.maxSecretOverlapSeconds) {
    errors.push({
      field: 'clients.secretOverlapSeconds',
      message: `must be at most clients.maxSecretOverlapSeconds (${policy.clients.maxSecretOverlapSeconds} s)`,
    });
  }
  const period = policy.rotation.periodSeconds;
  if (period !== undefined) {
    const periodMs = period * 1000;
    if (periodMs <= limits.prepublishLeadMs) {
      errors.push({
        field: 'rotation.periodSeconds',
        message: `must be longer than the pre-publish lead (REVMESH_KEY_PREPUBLISH_LEAD_SECONDS = ${limits.prepublishLeadMs / 1000} s)`,
      });
    }
    if (periodMs <= limits.promotionGateTimeoutMs) {
      errors.push({
        field: 'rotation.periodSeconds',
        message: `must be longer than the promotion gate timeout (REVMESH_PROMOTION_GATE_TIMEOUT_MS = ${limits.promotionGateTimeoutMs} ms)`,
      });
    }
  }
  return errors;
}

/**
 * Validates a policy (already parsed from YAML/JSON) against the schema and `limits`, filling in
 * every default.
 *
 * @param source names the policy in errors: the file path, or `policy` for an API body.
 * @throws {PolicyInvalidError} listing every invalid field.
 */
export function validatePolicy(input: unknown, limits: PolicyLimits, source: string): PolicyDocument {
  // reportInput: tells a missing field ("is required") from a wrong type.
  const parsed = policyDocumentSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new PolicyInvalidError(source, policyFieldErrors(parsed.error.issues));
  const errors = crossFieldErrors(parsed.data, limits);
  if (errors.length > 0) throw new PolicyInvalidError(source, errors);
  return parsed.data;
}
