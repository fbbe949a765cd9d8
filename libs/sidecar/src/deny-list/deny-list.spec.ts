import { createDenyList, type DenyList, type DenyRule, type LiveEviction } from './deny-list';

const T0 = 1_750_000_000_000; // epoch ms
const HOUR = 3_600_000;

function setup(overrides: { maxEntries?: number; maxRuleTtlMs?: number } = {}) {
  let now = T0;
  const evictions: LiveEviction[] = [];
  const denyList = createDenyList({
    maxEntries: overrides.maxEntries ?? 1000,
    maxRuleTtlMs: overrides.maxRuleTtlMs ?? 24 * HOUR,
    clock: () => now,
    onLiveEviction: (e) => evictions.push(e),
  });
  return {
    denyList,
    evictions,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

const nowSeconds = (ms: number) => Math.floor(ms / 1000);

function rule(type: DenyRule['target']['type'], value: string, extra: Partial<DenyRule> = {}): DenyRule {
  return {
    revocationId: `rev-${type}-${value}`,
    target: { type, value },
    notAfterIat: nowSeconds(T0),
    expiresAt: T0 + HOUR,
    ...extra,
  };
}

const token = (overrides: Partial<{ jti: string; sub: string; client_id: string; sid: string; iat: number }> = {}) => ({
  jti: 'jti-1',
  sub: 'alice',
  client_id: 'client-1',
  sid: 'session-1',
  iat: nowSeconds(T0) - 60,
  ...overrides,
});

describe('deny list', () => {
  describe('matching', () => {
    let denyList: DenyList;
    beforeEach(() => {
      ({ denyList } = setup());
    });

    it('denies exactly the revoked jti, whatever its iat', () => {
      denyList.apply(rule('jti', 'jti-1'));
      expect(denyList.match(token({ iat: nowSeconds(T0) + 3600 }))).toEqual({ revocationId: 'rev-jti-jti-1', target: 'jti' });
      expect(denyList.match(token({ jti: 'jti-2' }))).toBeUndefined();
    });

    it.each(['sub', 'client_id', 'sid'] as const)('denies %s tokens issued at or before not_after_iat, and accepts later ones', (type) => {
      const cutoff = nowSeconds(T0);
      denyList.apply(rule(type, type === 'sub' ? 'alice' : type === 'client_id' ? 'client-1' : 'session-1', { notAfterIat: cutoff }));
      expect(denyList.match(token({ iat: cutoff - 1 }))?.target).toBe(type);
      // The boundary: a token issued in the revocation second itself is denied (iat <= T).
      expect(denyList.match(token({ iat: cutoff }))?.target).toBe(type);
      expect(denyList.match(token({ iat: cutoff + 1 }))).toBeUndefined();
    });

    it('does not match other values of the same claim', () => {
      denyList.apply(rule('sub', 'alice'));
      denyList.apply(rule('client_id', 'client-1'));
      denyList.apply(rule('sid', 'session-1'));
      expect(denyList.match(token({ sub: 'bob', client_id: 'client-2', sid: 'session-2' }))).toBeUndefined();
    });

    it('ignores sid rules for a token without sid', () => {
      denyList.apply(rule('sid', 'session-1'));
      expect(denyList.match({ ...token(), sid: undefined })).toBeUndefined();
    });

    it('keeps the later cut-off when a target is revoked twice, in either order', () => {
      const early = nowSeconds(T0) - 100;
      const late = nowSeconds(T0);
      denyList.apply(rule('sub', 'alice', { revocationId: 'late', notAfterIat: late }));
      expect(denyList.apply(rule('sub', 'alice', { revocationId: 'early', notAfterIat: early }))).toBe('merged');
      expect(denyList.match(token({ iat: late }))).toEqual({ revocationId: 'late', target: 'sub' });

      denyList.apply(rule('sub', 'bob', { revocationId: 'early', notAfterIat: early }));
      denyList.apply(rule('sub', 'bob', { revocationId: 'late', notAfterIat: late }));
      expect(denyList.match(token({ sub: 'bob', iat: late }))).toEqual({ revocationId: 'late', target: 'sub' });
      expect(denyList.size).toBe(2);
    });

    it('is idempotent: applying the same rule again changes nothing', () => {
      expect(denyList.apply(rule('jti', 'jti-1'))).toBe('stored');
      expect(denyList.apply(rule('jti', 'jti-1'))).toBe('merged');
      expect(denyList.size).toBe(1);
      expect(denyList.match(token())?.revocationId).toBe('rev-jti-jti-1');
    });
  });

  describe('expiry', () => {
    it('drops a rule at its expires_at (injected clock, no timers)', () => {
      const { denyList, advance } = setup();
      denyList.apply(rule('jti', 'jti-1', { expiresAt: T0 + 10_000 }));
      advance(9_999);
      expect(denyList.match(token())).toBeDefined();
      advance(1);
      expect(denyList.match(token())).toBeUndefined();
    });

    it('does not store a rule that has already expired', () => {
      const { denyList } = setup();
      expect(denyList.apply(rule('sub', 'alice', { expiresAt: T0 - 1 }))).toBe('expired');
      expect(denyList.apply(rule('sub', 'alice', { expiresAt: T0 }))).toBe('expired');
      expect(denyList.size).toBe(0);
      expect(denyList.match(token())).toBeUndefined();
    });

    it('caps any rule at the longest token lifetime, whatever expires_at says', () => {
      const { denyList, advance } = setup({ maxRuleTtlMs: 60_000 });
      denyList.apply(rule('jti', 'jti-1', { expiresAt: T0 + 365 * 24 * HOUR }));
      advance(59_999);
      expect(denyList.match(token())).toBeDefined();
      advance(1);
      expect(denyList.match(token())).toBeUndefined();
    });

    it('a merged rule lives as long as the longer-lived of the two', () => {
      const { denyList, advance } = setup();
      denyList.apply(rule('sub', 'alice', { revocationId: 'a', expiresAt: T0 + 20_000 }));
      denyList.apply(rule('sub', 'alice', { revocationId: 'b', expiresAt: T0 + 10_000 }));
      advance(15_000);
      expect(denyList.match(token())?.revocationId).toBe('a');
    });
  });

  describe('overflow', () => {
    it('fails closed when a live rule must be evicted, until that rule would have expired', () => {
      const { denyList, evictions, advance } = setup({ maxEntries: 2 });
      denyList.apply(rule('jti', 'a', { expiresAt: T0 + 10_000 }));
      denyList.apply(rule('jti', 'b', { expiresAt: T0 + 20_000 }));
      expect(denyList.isOverflowing()).toBe(false);

      denyList.apply(rule('jti', 'c', { expiresAt: T0 + 30_000 }));
      expect(denyList.isOverflowing()).toBe(true);
      expect(denyList.liveEvictions).toBe(1);
      expect(evictions).toEqual([{ targetType: 'jti', revocationId: 'rev-jti-a', expiresAt: T0 + 10_000, overflowUntil: T0 + 10_000 }]);

      advance(9_999);
      expect(denyList.isOverflowing()).toBe(true);
      advance(1);
      expect(denyList.isOverflowing()).toBe(false);
    });

    it('evicting an expired entry is not an overflow', () => {
      const { denyList, evictions, advance } = setup({ maxEntries: 2 });
      denyList.apply(rule('jti', 'a', { expiresAt: T0 + 1_000 }));
      denyList.apply(rule('jti', 'b', { expiresAt: T0 + 1_000 }));
      advance(2_000);
      denyList.apply(rule('jti', 'c', { expiresAt: T0 + 60_000 }));
      denyList.apply(rule('jti', 'd', { expiresAt: T0 + 60_000 }));
      expect(evictions).toEqual([]);
      expect(denyList.isOverflowing()).toBe(false);
      expect(denyList.match(token({ jti: 'c' }))).toBeDefined();
      expect(denyList.match(token({ jti: 'd' }))).toBeDefined();
    });

    it('sweeps expired entries before evicting a live one, even when the oldest entry is live', () => {
      const { denyList, evictions, advance } = setup({ maxEntries: 2 });
      denyList.apply(rule('jti', 'long', { expiresAt: T0 + 60_000 }));
      denyList.apply(rule('jti', 'short', { expiresAt: T0 + 1_000 }));
      advance(2_000);
      denyList.apply(rule('jti', 'new', { expiresAt: T0 + 60_000 }));
      expect(evictions).toEqual([]);
      expect(denyList.match(token({ jti: 'long' }))).toBeDefined();
      expect(denyList.match(token({ jti: 'new' }))).toBeDefined();
    });

    it('re-revoking a target replaces its entry instead of taking room', () => {
      const { denyList, evictions } = setup({ maxEntries: 1 });
      denyList.apply(rule('sub', 'alice', { notAfterIat: 1 }));
      denyList.apply(rule('sub', 'alice', { notAfterIat: 2 }));
      expect(evictions).toEqual([]);
      expect(denyList.size).toBe(1);
    });
  });

  describe('issuer scopes', () => {
    it("matches a rule only for tokens of its issuer scope ('' = the authority, the default)", () => {
      const { denyList } = setup();
      denyList.apply(rule('sub', 'alice', { scope: 'https://kc.test' }));
      expect(denyList.match(token({ sub: 'alice' }))).toBeUndefined();
      expect(denyList.match(token({ sub: 'alice' }), '')).toBeUndefined();
      expect(denyList.match(token({ sub: 'alice' }), 'https://other.test')).toBeUndefined();
      expect(denyList.match(token({ sub: 'alice' }), 'https://kc.test')).toMatchObject({ target: 'sub' });
      denyList.apply(rule('jti', 'jti-1'));
      expect(denyList.match(token(), 'https://kc.test')).toMatchObject({ target: 'sub' });
      expect(denyList.match(token())).toMatchObject({ target: 'jti' });
    });

    it('never confuses (scope, value) pairs that concatenate alike, nor a scoped rule with an authority value', () => {
      const { denyList } = setup();
      denyList.apply(rule('sub', 'bc', { scope: 'https://a' }));
      expect(denyList.match(token({ sub: 'c' }), 'https://ab')).toBeUndefined();
      expect(denyList.match(token({ sub: '1|https://abc' }))).toBeUndefined();
      expect(denyList.match(token({ sub: 'bc' }), 'https://a')).toMatchObject({ target: 'sub' });
    });

    it('counts a dropped scoped rule under its target type', () => {
      const { denyList, evictions } = setup({ maxEntries: 1 });
      denyList.apply(rule('client_id', 'web', { scope: 'https://kc.test' }));
      denyList.apply(rule('sub', 'bob'));
      expect(evictions).toEqual([expect.objectContaining({ targetType: 'client_id' })]);
    });
  });
});
