import { REVOCATION_TARGET_TYPES, type RevocationTarget, type RevocationTargetType } from '@revmesh/contracts';
import type { Clock, EpochMillis, EpochSeconds, Milliseconds } from '../internal/units';
import { createCompactRuleTable } from './compact-rule-table';
import { createRuleKeyHasher, RULE_KEY_WORDS, type RuleKeyHasher } from './rule-key';

/**
 * The sidecar's in-memory deny rules.
 *
 * - A `jti` rule denies exactly that token.
 * - A `sub`, `client_id`, `sid` or `jkt` rule denies every token with that claim value whose `iat` is
 *   at or before `notAfterIat` (so a token issued after the revocation passes). `jkt` matches the
 *   key a DPoP-bound token is bound to (`cnf.jkt`). If a target is
 *   revoked twice, the later cut-off (max `notAfterIat`) wins.
 *
 * **Memory bound.** Each rule is kept only until `expiresAt` (when no token it could match can
 * still be valid), and never longer than `maxRuleTtlMs` (the longest token lifetime), so the
 * number of live entries is at most `revocation rate × max token lifetime` (one per target:
 * re-revoking a target replaces its entry). `maxEntries` is the hard cap on top of that.
 * Rules live in a compact typed-array table (`compact-rule-table.ts`): about 57 bytes per rule
 * (1M rules ≈ 57 MB of heap), nothing allocated before the first rule, growing by doubling.
 * Rules are keyed by a keyed 128-bit hash of (type, issuer scope, value) (`rule-key.ts`), which
 * keeps matching exact: no false negative, and a false positive only on a 2^-128 collision.
 *
 * **Overflow fails closed.** If the cap is reached while every entry is still live, the rule
 * expiring first has to be dropped, and the sidecar no longer knows every revoked token. That is a security
 * failure: it is reported through `onLiveEviction`, and {@link DenyList.isOverflowing} stays true
 * until the dropped rule would have expired anyway (after that it can no longer match a valid
 * token, so forgetting it is harmless). The sidecar refuses every token meanwhile.
 *
 * **Scoped by issuer.** Every rule belongs to one issuer scope (`''`, the default, for the revmesh
 * authority's own tokens; the issuer URL otherwise) and matches only tokens of that scope, so
 * revoking `sub=alice` of one issuer never denies `alice` of another. Rules match on claims only,
 * never on the token bytes: a token re-encoded with an equivalent signature is still denied.
 *
 * Expired entries are dropped lazily (no timers, so a closed sidecar leaves no handles behind):
 * when a lookup meets one, by a sweep (a linear scan, a few ms per million rules) once as many
 * rules were added as the table held after the previous sweep, and by a sweep when the cap is
 * reached; sweeps run at most once a second.
 */
export interface DenyList {
  /** Adds a rule, merging with an existing rule for the same target. Idempotent. */
  apply(rule: DenyRule): ApplyOutcome;
  /**
   * The first rule of issuer scope `scope` (`''`, the default, for the revmesh authority) that
   * denies this token, or undefined. Reads rules on every call (nothing cached).
   */
  match(token: DeniableToken, scope?: string): DenyMatch | undefined;
  /** True while a live rule has been dropped for lack of room and could still match a valid token. */
  isOverflowing(): boolean;
  /** Entries held, including expired ones not yet swept (an upper bound on live rules). */
  readonly size: number;
  /** How many live rules were dropped for lack of room since creation. */
  readonly liveEvictions: number;
  /** Makes room for `more` rules at once, up to `maxEntries` (a bulk load of known size, e.g. a snapshot). */
  reserve(more: number): void;
}

export interface DenyRule {
  readonly revocationId: string;
  /** The issuer scope the rule applies to: `''` (default) for the revmesh authority, else the issuer URL. */
  readonly scope?: string;
  readonly target: RevocationTarget;
  /** For `sub`/`client_id`/`sid`/`jkt`: tokens with `iat` at or before this are denied. Ignored for `jti`. */
  readonly notAfterIat: EpochSeconds;
  /** When the rule can no longer match a valid token. */
  readonly expiresAt: EpochMillis;
}

/** `stored`: a new entry; `merged`: the target already had a rule (a republished event lands here); `expired`: too old to matter, not stored. */
export type ApplyOutcome = 'stored' | 'merged' | 'expired';

/** The claims a rule can match on. */
export interface DeniableToken {
  readonly jti: string;
  readonly sub: string;
  readonly client_id: string;
  readonly sid?: string | undefined;
  /** Confirmation (RFC 7800): `cnf.jkt` names the key a DPoP-bound token is bound to. */
  readonly cnf?: { readonly jkt?: string | undefined } | undefined;
  readonly iat: EpochSeconds;
}

export interface DenyMatch {
  readonly revocationId: string;
  readonly target: RevocationTargetType;
}

/** A live rule was dropped because the deny list was full. */
export interface LiveEviction {
  readonly targetType: RevocationTargetType;
  readonly revocationId: string;
  readonly expiresAt: EpochMillis;
  /** The deny list refuses every token until this instant. */
  readonly overflowUntil: EpochMillis;
}

export interface DenyListOptions {
  /** Hard cap on entries held at once (nothing is allocated for it up front). */
  readonly maxEntries: number;
  /** No rule is kept longer than this from when it is applied (the longest token lifetime). */
  readonly maxRuleTtlMs: Milliseconds;
  readonly clock: Clock;
  /** Called synchronously for each live rule dropped for lack of room. */
  readonly onLiveEviction?: (eviction: LiveEviction) => void;
  /** The rule-key hash; default a fresh random key per deny list. For tests only. */
  readonly hasher?: RuleKeyHasher;
}

