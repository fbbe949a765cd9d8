import { claimOfTarget, denyRuleMatches, killSwitchCutCovers, type DeniableClaims } from './deny-rule-match';

const token: DeniableClaims = { jti: 'j1', sub: 'alice', client_id: 'web', sid: 's1', jkt: 'k1', iat: 1_000 };
const NOW = 5_000_000;
const rule = (type: 'jti' | 'sub' | 'client_id' | 'sid' | 'jkt', value: string, notAfterIat = 1_000, expiresAt = NOW + 1) => ({
  target: { type, value },
  notAfterIat,
  expiresAt,
});

describe('denyRuleMatches', () => {
  it.each(['jti', 'sub', 'client_id', 'sid', 'jkt'] as const)('a %s rule matches the token whose claim equals its value, issued at its cut', (type) => {
    expect(denyRuleMatches(rule(type, claimOfTarget(type, token)!), token, NOW)).toBe(true);
    expect(denyRuleMatches(rule(type, 'someone-else'), token, NOW)).toBe(false);
  });

  it('a cut rule spares a token issued after it; a jti rule denies its token whatever the cut', () => {
    expect(denyRuleMatches(rule('sub', 'alice', 999), token, NOW)).toBe(false);
    expect(denyRuleMatches(rule('jti', 'j1', 0), token, NOW)).toBe(true);
  });

  it('an expired rule matches nothing', () => {
    expect(denyRuleMatches(rule('jti', 'j1', 1_000, NOW), token, NOW)).toBe(false);
  });

  it('sid and jkt rules never match a token without the claim', () => {
    const bare: DeniableClaims = { jti: 'j1', sub: 'alice', client_id: 'web', iat: 1_000 };
    expect(denyRuleMatches(rule('sid', 's1'), bare, NOW)).toBe(false);
    expect(denyRuleMatches(rule('jkt', 'k1'), bare, NOW)).toBe(false);
  });

  it('matches values exactly (no case folding, no prefix)', () => {
    expect(denyRuleMatches(rule('sub', 'Alice'), token, NOW)).toBe(false);
    expect(denyRuleMatches(rule('sub', 'alic'), token, NOW)).toBe(false);
  });
});

describe('killSwitchCutCovers', () => {
  it('covers tokens issued at or before the cut only', () => {
    expect(killSwitchCutCovers(1_000, 1_000)).toBe(true);
    expect(killSwitchCutCovers(1_000, 1_001)).toBe(false);
  });
});
