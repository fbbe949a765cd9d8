import { randomUUID } from 'node:crypto';
import { killSwitchKey } from '../topics/topics';
import { decodeEvent, encodeEvent } from './codec';

const engaged = {
  id: randomUUID(),
  type: 'kill-switch.changed',
  version: 1,
  issued_at: 1_700_000_000_000,
  actor: { kind: 'operator', id: 'alice' },
  payload: {
    scope: { kind: 'audience', audience: 'orders-api' },
    not_after_iat: 1_700_000_000,
    lockdown: true,
    key_set_version: 7,
    engaged_at: 1_700_000_000_000,
    engaged_by: { kind: 'operator', id: 'alice' },
    lifted_at: null,
    lifted_by: null,
  },
} as const;

describe('kill-switch.changed', () => {
  it('round-trips through the codec', () => {
    expect(decodeEvent(encodeEvent(engaged))).toEqual({ ok: true, event: engaged });
  });
  it('refuses an audience scope without an audience, and extra scope members', () => {
    expect(decodeEvent(JSON.stringify({ ...engaged, payload: { ...engaged.payload, scope: { kind: 'audience' } } }))).toMatchObject({
      ok: false,
      reason: 'SCHEMA_INVALID',
    });
    expect(
      decodeEvent(JSON.stringify({ ...engaged, payload: { ...engaged.payload, scope: { kind: 'global', audience: 'x' } } })),
    ).toMatchObject({ ok: false, reason: 'SCHEMA_INVALID' });
  });
  it('requires a key_set_version', () => {
    const { key_set_version: _omitted, ...payload } = engaged.payload;
    expect(decodeEvent(JSON.stringify({ ...engaged, payload }))).toMatchObject({ ok: false, reason: 'SCHEMA_INVALID', message: expect.stringContaining('key_set_version') });
  });
  it('is keyed per scope on the keys topic', () => {
    expect(killSwitchKey({ kind: 'global' })).toBe('kill-switch:global');
    expect(killSwitchKey({ kind: 'audience', audience: 'orders-api' })).toBe('kill-switch:aud:orders-api');
  });
});
