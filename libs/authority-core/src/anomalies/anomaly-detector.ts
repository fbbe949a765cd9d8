import { randomUUID } from 'node:crypto';
import type { AnomalyKind, SidecarBlocked } from '@revmesh/contracts';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import { systemClock, type Clock, type Milliseconds } from '../time/clock';
import { createMinuteRate } from './minute-rate';

/** Thresholds of the anomaly signals (apps/authority reads them from `REVMESH_ANOMALY_*`). */
export interface AnomalyThresholds {
  /** An incident's alert is raised once per this window; repeats update count/last_seen. Default 15 min. */
  readonly dedupWindowMs: Milliseconds;
  /** Blocked uses of one revoked token / key before `revoked_token_use` is raised. Default 1. */
  readonly revokedUseMin: number;
  /** Window in which one jti's instances/addresses are counted. Default 5 min. */
  readonly jtiWindowMs: Milliseconds;
  /** Distinct instances presenting one jti within the window that raise `jti_spread`. Default 3. */
  readonly jtiInstances: number;
  /** Distinct client addresses presenting one jti within the window that raise `jti_spread`. Default 5. */
  readonly jtiAddresses: number;
  /** `auth_failure_spike`: failures/min at least this factor × the instance's baseline. Default 10. */
  readonly authFailureFactor: number;
  /** …and at least this many failures per minute (floor, so a zero baseline does not alert on 2). Default 30. */
  readonly authFailureMinPerMinute: number;
  /** `mass_invalidation`: revocations in the last minute at least this factor × baseline per minute. Default 10. */
  readonly massInvalidationFactor: number;
  /** …and at least this many revocations in the last minute. Default 50. */
  readonly massInvalidationMinPerMinute: number;
}

export const DEFAULT_ANOMALY_THRESHOLDS: AnomalyThresholds = {
  dedupWindowMs: 15 * 60_000,
  revokedUseMin: 1,
  jtiWindowMs: 5 * 60_000,
  jtiInstances: 3,
  jtiAddresses: 5,
  authFailureFactor: 10,
  authFailureMinPerMinute: 30,
  massInvalidationFactor: 10,
  massInvalidationMinPerMinute: 50,
};

/** Verification results that are not authentication failures (metrics.md: infrastructure results). */
export const NON_AUTH_FAILURE_RESULTS: ReadonlySet<string> = new Set([
  'ok',
  'TOKEN_MISSING',
  'NOT_READY',
  'STALE_STATE',
  'LOCKDOWN',
  'KEYS_UNAVAILABLE',
  'DENY_LIST_OVERFLOW',
  'INTERNAL_ERROR',
]);

export type AlertSeverity = 'info' | 'warning' | 'critical';
export type AlertDetails = Record<string, string | number | boolean | null | string[]>;

/** One deduplicated alert. */
export interface Alert {
  readonly alertId: string;
  readonly kind: AnomalyKind;
  readonly severity: AlertSeverity;
  readonly dedupKey: string;
  summary: string;
  readonly firstSeen: Milliseconds;
  lastSeen: Milliseconds;
  count: number;
  details: AlertDetails;
}

export interface AnomalyDetectorOptions {
  readonly thresholds?: Partial<AnomalyThresholds>;
  readonly clock?: Clock;
  readonly logger?: AuthorityLogger;
  /** A new alert (first occurrence in its dedup window): publish it. Never called for repeats. */
  readonly onRaised?: (alert: Alert) => void;
  /** Most alerts kept for `GET /v1/alerts`. Default 1000. */
  readonly maxAlerts?: number;
}

export interface AnomalyDetector {
  /** A `sidecar.blocked` report from the acks topic. */
  onBlocked(report: SidecarBlocked): void;
  /** A revocation the authority accepted (its own data: mass invalidation). */
  onRevocation(): void;
  /**
   * A failed or throttled client authentication at the authority's own token endpoint:
   * `auth_failure_spike` (instance `authority`) once the last minute's failures reach the
   * auth-failure thresholds against the previous hour's mean.
   */
  onClientAuthenticationFailure(): void;
  /**
   * A topic the authority publishes to was found deleted, recreated or truncated (its live state
   * was republished): someone deleted it, or the broker lost its data. Always critical.
   */
  onTopicLost(topic: string, how: 'missing' | 'truncated', republished: number): void;
  /**
   * A rotated refresh token was presented again after the grace window: someone else holds a
   * copy (stolen token, or a client bug). Its family (the session) was ended. Critical, one alert
   * per session however often the spent token is replayed (`refresh_token_reuse:<sid>`).
   */
  onRefreshTokenReuse(reuse: { readonly sid: string; readonly clientId: string; readonly sub: string }): void;
  /** Alerts, newest first. */
  list(): readonly Alert[];
  readonly thresholds: AnomalyThresholds;
}

