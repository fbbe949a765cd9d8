import { REVOCATION_ISSUED, revocationIssuedV1Schema } from '@revmesh/contracts';
import { timeOrderedId } from './time-ordered-id';

describe('timeOrderedId', () => {
  it('makes canonical lowercase version-7 UUIDs that sort in the order they were made, even within one millisecond', () => {
    const ids = Array.from({ length: 5_000 }, () => timeOrderedId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries the time it was made in its first 48 bits', () => {
    const before = Date.now();
    const id = timeOrderedId();
    const after = Date.now();
    const millis = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(after);
  });

  it('is accepted where the event contract asks for a UUID (event id, revocation id)', () => {
    const event = {
      id: timeOrderedId(),
      type: REVOCATION_ISSUED,
      version: 1,
      issued_at: 1_700_000_000_000,
      actor: { kind: 'operator', id: 'alice' },
      payload: { revocation_id: timeOrderedId(), target: { type: 'jti', value: 'j-1' }, revoked_at: 1_700_000_000_000, not_after_iat: 1_700_000_000, expires_at: 1_700_000_900_000, reason: 'test' },
    };
    expect(revocationIssuedV1Schema.safeParse(event).error).toBeUndefined();
  });
});
