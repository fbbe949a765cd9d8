import { randomUUID } from 'node:crypto';
import { decodeEvent, encodeEvent, MAX_EVENT_BYTES } from './codec';

const valid = {
  id: randomUUID(),
  type: 'revocation.issued',
  version: 1,
  issued_at: 1_700_000_000_000,
  actor: { kind: 'admin-key', id: 'admin' },
  payload: {
    revocation_id: 'r1',
    target: { type: 'sub', value: 'alice' },
    revoked_at: 1_700_000_000_000,
    not_after_iat: 1_700_000_000,
    expires_at: 1_700_000_300_000,
    reason: 'leak',
  },
} as const;

describe('event codec', () => {
  it('round-trips a valid event', () => {
    expect(decodeEvent(encodeEvent(valid))).toEqual({ ok: true, event: valid });
  });
  it.each([
    ['EMPTY', null],
    ['EMPTY', ''],
    ['MALFORMED_JSON', '{nope'],
    ['SCHEMA_INVALID', '[1,2]'],
    ['UNKNOWN_TYPE', JSON.stringify({ ...valid, type: 'token.minted' })],
    ['UNSUPPORTED_VERSION', JSON.stringify({ ...valid, version: 2 })],
    ['SCHEMA_INVALID', JSON.stringify({ ...valid, id: 'not-a-uuid' })],
    ['SCHEMA_INVALID', JSON.stringify({ ...valid, payload: { ...valid.payload, target: { type: 'email', value: 'x' } } })],
    ['SCHEMA_INVALID', JSON.stringify({ ...valid, payload: { ...valid.payload, expires_at: 1 } })],
    ['TOO_LARGE', 'x'.repeat(MAX_EVENT_BYTES + 1)],
  ])('rejects with %s', (reason, input) => {
    expect(decodeEvent(input)).toMatchObject({ ok: false, reason });
  });
  it('carries the issuer a revocation targets, and keeps events without one valid (the authority\'s own issuer)', () => {
    const scoped = { ...valid, payload: { ...valid.payload, iss: 'https://sso.example.com/realms/acme' } };
    expect(decodeEvent(encodeEvent(scoped))).toEqual({ ok: true, event: scoped });
    const decoded = decodeEvent(encodeEvent(valid));
    expect(decoded.ok && decoded.event.type === 'revocation.issued' && decoded.event.payload.iss).toBe(undefined);
    expect(decodeEvent(JSON.stringify({ ...valid, payload: { ...valid.payload, iss: '' } }))).toMatchObject({ ok: false, reason: 'SCHEMA_INVALID' });
  });
  it('names the invalid field', () => {
    const result = decodeEvent(JSON.stringify({ ...valid, payload: { ...valid.payload, reason: '' } }));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('payload.reason') });
  });
  it('refuses to encode an invalid event', () => {
    expect(() => encodeEvent({ ...valid, issued_at: -1 } as never)).toThrow();
  });
});
