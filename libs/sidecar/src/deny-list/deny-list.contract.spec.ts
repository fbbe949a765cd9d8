import { denyRuleMatches, REVOCATION_TARGET_TYPES, type DeniableClaims, type DenyRuleView } from '@revmesh/contracts';
import { createDenyList, type DeniableToken } from './deny-list';
import { seededRandom } from '../testing/seeded-random.spec-helper';

/** Seeded: a failure names its round and token, and replays. */
const random = seededRandom(0x5e551075);

/**
 * The sidecar's deny list against `denyRuleMatches` of @revmesh/contracts, the rule semantics the
 * authority's introspection endpoint reads its revocations table with: for random rules and
 * tokens, the deny list denies a token exactly when one of the rules applied to it matches. Keeps
 * the two from drifting apart (RFC 7662 answers must agree with the sidecars).
 */
describe('deny list ≡ contracts denyRuleMatches', () => {
  const T0 = 1_750_000_000_000;
  const VALUES = ['a', 'b', 'c', 'd', 'e'];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  it('agrees on every token over many random rule sets (all target types, cuts, expiries)', () => {
    for (let round = 0; round < 200; round += 1) {
      let now = T0;
      const list = createDenyList({ maxEntries: 10_000, maxRuleTtlMs: 86_400_000, clock: () => now });
      const rules: DenyRuleView[] = [];
      // As the authority issues them: a rule's expiry grows with its cut (revocation time + the
      // longest token lifetime), so a later cut never expires earlier. (Under that condition the
      // deny list's merge of rules of one target, later cut and later expiry, is each rule alone.)
      const lifetimeMs = 1 + Math.floor(random() * 3_000);
      for (let i = 0; i < 12; i += 1) {
        const notAfterIat = 1_000 + Math.floor(random() * 20);
        const rule: DenyRuleView = {
          target: { type: pick(REVOCATION_TARGET_TYPES), value: pick(VALUES) },
          notAfterIat,
          expiresAt: T0 + (notAfterIat - 1_000) * 400 + lifetimeMs,
        };
        rules.push(rule);
        list.apply({ revocationId: `r-${round}-${i}`, ...rule });
      }
      now = T0 + Math.floor(random() * 10_000);
      for (let t = 0; t < 40; t += 1) {
        const claims: DeniableClaims = {
          jti: pick(VALUES),
          sub: pick(VALUES),
          client_id: pick(VALUES),
          ...(random() < 0.7 ? { sid: pick(VALUES) } : {}),
          ...(random() < 0.5 ? { jkt: pick(VALUES) } : {}),
          iat: 1_000 + Math.floor(random() * 22),
        };
        const token: DeniableToken = {
          jti: claims.jti,
          sub: claims.sub,
          client_id: claims.client_id,
          sid: claims.sid,
          iat: claims.iat,
          ...(claims.jkt === undefined ? {} : { cnf: { jkt: claims.jkt } }),
        };
        const expected = rules.some((rule) => denyRuleMatches(rule, claims, now));
        expect([round, t, list.match(token) !== undefined]).toEqual([round, t, expected]);
      }
    }
  });
});
