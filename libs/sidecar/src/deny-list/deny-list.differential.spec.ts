import { REVOCATION_TARGET_TYPES } from '@revmesh/contracts';
import { createDenyList, type ApplyOutcome, type DeniableToken, type DenyMatch, type DenyRule } from './deny-list';
import { RULE_KEY_WORDS, type RuleKeyHasher } from './rule-key';
import { seededRandom as random } from '../testing/seeded-random.spec-helper';

interface ReferenceRule {
  revocationId: string;
  notAfterIat: number;
  expiresAt: number;
}

const T0 = 1_750_000_000_000;
const TYPES = [...REVOCATION_TARGET_TYPES];
const SCOPES = ['', 'https://idp.example', 'https://idp.example/realms/a'];
/** The value domain: small, so overwrites, merges and probe collisions are frequent; some values end in U+0000. */
const VALUES = Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? `v${Math.floor(i / 2)}\u0000` : `v${i}`));
const uuidOf = (i: number) => `${(0x9e3779b1 * (i + 1)) >>> 0}`.padStart(8, '0').slice(0, 8).replace(/[^0-9a-f]/g, 'a');
/** Revocation ids: mostly canonical UUIDs (packed by the table), some other strings (kept aside). */
const REVOCATION_IDS = Array.from({ length: 4096 }, (_, i) =>
  i % 10 === 9 ? `rev-${i}` : `${uuidOf(i)}-${uuidOf(i * 7).slice(0, 4)}-4${uuidOf(i * 11).slice(0, 3)}-8${uuidOf(i * 13).slice(0, 3)}-${uuidOf(i * 17)}${uuidOf(i * 19).slice(0, 4)}`,
);

/**
 * The deny list's semantics written the obvious way: one Map entry per (type, scope, value),
 * keyed by their indices in the domains above.
 */
function referenceDenyList(maxRuleTtlMs: number, clock: () => number) {
  const rules = new Map<number, ReferenceRule>();
  const live = (key: number, now: number) => {
    const rule = rules.get(key);
    return rule !== undefined && rule.expiresAt > now ? rule : undefined;
  };
  return {
    apply(key: number, rule: DenyRule): ApplyOutcome {
      const now = clock();
      const expiresAt = Math.min(rule.expiresAt, now + maxRuleTtlMs);
      if (expiresAt <= now) return 'expired';
      const notAfterIat = rule.target.type === 'jti' ? Number.POSITIVE_INFINITY : rule.notAfterIat;
      const held = live(key, now);
      if (!held) {
        rules.set(key, { revocationId: rule.revocationId, notAfterIat, expiresAt });
        return 'stored';
      }
      const later = Math.max(expiresAt, held.expiresAt);
      rules.set(key, notAfterIat > held.notAfterIat ? { revocationId: rule.revocationId, notAfterIat, expiresAt: later } : { ...held, expiresAt: later });
      return 'merged';
    },
    /** `values[t]`: the token's value index for target type `t`, or -1 (no sid). */
    match(values: readonly number[], iat: number, scope: number): DenyMatch | undefined {
      const now = clock();
      for (let type = 0; type < TYPES.length; type++) {
        if (values[type]! < 0) continue;
        const rule = live(keyOf(type, scope, values[type]!), now);
        if (rule && iat <= rule.notAfterIat) return { revocationId: rule.revocationId, target: TYPES[type]! };
      }
      return undefined;
    },
  };
}

const keyOf = (type: number, scope: number, value: number) => (type * SCOPES.length + scope) * VALUES.length + value;

