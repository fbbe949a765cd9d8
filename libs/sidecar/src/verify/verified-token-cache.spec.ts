import { createCachingTokenVerifier } from './caching-token-verifier';
import type { IssuerRouter } from './issuer-router';
import { createVerifiedTokenCache, estimatedEntryBytes } from './verified-token-cache';
import type { AccessTokenClaims, VerifySuccess } from './verify-result';
import { seededRandom as random } from '../testing/seeded-random.spec-helper';

const T0 = 1_750_000_000_000;

/** A token-shaped string whose payload segment has `payloadChars` characters. */
const tokenOf = (id: number, payloadChars = 40) => `h${id}.${'p'.repeat(payloadChars)}.s${id}`;

const success = (expSeconds: number, sub = 'alice'): VerifySuccess => ({
  ok: true,
  claims: { iss: 'https://auth.test', sub, aud: 'api', exp: expSeconds, iat: expSeconds - 300, jti: `j-${sub}`, client_id: 'c' } as AccessTokenClaims,
});

describe('verified-token cache (unit)', () => {
  it('over random sets, gets, clears and time: never hands out an entry past exp or maxAgeMs, or from before a clear, and stays within both bounds', () => {
    const next = random(11);
    let now = T0;
    const maxEntries = 50;
    const maxBytes = 40 * estimatedEntryBytes(tokenOf(0, 400));
    const maxAgeMs = 30_000;
    const cache = createVerifiedTokenCache({ maxEntries, maxBytes, maxAgeMs, clock: () => now });
    /** What the cache may hand out for each token: the result, and until when (ms). */
    const allowed = new Map<string, { result: VerifySuccess; until: number }>();
    let hits = 0;
    const tokens = Array.from({ length: 120 }, (_, id) => tokenOf(id, 20 + ((id * 37) % 800)));
    for (let i = 0; i < 100_000; i++) {
      const roll = next();
      const token = tokens[Math.floor(next() * tokens.length)]!;
      if (roll < 0.4) {
        const result = success(Math.floor(now / 1000) + Math.floor(next() * 60));
        const handed = cache.set(token, result, cache.generation);
        if (handed.claims !== result.claims || !Object.isFrozen(handed.claims)) throw new Error(`operation ${i}: set must hand back the same claims, frozen`);
        allowed.set(token, { result: handed, until: Math.min(result.claims.exp * 1000, now + maxAgeMs) });
      } else if (roll < 0.95) {
        const hit = cache.get(token);
        if (hit !== undefined) {
          hits++;
          const expected = allowed.get(token);
          if (expected === undefined || hit !== expected.result || now >= expected.until) throw new Error(`operation ${i}: a hit the cache must not give for ${token}`);
        }
      } else if (roll < 0.96) {
        cache.clear();
        allowed.clear();
      } else {
        now += Math.floor(next() * 5_000);
      }
      if (cache.size > maxEntries || cache.bytes > maxBytes) throw new Error(`operation ${i}: ${cache.size} entries, ${cache.bytes} bytes`);
    }
    expect(hits).toBeGreaterThan(5_000);
    expect(cache.counts().hits).toBe(hits);
  });

  it('drops the oldest entries first when full, and refuses an entry larger than maxBytes', () => {
    const cache = createVerifiedTokenCache({ maxEntries: 2, maxBytes: 10_000, maxAgeMs: 60_000, clock: () => T0 });
    const exp = T0 / 1000 + 300;
    cache.set(tokenOf(1), success(exp), 0);
    cache.set(tokenOf(2), success(exp), 0);
    cache.set(tokenOf(3), success(exp), 0);
    expect([cache.get(tokenOf(1)), cache.get(tokenOf(2))?.ok, cache.get(tokenOf(3))?.ok]).toEqual([undefined, true, true]);
    cache.set(tokenOf(4, 20_000), success(exp), 0);
    expect(cache.get(tokenOf(4, 20_000))).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('maxEntries 0 turns it off', () => {
    const cache = createVerifiedTokenCache({ maxEntries: 0, maxBytes: 10_000, maxAgeMs: 60_000, clock: () => T0 });
    cache.set(tokenOf(1), success(T0 / 1000 + 300), 0);
    expect([cache.get(tokenOf(1)), cache.size]).toEqual([undefined, 0]);
  });

  it('does not store a verification that was running when the cache was cleared (a key or kill-switch event arrived meanwhile)', async () => {
    const cache = createVerifiedTokenCache({ maxEntries: 10, maxBytes: 100_000, maxAgeMs: 60_000, clock: () => T0 });
    let release: (() => void) | undefined;
    let calls = 0;
    const inner: IssuerRouter = {
      verify: async () => {
        calls++;
        await new Promise<void>((resolve) => (release = resolve));
        return success(T0 / 1000 + 300);
      },
      scopeOf: () => '',
    };
    const verifier = createCachingTokenVerifier(inner, cache);
    const pending = verifier.verify(tokenOf(1));
    cache.clear();
    release!();
    expect((await pending).ok).toBe(true);
    expect(cache.size).toBe(0);
    // Verified in full again, and cached this time.
    const again = verifier.verify(tokenOf(1));
    release!();
    await again;
    expect((await verifier.verify(tokenOf(1))).ok).toBe(true);
    expect(calls).toBe(2);
  });

  it('never caches a failure', async () => {
    const cache = createVerifiedTokenCache({ maxEntries: 10, maxBytes: 100_000, maxAgeMs: 60_000, clock: () => T0 });
    let calls = 0;
    const inner: IssuerRouter = {
      verify: async () => {
        calls++;
        return { ok: false, code: 'SIGNATURE_INVALID', message: 'bad' };
      },
      scopeOf: () => '',
    };
    const verifier = createCachingTokenVerifier(inner, cache);
    await verifier.verify(tokenOf(1));
    await verifier.verify(tokenOf(1));
    expect([calls, cache.size]).toEqual([2, 0]);
  });
});
