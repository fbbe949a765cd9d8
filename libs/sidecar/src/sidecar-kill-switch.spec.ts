import { randomUUID } from 'node:crypto';
import { appendSignedEvent, createTestEventSigner, tamperSignature, type EventSigner } from '@revmesh/test-support';
import type { KillSwitchChangedEvent } from '@revmesh/contracts';
import { authenticateAuthorization } from './internal/http/authenticate';
import { toHttpRejection } from './internal/http/problem-details';
import { AUDIENCE, createSidecarFixture, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import type { KillSwitchScope, VerifyResult } from './verify/verify-result';

const code = (result: VerifyResult) => (result.ok ? 'OK' : result.code);
const OPERATOR = { kind: 'operator', id: 'alice' } as const;

/** A `kill-switch.changed` event as the authority publishes it. */
function killSwitchEvent(input: {
  scope: KillSwitchScope;
  notAfterIat: number;
  lockdown: boolean;
  keySetVersion: number;
  now: number;
  lifted?: boolean;
}): KillSwitchChangedEvent {
  return {
    id: randomUUID(),
    type: 'kill-switch.changed',
    version: 1,
    issued_at: input.now,
    actor: OPERATOR,
    payload: {
      scope: input.scope,
      not_after_iat: input.notAfterIat,
      lockdown: input.lockdown,
      key_set_version: input.keySetVersion,
      engaged_at: input.now,
      engaged_by: OPERATOR,
      lifted_at: input.lifted === true ? input.now : null,
      lifted_by: input.lifted === true ? OPERATOR : null,
    },
  };
}

describe('kill switch from the keys topic', () => {
  let f: SidecarFixture;
  let version: number;
  const nowSeconds = () => Math.floor(f.clock.now() / 1000);
  const engage = (
    scope: KillSwitchScope,
    lockdown: boolean,
    options: { by?: EventSigner; lifted?: boolean; keySetVersion?: number; notAfterIat?: number } = {},
  ) =>
    f.publish(
      killSwitchEvent({ scope, notAfterIat: options.notAfterIat ?? nowSeconds(), lockdown, keySetVersion: options.keySetVersion ?? ++version, now: f.clock.now(), ...(options.lifted ? { lifted: true } : {}) }),
      options.by,
    );

  beforeEach(async () => {
    version = 100;
    f = await createSidecarFixture();
  });
  afterEach(async () => {
    await f.sidecar.close();
  });

  it('lockdown of its audience refuses every token with LOCKDOWN, valid or garbage; HTTP 503 problem+json', async () => {
    const valid = await f.issuer.sign();
    expect(code(await f.sidecar.verify(valid))).toBe('OK');
    await engage({ kind: 'audience', audience: AUDIENCE }, true);
    for (const token of [valid, 'garbage', tamperSignature(valid)]) {
      const result = await f.sidecar.verify(token);
      expect(result).toMatchObject({ ok: false, code: 'LOCKDOWN', scope: { kind: 'audience', audience: AUDIENCE } });
    }
    // Even a route that accepts while stale (fail-open-UNSAFE) does not get past a lockdown.
    expect(code(await f.sidecar.verify(valid, { stalePolicy: 'fail-open-UNSAFE' }))).toBe('LOCKDOWN');
    const result = await f.sidecar.verify(valid);
    if (result.ok) throw new Error('unreachable');
    const rejection = toHttpRejection(result);
    expect(rejection.status).toBe(503);
    expect(rejection.headers['content-type']).toBe('application/problem+json');
    expect(rejection.problem).toMatchObject({ code: 'LOCKDOWN', status: 503 });
    expect(f.sidecar.stats().verifications['LOCKDOWN']).toBe(5);
    expect(f.meterProvider.sum('revmesh.sidecar.verifications', { result: 'LOCKDOWN' })).toBe(5);
    expect(f.sidecar.stats().killSwitches).toEqual([
      { scope: { kind: 'audience', audience: AUDIENCE }, notAfterIat: nowSeconds(), lockdown: true, keySetVersion: version },
    ]);
  });

  it('the HTTP adapters refuse requests without a usable token with LOCKDOWN too (not TOKEN_MISSING)', async () => {
    expect(f.sidecar.lockdown()).toBeUndefined();
    expect(code(await authenticateAuthorization(f.sidecar, undefined))).toBe('TOKEN_MISSING');
    await engage({ kind: 'audience', audience: AUDIENCE }, true);
    expect(f.sidecar.lockdown()).toMatchObject({ code: 'LOCKDOWN', scope: { kind: 'audience', audience: AUDIENCE } });
    for (const header of [undefined, '', 'Basic abc', 'Bearer ']) {
      expect(code(await authenticateAuthorization(f.sidecar, header))).toBe('LOCKDOWN');
    }
    await engage({ kind: 'audience', audience: AUDIENCE }, false, { lifted: true });
    expect(f.sidecar.lockdown()).toBeUndefined();
    expect(code(await authenticateAuthorization(f.sidecar, undefined))).toBe('TOKEN_MISSING');
  });

  it('a global lockdown covers every service; another audience’s lockdown does not', async () => {
    const valid = await f.issuer.sign();
    await engage({ kind: 'audience', audience: 'billing-api' }, true);
    expect(code(await f.sidecar.verify(valid))).toBe('OK');
    await engage({ kind: 'global' }, true);
    expect(await f.sidecar.verify(valid)).toMatchObject({ code: 'LOCKDOWN', scope: { kind: 'global' } });
  });

  it('lift: lockdown ends, tokens issued at or before the cut stay refused (KILL_SWITCH_CUT, 401), newer ones pass', async () => {
    const old = await f.issuer.sign();
    const cut = nowSeconds();
    await engage({ kind: 'audience', audience: AUDIENCE }, true);
    f.clock.advance(5_000);
    // A lift keeps the engage's cut.
    await engage({ kind: 'audience', audience: AUDIENCE }, false, { lifted: true, notAfterIat: cut });
    const stale = await f.sidecar.verify(old);
    expect(stale).toMatchObject({ ok: false, code: 'KILL_SWITCH_CUT', scope: { kind: 'audience', audience: AUDIENCE } });
    if (stale.ok) throw new Error('unreachable');
    expect(toHttpRejection(stale).status).toBe(401);
    f.clock.advance(1_000);
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
  });

  it('a cut without lockdown refuses only older tokens, global or of the token’s audience', async () => {
    const before = await f.issuer.sign();
    const otherAudience = await f.issuer.sign({ aud: ['billing-api', AUDIENCE] });
    await engage({ kind: 'audience', audience: 'billing-api' }, false);
    expect(code(await f.sidecar.verify(before))).toBe('OK');
    expect(code(await f.sidecar.verify(otherAudience))).toBe('KILL_SWITCH_CUT');
    await engage({ kind: 'global' }, false);
    expect(await f.sidecar.verify(before)).toMatchObject({ code: 'KILL_SWITCH_CUT', scope: { kind: 'global' } });
    f.clock.advance(1_000);
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
  });

  it('forged, unsigned and replayed-older kill-switch events are rejected and counted, never applied', async () => {
    const forger = await createTestEventSigner({ kid: 'forger' });
    const valid = await f.issuer.sign();
    await engage({ kind: 'global' }, true, { by: forger });
    await f.publish(killSwitchEvent({ scope: { kind: 'global' }, notAfterIat: nowSeconds(), lockdown: true, keySetVersion: ++version, now: f.clock.now() }), {
      sign: async (event) => Buffer.from(JSON.stringify(event)),
    });
    expect(code(await f.sidecar.verify(valid))).toBe('OK');
    // A real lockdown, then an older lift (lower key_set_version) replayed: the lockdown stays.
    await engage({ kind: 'audience', audience: AUDIENCE }, true, { keySetVersion: 200 });
    await engage({ kind: 'audience', audience: AUDIENCE }, false, { lifted: true, keySetVersion: 150 });
    expect(code(await f.sidecar.verify(valid))).toBe('LOCKDOWN');
    expect(f.sidecar.stats().rejectedEvents).toEqual({ UNKNOWN_SIGNER: 1, UNSIGNED: 1, STALE_KEY_EVENT: 1 });
    expect(f.meterProvider.sum('revmesh.sidecar.events.rejected', { reason: 'STALE_KEY_EVENT', topic: 'keys' })).toBe(1);
  });

  it('a sidecar starting after the engage locks down from the compacted backlog', async () => {
    const event = killSwitchEvent({ scope: { kind: 'audience', audience: AUDIENCE }, notAfterIat: 1, lockdown: true, keySetVersion: 7, now: Date.now() });
    const late = await createSidecarFixture({ existing: [event] });
    try {
      expect(code(await late.sidecar.verify(await late.issuer.sign()))).toBe('LOCKDOWN');
      expect(late.sidecar.stats().keySet.version).toBe(7);
    } finally {
      await late.sidecar.close();
    }
  });

  it('a kill-switch event on the revocations topic is misplaced', async () => {
    const event = killSwitchEvent({ scope: { kind: 'global' }, notAfterIat: nowSeconds(), lockdown: true, keySetVersion: ++version, now: f.clock.now() });
    await appendSignedEvent(f.transport, f.sidecar.stats().topics.revocations, event, f.signer);
    await f.transport.settled();
    expect(f.sidecar.stats().rejectedEvents).toEqual({ UNKNOWN_TYPE: 1 });
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
  });
});