/** Random operations over the small domains above, with the clock moving forward now and then. */
function scenario(seed: number, hasher?: RuleKeyHasher) {
  const next = random(seed);
  const index = (n: number) => Math.floor(next() * n);
  let now = T0;
  const clock = () => now;
  const maxRuleTtlMs = 120_000;
  const subject = createDenyList({ maxEntries: 10_000_000, maxRuleTtlMs, clock, ...(hasher ? { hasher } : {}) });
  const reference = referenceDenyList(maxRuleTtlMs, clock);
  const nowSeconds = () => Math.floor(now / 1000);
  /** What the operations exercised, so a test can show it covered each case. */
  const seen: Record<string, number> = {};
  const saw = (what: string) => void (seen[what] = (seen[what] ?? 0) + 1);
  return {
    subject,
    seen,
    step(): { op: string; subject: unknown; reference: unknown } | undefined {
      const roll = next();
      if (roll < 0.45) {
        const type = index(TYPES.length);
        const scope = index(SCOPES.length);
        const value = index(VALUES.length);
        const rule: DenyRule = {
          revocationId: REVOCATION_IDS[index(REVOCATION_IDS.length)]!,
          scope: SCOPES[scope]!,
          target: { type: TYPES[type]!, value: VALUES[value]! },
          notAfterIat: nowSeconds() - index(120),
          expiresAt: now + index(200_000) - 20_000,
        };
        const s = subject.apply(rule);
        const ref = reference.apply(keyOf(type, scope, value), rule);
        saw(ref);
        return s === ref ? undefined : { op: `apply ${JSON.stringify(rule)}`, subject: s, reference: ref };
      }
      if (roll < 0.999) {
        const values = [index(VALUES.length), index(VALUES.length), index(VALUES.length), next() < 0.8 ? index(VALUES.length) : -1];
        const iat = nowSeconds() - index(150);
        const scope = index(SCOPES.length);
        const token: DeniableToken = { jti: VALUES[values[0]!]!, sub: VALUES[values[1]!]!, client_id: VALUES[values[2]!]!, sid: values[3]! < 0 ? undefined : VALUES[values[3]!]!, iat };
        const s = subject.match(token, SCOPES[scope]);
        const ref = reference.match(values, iat, scope);
        saw(ref ? `denied by ${ref.target}` : 'accepted');
        const agrees = hasher
          ? // A colliding hash may only add denials: every reference denial must be found.
            ref === undefined || s !== undefined
          : s?.revocationId === ref?.revocationId && s?.target === ref?.target;
        return agrees ? undefined : { op: `match ${JSON.stringify(token)} in scope ${JSON.stringify(SCOPES[scope])}`, subject: s, reference: ref };
      }
      now += index(30_000);
      return undefined;
    },
  };
}

describe('deny list: differential test against a reference Map', () => {
  it.each([1, 2])('agrees with the reference on every apply outcome and match over 1,000,000 random operations (seed %i)', (seed) => {
    const s = scenario(seed);
    for (let i = 0; i < 1_000_000; i++) {
      const mismatch = s.step();
      if (mismatch) throw new Error(`seed ${seed}, operation ${i}: ${mismatch.op}: subject ${JSON.stringify(mismatch.subject)}, reference ${JSON.stringify(mismatch.reference)}`);
    }
    // Every case was exercised many times: new rules, merges, already-expired rules, denials by each type, acceptances.
    for (const what of ['stored', 'merged', 'expired', 'accepted', 'denied by jti', 'denied by sub', 'denied by client_id', 'denied by sid']) {
      expect([what, (s.seen[what] ?? 0) > 1000]).toEqual([what, true]);
    }
    // Expired rules were dropped along the way: the table never holds more than the domain.
    expect(s.subject.size).toBeLessThanOrEqual(TYPES.length * SCOPES.length * VALUES.length);
  });

  it('never misses a rule when the rule-key hash collides (a hash with 7 bits: colliding rules merge conservatively)', () => {
    const weak: RuleKeyHasher = (type, scope, value, out, offset) => {
      let h = type * 31 + scope.length;
      for (let i = 0; i < value.length; i++) h = (h * 31 + value.charCodeAt(i)) | 0;
      for (let word = 0; word < RULE_KEY_WORDS; word++) out[offset + word] = h & 0x7f;
    };
    const s = scenario(3, weak);
    for (let i = 0; i < 200_000; i++) {
      const mismatch = s.step();
      if (mismatch && !mismatch.op.startsWith('apply')) throw new Error(`operation ${i}: ${mismatch.op}: missed ${JSON.stringify(mismatch.reference)}`);
    }
    expect((s.seen['denied by sub'] ?? 0) + (s.seen['denied by sid'] ?? 0)).toBeGreaterThan(100);
    // At most 128 distinct keys exist, so rules of every type were merged together.
    expect(s.subject.size).toBeLessThanOrEqual(128);
  });
});
