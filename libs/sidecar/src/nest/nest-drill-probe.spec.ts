import type { AccessTokenClaims } from '../verify/verify-result';
import { revmeshNestDrillProbe } from './index';

const CLAIMS = { iss: 'i', sub: 'canary', aud: 'a', exp: 2, iat: 1, jti: 'j', client_id: 'c' } as AccessTokenClaims;

describe('revmeshNestDrillProbe', () => {
  it("answers with the instance id and the guard's verified claims (no scope: null)", () => {
    expect(revmeshNestDrillProbe({ instanceId: 'orders-3' }, { revmesh: { claims: CLAIMS } })).toEqual({ accepted: true, instance_id: 'orders-3', sub: 'canary', scope: null });
  });

  it('throws rather than answer "accepted" on a route the guard did not verify', () => {
    for (const request of [{}, { revmesh: null }]) expect(() => revmeshNestDrillProbe({ instanceId: 'orders-3' }, request)).toThrow('must be behind RevmeshGuard');
  });
});
