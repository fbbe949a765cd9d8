import type { AccessTokenClaims } from '@revmesh/sidecar';
import { claimHeaders, claimHeaderValue } from './claim-headers';

describe('claim headers', () => {
  it('sends printable ASCII as is and percent-encodes anything else, so a header never carries a line break', () => {
    expect(claimHeaderValue('alice')).toBe('alice');
    expect(claimHeaderValue('read write')).toBe('read write');
    expect(claimHeaderValue('josé')).toBe('jos%C3%A9');
    expect(claimHeaderValue('a\r\nSet-Cookie: x=1')).toBe('a%0D%0ASet-Cookie%3A%20x%3D1');
    // A literal % is encoded too, so decodeURIComponent on the receiving side is always right.
    expect(claimHeaderValue('100%')).toBe('100%25');
    expect(decodeURIComponent(claimHeaderValue('100%')!)).toBe('100%');
  });

  it('writes numbers, audience lists and objects, and skips absent claims', () => {
    expect(claimHeaderValue(1_700_000_000)).toBe('1700000000');
    expect(claimHeaderValue(['orders-api', 'billing-api'])).toBe('orders-api billing-api');
    expect(claimHeaderValue({ roles: ['a'] })).toBe('{"roles":["a"]}');
    expect(claimHeaderValue({ name: 'zoë' })).toBe('%7B%22name%22%3A%22zo%C3%AB%22%7D');
    expect(claimHeaderValue(undefined)).toBeUndefined();
    const claims = { sub: 'alice', client_id: 'svc', aud: 'orders-api' } as unknown as AccessTokenClaims;
    expect(claimHeaders(claims, [['sub', 'X-Revmesh-Sub'], ['scope', 'X-Revmesh-Scope'], ['client_id', 'X-Revmesh-Client-Id']])).toEqual([
      ['X-Revmesh-Sub', 'alice'],
      ['X-Revmesh-Client-Id', 'svc'],
    ]);
  });
});
