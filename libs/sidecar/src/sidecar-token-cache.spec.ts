import { randomUUID } from 'node:crypto';
import { createTestIssuer, keyStateEvent, type TestIssuer } from '@revmesh/test-support';
import type { KeyState, KillSwitchChangedEvent, RevocationTargetType } from '@revmesh/contracts';
import { createSidecar, type Sidecar } from './sidecar';
import { AUDIENCE, createSidecarFixture, ISSUER, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import type { VerifyResult } from './verify/verify-result';
import { seededRandom as random } from './testing/seeded-random.spec-helper';

const code = (result: VerifyResult) => (result.ok ? 'OK' : result.code);
const OPERATOR = { kind: 'operator', id: 'alice' } as const;

/** A kill switch of this service's audience, engaged (cut at `notAfterIat`, no lockdown) or lifted. */
function cutEvent(notAfterIat: number, keySetVersion: number, now: number): KillSwitchChangedEvent {
  return {
    id: randomUUID(),
    type: 'kill-switch.changed',
    version: 1,
    issued_at: now,
    actor: OPERATOR,
    payload: {
      scope: { kind: 'audience', audience: AUDIENCE },
      not_after_iat: notAfterIat,
      lockdown: false,
      key_set_version: keySetVersion,
      engaged_at: now,
      engaged_by: OPERATOR,
      lifted_at: null,
      lifted_by: null,
    },
  };
}

describe('verified-token cache', () => {
  let f: SidecarFixture;
  let version: number;
  const move = (key: TestIssuer, state: KeyState) => f.publish(keyStateEvent({ key, state, keySetVersion: ++version, now: f.clock.now() }));
  const nowSeconds = () => Math.floor(f.clock.now() / 1000);

  beforeEach(async () => {
    version = 0;
    // Keys from the keys topic (the default), so key events reach the verifier.
    f = await createSidecarFixture({ sidecar: { keys: undefined, pendingKeyGraceMs: 0 } });
    await move(f.issuer, 'active');
  });
  afterEach(async () => {
    await f.sidecar.close();
  });

  it('answers a repeated token from the cache: the same frozen result, no new signature check', async () => {
    const token = await f.issuer.sign();
    const first = await f.sidecar.verify(token);
    const second = await f.sidecar.verify(token);
    expect(first.ok).toBe(true);
    expect(second).toBe(first);
    if (!second.ok) throw new Error('unreachable');
    expect(Object.isFrozen(second.claims)).toBe(true);
    // A caller cannot change what later calls (and their deny-rule checks) read.
    expect(() => {
      (second.claims as { sub: string }).sub = 'someone-else';
    }).toThrow(TypeError);
    expect(f.sidecar.stats().verifications).toEqual({ ok: 2 });
    expect(f.sidecar.stats().tokenCache).toEqual({ size: 1, bytes: expect.any(Number), hits: 1, misses: 1 });
  });

  it('never accepts a cached token once its key is revoked (KEY_REVOKED) or retired (KEY_UNKNOWN)', async () => {
    const token = await f.issuer.sign();
    expect(code(await f.sidecar.verify(token))).toBe('OK');
    expect(code(await f.sidecar.verify(token))).toBe('OK');
    await move(f.issuer, 'revoked');
    expect(code(await f.sidecar.verify(token))).toBe('KEY_REVOKED');

    const other = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: f.clock.now });
    await move(other, 'active');
    const otherToken = await other.sign();
    expect(code(await f.sidecar.verify(otherToken))).toBe('OK');
    await move(other, 'retired');
    expect(code(await f.sidecar.verify(otherToken))).toBe('KEY_UNKNOWN');
  });

  it('never accepts a cached token after a kill-switch cut covering it (KILL_SWITCH_CUT)', async () => {
    const token = await f.issuer.sign();
    expect(code(await f.sidecar.verify(token))).toBe('OK');
    await f.publish(cutEvent(nowSeconds(), ++version, f.clock.now()));
    expect(code(await f.sidecar.verify(token))).toBe('KILL_SWITCH_CUT');
  });

  it('never accepts a cached token at or after its exp, whatever the cache holds', async () => {
    const token = await f.issuer.sign({ exp: nowSeconds() + 60 });
    expect(code(await f.sidecar.verify(token))).toBe('OK');
    f.clock.advance(59_999 - (f.clock.now() % 1000));
    expect(code(await f.sidecar.verify(token))).toBe('OK');
    // Past exp plus the clock tolerance (5 s): the full verification refuses it too.
    f.clock.advance(5_002);
    expect(code(await f.sidecar.verify(token))).toBe('TOKEN_EXPIRED');
  });

  it.each<RevocationTargetType>(['jti', 'sub', 'client_id', 'sid'])('checks the deny rules on every hit: a %s rule refuses a cached token (TOKEN_REVOKED)', async (type) => {
    const token = await f.issuer.sign({ sid: 'session-1' });
    const result = await f.sidecar.verify(token);
    if (!result.ok) throw new Error(`expected OK, got ${result.code}`);
    expect(await f.sidecar.verify(token)).toBe(result);
    const value = String(result.claims[type]);
    await f.revoke({ type, value });
    expect(code(await f.sidecar.verify(token))).toBe('TOKEN_REVOKED');
  });
});

