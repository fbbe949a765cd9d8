import { createDenyList } from './deny-list';

const T0 = 1_750_000_000_000;
const IAT = Math.floor(T0 / 1000);

/** `jkt` rules: every token bound to a stolen client key (DPoP `cnf.jkt`), issued up to the revocation. */
describe('deny list: jkt rules', () => {
  const setup = () => {
    let now = T0;
    const denyList = createDenyList({ maxEntries: 100, maxRuleTtlMs: 3_600_000, clock: () => now });
    denyList.apply({ revocationId: 'rev-key', target: { type: 'jkt', value: 'thumb-A' }, notAfterIat: IAT, expiresAt: T0 + 3_600_000 });
    return { denyList, advance: (ms: number) => (now += ms) };
  };
  const bound = (jkt: string | undefined, extra: Partial<{ jti: string; iat: number }> = {}) => ({
    jti: extra.jti ?? 'j',
    sub: 'svc',
    client_id: 'svc',
    iat: extra.iat ?? IAT - 5,
    ...(jkt === undefined ? {} : { cnf: { jkt } }),
  });

  it('denies every token bound to the key issued at or before the cut, whatever its jti, sub or client', () => {
    const { denyList } = setup();
    expect(denyList.match(bound('thumb-A', { jti: 'one' }))).toEqual({ revocationId: 'rev-key', target: 'jkt' });
    expect(denyList.match({ ...bound('thumb-A', { jti: 'two' }), sub: 'other', client_id: 'other' })).toEqual({ revocationId: 'rev-key', target: 'jkt' });
    expect(denyList.match(bound('thumb-A', { iat: IAT }))).toEqual({ revocationId: 'rev-key', target: 'jkt' });
  });

  it('lets pass a token bound to another key, an unbound token, and one bound to the key but issued after the cut', () => {
    const { denyList } = setup();
    expect(denyList.match(bound('thumb-B'))).toBeUndefined();
    expect(denyList.match(bound(undefined))).toBeUndefined();
    expect(denyList.match(bound('thumb-A', { iat: IAT + 1 }))).toBeUndefined();
  });

  it('is scoped by issuer, and a jkt value never matches a jti or sub of the same spelling', () => {
    const { denyList } = setup();
    expect(denyList.match(bound('thumb-A'), 'https://idp.example.com')).toBeUndefined();
    expect(denyList.match({ jti: 'thumb-A', sub: 'thumb-A', client_id: 'thumb-A', iat: IAT - 5 })).toBeUndefined();
  });

  it('drops the rule when it expires', () => {
    const { denyList, advance } = setup();
    advance(3_600_001);
    expect(denyList.match(bound('thumb-A'))).toBeUndefined();
  });
});
