import type { AccessTokenClaims } from '../verify/verify-result';
import { createAcceptLog, type RevocationForCount } from './accept-log';

const EXTERNAL = 'https://idp.example.com';
const scopeOf = (iss: string | undefined): string => (iss === undefined || iss === 'https://auth.example.com' ? '' : iss);

const claims = (over: Partial<AccessTokenClaims> = {}): AccessTokenClaims => ({
  iss: 'https://auth.example.com',
  sub: 'alice',
  aud: 'orders-api',
  exp: 2_000,
  iat: 1_000,
  jti: 'jti-1',
  client_id: 'web',
  sid: 'session-1',
  ...over,
});

function setup(maxEntries = 100) {
  let now = 10_000;
  const log = createAcceptLog({ maxEntries, clock: () => now, scopeOf });
  return {
    log,
    acceptAt(ms: number, c: AccessTokenClaims) {
      now = ms;
      log.record(c);
    },
  };
}

const revocation = (target: RevocationForCount['target'], over: Partial<RevocationForCount> = {}): RevocationForCount => ({
  target,
  revoked_at: 20_000,
  not_after_iat: 1_500,
  ...over,
});

describe('accept log', () => {
  it('counts only accepts after revoked_at of tokens the revocation denies, for every target type', () => {
    const t = setup();
    const bound = claims({ jti: 'jti-2', cnf: { jkt: 'thumb-1' } });
    t.acceptAt(19_000, claims()); // before the revocation: never counted
    t.acceptAt(20_000, claims()); // at revoked_at: not after it
    t.acceptAt(20_001, claims());
    t.acceptAt(20_002, claims());
    t.acceptAt(20_003, bound);
    t.acceptAt(20_004, claims({ jti: 'jti-3', sub: 'bob', client_id: 'batch', sid: 'session-2', iat: 1_600 })); // newer than the cut
    t.acceptAt(20_005, claims({ jti: 'jti-4', iss: EXTERNAL })); // another issuer's alice

    expect(t.log.countAcceptedAfter(revocation({ type: 'jti', value: 'jti-1' }))).toEqual({ count: 2, lowerBound: false });
    expect(t.log.countAcceptedAfter(revocation({ type: 'jti', value: 'jti-2' }))).toEqual({ count: 1, lowerBound: false });
    expect(t.log.countAcceptedAfter(revocation({ type: 'sub', value: 'alice' })).count).toBe(3);
    expect(t.log.countAcceptedAfter(revocation({ type: 'sub', value: 'alice' }, { iss: EXTERNAL })).count).toBe(1);
    expect(t.log.countAcceptedAfter(revocation({ type: 'client_id', value: 'web' })).count).toBe(3);
    expect(t.log.countAcceptedAfter(revocation({ type: 'sid', value: 'session-1' })).count).toBe(3);
    expect(t.log.countAcceptedAfter(revocation({ type: 'jkt', value: 'thumb-1' })).count).toBe(1);
    // bob's token was issued after the cut (iat 1600 > 1500): the revocation does not deny it.
    expect(t.log.countAcceptedAfter(revocation({ type: 'sub', value: 'bob' })).count).toBe(0);
    expect(t.log.countAcceptedAfter(revocation({ type: 'sub', value: 'bob' }, { not_after_iat: 1_600 })).count).toBe(1);
    expect(t.log.countAcceptedAfter(revocation({ type: 'jti', value: 'never-seen' }))).toEqual({ count: 0, lowerBound: false });
  });

  it('keeps at most maxEntries accepts, dropping the oldest, and says when the count is a lower bound', () => {
    const t = setup(3);
    for (let i = 1; i <= 5; i++) t.acceptAt(20_000 + i, claims());
    expect(t.log.size).toBe(3);
    // Accepts at 20003..20005 remain; 20001 and 20002 (both after revoked_at) were dropped.
    expect(t.log.countAcceptedAfter(revocation({ type: 'jti', value: 'jti-1' }))).toEqual({ count: 3, lowerBound: true });
    // A revocation accepted after the newest dropped accept: the count is exact.
    expect(t.log.countAcceptedAfter(revocation({ type: 'jti', value: 'jti-1' }, { revoked_at: 20_002 }))).toEqual({ count: 3, lowerBound: false });
    expect(t.log.countAcceptedAfter(revocation({ type: 'jti', value: 'jti-1' }, { revoked_at: 20_004 }))).toEqual({ count: 1, lowerBound: false });
  });

  it('reads the ring newest first across its wrap-around', () => {
    const t = setup(4);
    for (let i = 1; i <= 6; i++) t.acceptAt(20_000 + i * 10, claims({ jti: `jti-${i}` }));
    // Held: jti-3..jti-6 (stored at slots 2, 3, 0, 1).
    for (const [jti, expected] of [['jti-3', 1], ['jti-4', 1], ['jti-5', 1], ['jti-6', 1], ['jti-2', 0]] as const) {
      expect(t.log.countAcceptedAfter(revocation({ type: 'jti', value: jti })).count).toBe(expected);
    }
    expect(t.log.countAcceptedAfter(revocation({ type: 'sub', value: 'alice' }, { revoked_at: 20_045 })).count).toBe(2);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => createAcceptLog({ maxEntries: 0, clock: () => 0, scopeOf })).toThrow(TypeError);
  });
});