export function validateAnomalyThresholds(t: AnomalyThresholds): AnomalyThresholds {
  for (const [name, value] of Object.entries(t)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`anomaly threshold ${name} must be a positive number`);
  }
  return t;
}

/**
 * Derives anomaly signals from sidecar reports and the authority's own revocations. Each incident
 * becomes one alert (by `dedup_key`, within `dedupWindowMs`); repeats update its count and
 * last_seen. State is in memory: a restart starts the baselines afresh.
 */
export function createAnomalyDetector(options: AnomalyDetectorOptions = {}): AnomalyDetector {
  const t = validateAnomalyThresholds({ ...DEFAULT_ANOMALY_THRESHOLDS, ...options.thresholds });
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const maxAlerts = options.maxAlerts ?? 1000;

  const alerts = new Map<string, Alert>(); // by dedup key, insertion = first seen
  const revokedUse = new Map<string, { count: number; instances: Set<string>; addresses: Set<string>; since: number }>();
  const jtiSeen = new Map<string, { at: number; instance: string; addresses: readonly string[] }[]>();
  const failureBaseline = new Map<string, { perMinute: number; samples: number }>();
  const revocationTimes: number[] = [];
  const tokenEndpointFailures = createMinuteRate();
  /** Revocations per completed minute, for the mass-invalidation baseline (last hour). */
  const minuteCounts = new Map<number, number>();

  function raise(kind: AnomalyKind, severity: AlertSeverity, dedupKey: string, summary: string, details: AlertDetails, increment: number): void {
    const now = clock.now();
    const existing = alerts.get(dedupKey);
    if (existing !== undefined && now - existing.firstSeen < t.dedupWindowMs) {
      existing.count += increment;
      existing.lastSeen = now;
      existing.summary = summary;
      existing.details = details;
      return;
    }
    if (existing !== undefined) alerts.delete(dedupKey);
    const alert: Alert = { alertId: randomUUID(), kind, severity, dedupKey, summary, firstSeen: now, lastSeen: now, count: increment, details };
    alerts.set(dedupKey, alert);
    while (alerts.size > maxAlerts) alerts.delete(alerts.keys().next().value as string);
    logger.warn(`anomaly: ${summary}`, { event: 'anomaly', alert_id: alert.alertId, kind, severity, dedup_key: dedupKey, ...details });
    options.onRaised?.(alert);
  }

  function revokedTokenUse(report: SidecarBlocked, now: number): void {
    for (const entry of report.revoked) {
      const subject = entry.revocation_id ?? (entry.code === 'KEY_REVOKED' ? entry.kid : null) ?? entry.jti;
      if (subject === null) continue;
      const dedupKey = `revoked_token_use:${entry.revocation_id !== null ? 'revocation' : entry.code === 'KEY_REVOKED' ? 'kid' : 'jti'}:${subject}`;
      let state = revokedUse.get(dedupKey);
      if (state === undefined || now - state.since >= t.dedupWindowMs) {
        state = { count: 0, instances: new Set(), addresses: new Set(), since: now };
        revokedUse.set(dedupKey, state);
      }
      state.count += entry.count;
      state.instances.add(report.instance_id);
      for (const a of entry.addresses) if (state.addresses.size < 100) state.addresses.add(a);
      if (state.count >= t.revokedUseMin) {
        raise(
          'revoked_token_use',
          'warning',
          dedupKey,
          `revoked ${entry.code === 'KEY_REVOKED' ? 'key' : 'token'} presented ${state.count} time(s) at ${state.instances.size} instance(s)`,
          {
            code: entry.code,
            revocation_id: entry.revocation_id,
            kid: entry.kid,
            jti: entry.jti,
            blocked: state.count,
            instances: [...state.instances],
            addresses: [...state.addresses],
          },
          entry.count,
        );
      }
    }
  }

  function jtiSpread(report: SidecarBlocked, now: number): void {
    for (const entry of report.revoked) {
      if (entry.jti === null) continue;
      const seen = (jtiSeen.get(entry.jti) ?? []).filter((s) => now - s.at < t.jtiWindowMs);
      seen.push({ at: now, instance: report.instance_id, addresses: entry.addresses });
      jtiSeen.set(entry.jti, seen);
      const instances = new Set(seen.map((s) => s.instance));
      const addresses = new Set(seen.flatMap((s) => s.addresses));
      if (instances.size >= t.jtiInstances || addresses.size >= t.jtiAddresses) {
        raise(
          'jti_spread',
          'critical',
          `jti_spread:${entry.jti}`,
          `one token (jti) presented at ${instances.size} instance(s) from ${addresses.size} address(es) within ${t.jtiWindowMs / 1000} s`,
          { jti: entry.jti, instances: [...instances], addresses: [...addresses].slice(0, 100), window_ms: t.jtiWindowMs },
          1,
        );
      }
    }
    if (jtiSeen.size > 50_000) {
      for (const [jti, seen] of jtiSeen) if (seen.every((s) => now - s.at >= t.jtiWindowMs)) jtiSeen.delete(jti);
    }
  }

  function authFailures(report: SidecarBlocked): void {
    const minutes = Math.max(report.window_end - report.window_start, 1000) / 60_000;
    let failures = 0;
    for (const [code, n] of Object.entries(report.results)) if (!NON_AUTH_FAILURE_RESULTS.has(code)) failures += n;
    const perMinute = failures / minutes;
    const baseline = failureBaseline.get(report.instance_id);
    const threshold = Math.max(t.authFailureMinPerMinute, t.authFailureFactor * (baseline?.perMinute ?? 0));
    if (perMinute >= threshold) {
      raise(
        'auth_failure_spike',
        'warning',
        `auth_failure_spike:${report.instance_id}`,
        `auth failures at ${report.instance_id}: ${perMinute.toFixed(1)}/min (baseline ${(baseline?.perMinute ?? 0).toFixed(1)}/min)`,
        { instance_id: report.instance_id, failures_per_minute: Math.round(perMinute * 10) / 10, baseline_per_minute: Math.round((baseline?.perMinute ?? 0) * 10) / 10, failures },
        1,
      );
      return; // a spike does not become the new normal
    }
    // Exponentially weighted baseline (about the last 20 windows).
    const next = baseline === undefined ? { perMinute, samples: 1 } : { perMinute: baseline.perMinute * 0.95 + perMinute * 0.05, samples: baseline.samples + 1 };
    failureBaseline.set(report.instance_id, next);
  }

  return {
    thresholds: t,
    onBlocked(report) {
      const now = clock.now();
      revokedTokenUse(report, now);
      jtiSpread(report, now);
      authFailures(report);
    },
    onRevocation() {
      const now = clock.now();
      revocationTimes.push(now);
      while (revocationTimes.length > 0 && now - revocationTimes[0]! >= 60_000) revocationTimes.shift();
      const minute = Math.floor(now / 60_000);
      minuteCounts.set(minute, (minuteCounts.get(minute) ?? 0) + 1);
      for (const m of minuteCounts.keys()) if (m < minute - 60) minuteCounts.delete(m);
      // Baseline: mean per minute over the previous hour (minutes without revocations count as 0),
      // excluding the last two minutes, which overlap the sliding window.
      let total = 0;
      for (const [m, n] of minuteCounts) if (m < minute - 1) total += n;
      const baseline = total / 60;
      const lastMinute = revocationTimes.length;
      if (lastMinute >= Math.max(t.massInvalidationMinPerMinute, t.massInvalidationFactor * baseline)) {
        raise(
          'mass_invalidation',
          'critical',
          'mass_invalidation',
          `${lastMinute} revocations in the last minute (baseline ${baseline.toFixed(1)}/min)`,
          { revocations_last_minute: lastMinute, baseline_per_minute: Math.round(baseline * 10) / 10 },
          1,
        );
      }
    },
    onTopicLost(topic, how, republished) {
      raise(
        'topic_lost',
        'critical',
        `topic_lost:${topic}`,
        `topic ${topic} was ${how === 'missing' ? 'deleted' : 'recreated or truncated'} on the broker; ${republished} live record(s) republished`,
        { topic, how, republished },
        1,
      );
    },
    onClientAuthenticationFailure() {
      const { lastMinute, baselinePerMinute } = tokenEndpointFailures.record(clock.now());
      if (lastMinute < Math.max(t.authFailureMinPerMinute, t.authFailureFactor * baselinePerMinute)) return;
      raise(
        'auth_failure_spike',
        'warning',
        'auth_failure_spike:authority:/oauth/token',
        `failed client authentications at the token endpoint: ${lastMinute} in the last minute (baseline ${baselinePerMinute.toFixed(1)}/min)`,
        { instance_id: 'authority', endpoint: '/oauth/token', failures_per_minute: lastMinute, baseline_per_minute: Math.round(baselinePerMinute * 10) / 10 },
        1,
      );
    },
    onRefreshTokenReuse({ sid, clientId, sub }) {
      raise(
        'refresh_token_reuse',
        'critical',
        `refresh_token_reuse:${sid}`,
        `a rotated refresh token of session ${sid} (client ${clientId}) was replayed: the session and its access tokens were revoked`,
        { sid, client_id: clientId, sub },
        1,
      );
    },
    list: () => [...alerts.values()].reverse(),
  };
}