/** Target types as small integers (the table's type byte). */
const TYPE_CODE: Readonly<Record<RevocationTargetType, number>> = { jti: 0, sub: 1, client_id: 2, sid: 3, jkt: 4 };
const TYPE_OF_CODE: readonly RevocationTargetType[] = REVOCATION_TARGET_TYPES;

/** Sweeping expired entries walks the whole table; do it at most this often. */
const SWEEP_INTERVAL_MS = 1000;

export function createDenyList(options: DenyListOptions): DenyList {
  const { clock, maxRuleTtlMs, maxEntries } = options;
  const hash = options.hasher ?? createRuleKeyHasher();
  const table = createCompactRuleTable();
  const key = new Uint32Array(RULE_KEY_WORDS);
  let overflowUntil: EpochMillis = 0;
  let liveEvictions = 0;
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let addedSinceSweep = 0;
  let sizeAfterSweep = 0;

  const sweep = (now: EpochMillis): void => {
    lastSweepAt = now;
    table.sweep(now);
    addedSinceSweep = 0;
    sizeAfterSweep = table.size;
  };

  /**
   * The live entry of (type, scope, value), or -1; an expired one met here is removed. Leaves the
   * rule's key in `key`.
   */
  const live = (type: number, value: string, scope: string | undefined, now: EpochMillis): number => {
    hash(type, scope ?? '', value, key, 0);
    const entry = table.find(key, 0);
    if (entry < 0) return -1;
    if (table.expiresAt(entry) > now) return entry;
    table.remove(entry);
    return -1;
  };

  /** Makes room for one more entry: sweeps, then drops the rule expiring first if all are live. */
  const makeRoom = (now: EpochMillis): void => {
    if (now - lastSweepAt >= SWEEP_INTERVAL_MS) sweep(now);
    while (table.size >= maxEntries) {
      const victim = table.earliestExpiring();
      const expiresAt = table.expiresAt(victim);
      const targetType = TYPE_OF_CODE[table.type(victim)]!;
      const revocationId = table.revocationId(victim);
      table.remove(victim);
      if (expiresAt <= now) continue;
      liveEvictions++;
      overflowUntil = Math.max(overflowUntil, expiresAt);
      options.onLiveEviction?.({ targetType, revocationId, expiresAt, overflowUntil });
    }
  };

  const matchOf = (entry: number, type: RevocationTargetType): DenyMatch => ({ revocationId: table.revocationId(entry), target: type });
  /** {@link live}, skipping the hash when no rule of the type is held (the common case for sub, client_id, sid, jkt). */
  const liveIfAny = (type: number, value: string, scope: string | undefined, now: EpochMillis): number =>
    table.countOf(type) === 0 ? -1 : live(type, value, scope, now);

  return {
    apply(rule) {
      const now = clock();
      const expiresAt = Math.min(rule.expiresAt, now + maxRuleTtlMs);
      if (expiresAt <= now) return 'expired';
      const type = TYPE_CODE[rule.target.type];
      const notAfterIat = rule.target.type === 'jti' ? Number.POSITIVE_INFINITY : rule.notAfterIat;
      const existing = live(type, rule.target.value, rule.scope, now);
      if (existing >= 0) {
        // Keep the later cut-off (and the revocation that set it) and the later expiry: the merged
        // rule denies everything either rule denied, for as long as either could matter.
        const later = Math.max(expiresAt, table.expiresAt(existing));
        if (notAfterIat > table.notAfterIat(existing)) table.update(existing, type, rule.revocationId, notAfterIat, later);
        else table.update(existing, type, table.revocationId(existing), table.notAfterIat(existing), later);
        return 'merged';
      }
      if (table.size >= maxEntries) makeRoom(now);
      else if (addedSinceSweep >= Math.max(sizeAfterSweep, 1024) && now - lastSweepAt >= SWEEP_INTERVAL_MS) sweep(now);
      // `live` hashed this rule's key into `key`, and nothing since has changed it.
      table.insert(key, 0, type, rule.revocationId, notAfterIat, expiresAt);
      addedSinceSweep++;
      return 'stored';
    },

    match(token, scope) {
      if (table.size === 0) return undefined;
      const now = clock();
      const byJti = liveIfAny(TYPE_CODE.jti, token.jti, scope, now);
      if (byJti >= 0) return matchOf(byJti, 'jti');
      const bySub = liveIfAny(TYPE_CODE.sub, token.sub, scope, now);
      if (bySub >= 0 && token.iat <= table.notAfterIat(bySub)) return matchOf(bySub, 'sub');
      const byClient = liveIfAny(TYPE_CODE.client_id, token.client_id, scope, now);
      if (byClient >= 0 && token.iat <= table.notAfterIat(byClient)) return matchOf(byClient, 'client_id');
      if (token.sid !== undefined) {
        const bySid = liveIfAny(TYPE_CODE.sid, token.sid, scope, now);
        if (bySid >= 0 && token.iat <= table.notAfterIat(bySid)) return matchOf(bySid, 'sid');
      }
      const jkt = token.cnf?.jkt;
      if (jkt !== undefined) {
        const byJkt = liveIfAny(TYPE_CODE.jkt, jkt, scope, now);
        if (byJkt >= 0 && token.iat <= table.notAfterIat(byJkt)) return matchOf(byJkt, 'jkt');
      }
      return undefined;
    },

    isOverflowing() {
      return overflowUntil !== 0 && clock() < overflowUntil;
    },

    get size() {
      return table.size;
    },

    get liveEvictions() {
      return liveEvictions;
    },

    reserve(more) {
      table.reserve(Math.min(maxEntries, table.size + more));
    },
  };
}
