import { PolicyInvalidError } from '../errors/errors';
import { validatePolicy, type PolicyLimits } from '../policy/policy-validation';
import { SESSION_POLICY_DEFAULTS } from './session-policy';

const LIMITS: PolicyLimits = { accessTokenTtlSeconds: 300, prepublishLeadMs: 60_000, promotionGateTimeoutMs: 10_000 };

function fieldErrors(policy: unknown): { field: string; message: string }[] {
  try {
    validatePolicy(policy, LIMITS, 'policy');
  } catch (error) {
    if (error instanceof PolicyInvalidError) return [...error.errors];
    throw error;
  }
  return [];
}

describe('sessions, tokenExchange and introspection policy sections', () => {
  it('default to documented sessions and to nobody allowed to exchange or introspect', () => {
    const policy = validatePolicy({}, LIMITS, 'policy');
    expect(policy.sessions).toEqual(SESSION_POLICY_DEFAULTS);
    expect(policy.tokenExchange).toEqual({ rules: [] });
    expect(policy.introspection).toEqual({ clients: [] });
  });

  it('refuses an idle timeout beyond the absolute lifetime, and an access-token lifetime beyond the maximum', () => {
    expect(fieldErrors({ sessions: { idleSeconds: 7200, absoluteSeconds: 3600 } })).toEqual([{ field: 'sessions.idleSeconds', message: 'must be at most sessions.absoluteSeconds (3600 s)' }]);
    expect(fieldErrors({ tokens: { maxLifetimeSeconds: 600 }, sessions: { accessTokenLifetimeSeconds: 900 } })).toEqual([
      { field: 'sessions.accessTokenLifetimeSeconds', message: 'must be at most tokens.maxLifetimeSeconds (600 s)' },
    ]);
  });

  it('names each invalid rule field', () => {
    const errors = fieldErrors({
      sessions: { reuseGraceSeconds: 61 },
      tokenExchange: { rules: [{ clients: [], issuers: ['not a url'], audiences: ['a'] }] },
      introspection: { clients: ['bad id!'] },
    }).map((e) => e.field);
    expect(errors).toEqual(
      expect.arrayContaining(['sessions.reuseGraceSeconds', 'tokenExchange.rules[0].clients', 'tokenExchange.rules[0].issuers[0]', 'introspection.clients[0]']),
    );
  });

  it('accepts self and issuer URLs in a rule', () => {
    expect(fieldErrors({ tokenExchange: { rules: [{ clients: ['bff'], issuers: ['self', 'https://sso.example.com/realms/acme'], audiences: ['api'] }] } })).toEqual([]);
  });
});
