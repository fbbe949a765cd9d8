import { LRUCache } from 'lru-cache';
import type { RevocationTarget, RevocationTargetType } from '@revmesh/contracts';
import type { Clock, EpochMillis, EpochSeconds, Milliseconds } from '../internal/units';

/**
 * The sidecar's in-memory deny rules.
 *
 * - A `jti` rule denies exactly that token.
 * - A `sub`, `client_id` or `sid` rule denies every token with that claim value whose `iat` is
 *   at or before `notAfterIat` (so a token issued after the revocation passes). If a target is
 *   revoked twice, the later cut-off (max `notAfterIat`) wins.
 *
 * **Memory bound.** Each rule is kept only until `expiresAt` (when no token it could match can
 * still be valid), and never longer than `maxRuleTtlMs` (the longest token lifetime), so the
 * number of live entries is at most `revocation rate × max token lifetime` (one per target:
 * re-revoking a target replaces its entry). `maxEntries` is the hard cap on top of that.
 *
 * **Overflow fails closed.** If the cap is reached while every entry is still live, the LRU has
 * to drop a live rule, and the sidecar no longer knows every revoked token. That is a security
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
 * on lookup, and by a sweep when the cap is reached.
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
}

export interface DenyRule {
  readonly revocationId: string;
  /** The issuer scope the rule applies to: `''` (default) for the revmesh authority, else the issuer URL. */
  readonly scope?: string;
  readonly target: RevocationTarget;
  /** For `sub`/`client_id`/`sid`: tokens with `iat` at or before this are denied. Ignored for `jti`. */
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
  /** Hard cap on entries held at once. */
  readonly maxEntries: number;
  /** No rule is kept longer than this from when it is applied (the longest token lifetime). */
  readonly maxRuleTtlMs: Milliseconds;
  readonly clock: Clock;
  /** Called synchronously for each live rule dropped for lack of room. */
  readonly onLiveEviction?: (eviction: LiveEviction) => void;
}

/** One entry. A class so a million of them share one hidden class (smaller and faster than object literals of varying shape). */
class DenyEntry {
  constructor(
    readonly revocationId: string,
    /** `Infinity` for `jti` rules: they match whatever the token's `iat`. */
    readonly notAfterIat: EpochSeconds,
    readonly expiresAt: EpochMillis,
  ) {}
}

/**
 * Cache key of a rule. The authority scope keeps the compact `type:value`; another scope is
 * `type|<scope length>|<scope><value>`. A target type contains neither ':' nor '|', and the
 * length prefix makes (scope, value) unambiguous, so no two (scope, type, value) share a key.
 */
const keyOf = (type: RevocationTargetType, value: string, scope: string | undefined): string =>
  scope === undefined || scope === '' ? `${type}:${value}` : `${type}|${scope.length}|${scope}${value}`;

/** The target type a cache key starts with. */
const typeOfKey = (key: string): RevocationTargetType => key.slice(0, key.search(/[:|]/)) as RevocationTargetType;

/** Sweeping expired entries walks the whole cache; when full, do it at most this often. */
const SWEEP_INTERVAL_MS = 1000;

export function createDenyList(options: DenyListOptions): DenyList {
  const { clock, maxRuleTtlMs } = options;
  let overflowUntil: EpochMillis = 0;
  let liveEvictions = 0;
  let lastSweepAt = Number.NEGATIVE_INFINITY;

  const cache = new LRUCache<string, DenyEntry>({
    max: options.maxEntries,
    ttl: maxRuleTtlMs,
    // No timers: ttlAutopurge would arm one per entry, and ttlResolution > 0 arms one to debounce
    // clock reads. Staleness is checked lazily against the injected clock instead.
    ttlAutopurge: false,
    ttlResolution: 0,
    allowStale: false,
    updateAgeOnGet: false,
    perf: { now: clock },
    dispose: (entry, key, reason) => {
      if (reason !== 'evict') return;
      const now = clock();
      // The LRU may also evict an entry that has expired but was not swept yet: harmless.
      if (entry.expiresAt <= now) return;
      liveEvictions++;
      overflowUntil = Math.max(overflowUntil, entry.expiresAt);
      options.onLiveEviction?.({
        targetType: typeOfKey(key),
        revocationId: entry.revocationId,
        expiresAt: entry.expiresAt,
        overflowUntil,
      });
    },
  });

  // `peek` rather than `get`: lookups must not reorder the LRU, so eviction order stays insertion
  // order, which is (nearly) expiry order: the first victim is the rule closest to expiring.
  const live = (key: string, now: EpochMillis): DenyEntry | undefined => {
    const entry = cache.peek(key);
    return entry !== undefined && entry.expiresAt > now ? entry : undefined;
  };

  return {
    apply(rule) {
      const now = clock();
      const expiresAt = Math.min(rule.expiresAt, now + maxRuleTtlMs);
      if (expiresAt <= now) return 'expired';
      const key = keyOf(rule.target.type, rule.target.value, rule.scope);
      const notAfterIat = rule.target.type === 'jti' ? Number.POSITIVE_INFINITY : rule.notAfterIat;
      const existing = live(key, now);
      let entry: DenyEntry;
      if (existing) {
        // Keep the later cut-off (and the revocation that set it) and the later expiry: the merged
        // rule denies everything either rule denied, for as long as either could matter.
        entry =
          notAfterIat > existing.notAfterIat
            ? new DenyEntry(rule.revocationId, notAfterIat, Math.max(expiresAt, existing.expiresAt))
            : new DenyEntry(existing.revocationId, existing.notAfterIat, Math.max(expiresAt, existing.expiresAt));
      } else {
        entry = new DenyEntry(rule.revocationId, notAfterIat, expiresAt);
        if (cache.size >= options.maxEntries && now - lastSweepAt >= SWEEP_INTERVAL_MS) {
          // Make room from expired entries before the LRU is forced to drop a live one.
          lastSweepAt = now;
          cache.purgeStale();
        }
      }
      cache.set(key, entry, { ttl: Math.max(1, Math.ceil(entry.expiresAt - now)) });
      return existing ? 'merged' : 'stored';
    },

    match(token, scope) {
      const now = clock();
      const byJti = live(keyOf('jti', token.jti, scope), now);
      if (byJti) return { revocationId: byJti.revocationId, target: 'jti' };
      const bySub = live(keyOf('sub', token.sub, scope), now);
      if (bySub && token.iat <= bySub.notAfterIat) return { revocationId: bySub.revocationId, target: 'sub' };
      const byClient = live(keyOf('client_id', token.client_id, scope), now);
      if (byClient && token.iat <= byClient.notAfterIat) return { revocationId: byClient.revocationId, target: 'client_id' };
      if (token.sid !== undefined) {
        const bySid = live(keyOf('sid', token.sid, scope), now);
        if (bySid && token.iat <= bySid.notAfterIat) return { revocationId: bySid.revocationId, target: 'sid' };
      }
      return undefined;
    },

    isOverflowing() {
      return clock() < overflowUntil;
    },

    get size() {
      return cache.size;
    },

    get liveEvictions() {
      return liveEvictions;
    },
  };
}