describe('verified-token cache: differential against a sidecar without it', () => {
  it.each([7, 8])('agrees with an uncached sidecar on every verification over random histories of tokens, revocations, key and kill-switch events and time (seed %i)', async (seed) => {
    const next = random(seed);
    const index = (n: number) => Math.floor(next() * n);
    const f = await createSidecarFixture({ sidecar: { keys: undefined, pendingKeyGraceMs: 0 } });
    // The same topics, clock and trust, without the cache.
    const plain: Sidecar = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      eventSigners: [f.signer.publicJwk],
      transport: f.transport,
      clock: f.clock.now,
      logger: f.logger,
      instanceId: 'uncached-sidecar',
      denyList: { maxEntries: 10_000 },
      staleness: { maxSilenceMs: 86_400_000 },
      pendingKeyGraceMs: 0,
      tokenCache: { maxEntries: 0 },
    });
    await plain.start();
    await plain.ready;
    let version = 0;
    const keys = [f.issuer, await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: f.clock.now })];
    const revoked = new Set<TestIssuer>();
    const nowSeconds = () => Math.floor(f.clock.now() / 1000);
    const pool: string[] = [];
    const seen: Record<string, number> = {};
    let hits = 0;
    const lastResult = new Map<string, VerifyResult>();
    try {
      for (const key of keys) await f.publish(keyStateEvent({ key, state: 'active', keySetVersion: ++version, now: f.clock.now() }));
      for (let step = 0; step < 600; step++) {
        const roll = next();
        if (pool.length === 0 || roll < 0.15) {
          const key = keys[index(2)]!;
          const token = await key.sign({
            sub: `user-${index(4)}`,
            client_id: `client-${index(3)}`,
            sid: `session-${index(4)}`,
            exp: nowSeconds() + 30 + index(300),
          });
          pool.splice(0, Math.max(0, pool.length - 11), token);
        } else if (roll < 0.82) {
          const token = pool[index(pool.length)]!;
          const cached = await f.sidecar.verify(token);
          const uncached = await plain.verify(token);
          expect([step, code(cached)]).toEqual([step, code(uncached)]);
          if (cached.ok && uncached.ok) expect(cached.claims).toEqual(uncached.claims);
          if (cached.ok && lastResult.get(token) === cached) hits++;
          lastResult.set(token, cached);
          seen[code(cached)] = (seen[code(cached)] ?? 0) + 1;
        } else if (roll < 0.85) {
          const token = pool[index(pool.length)]!;
          const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, string>;
          const type = (['jti', 'sub', 'client_id', 'sid'] as const)[index(4)]!;
          await f.revoke({ type, value: claims[type]! });
        } else if (roll < 0.88) {
          await f.publish(cutEvent(nowSeconds() - index(200), ++version, f.clock.now()));
        } else if (roll < 0.89) {
          // Mostly the second key, moving between states; now and then a key is revoked for good.
          const key = keys[next() < 0.8 ? 1 : 0]!;
          if (revoked.has(key)) continue;
          const state = next() < 0.05 ? 'revoked' : (['active', 'retiring', 'retired', 'pending', 'active', 'active'] as const)[index(6)]!;
          if (state === 'revoked') revoked.add(key);
          await f.publish(keyStateEvent({ key, state, keySetVersion: ++version, now: f.clock.now() }));
        } else {
          f.clock.advance(index(10_000));
        }
      }
    } finally {
      await plain.close();
      await f.sidecar.close();
    }
    // The history reached accepted tokens served from the cache, and refusals of several kinds.
    expect([hits > 10, hits, seen]).toEqual([true, expect.any(Number), expect.objectContaining({ OK: expect.any(Number), TOKEN_REVOKED: expect.any(Number) })]);
    expect(Object.keys(seen).length).toBeGreaterThanOrEqual(3);
  });
});
