import type { SidecarBlocked } from '@revmesh/contracts';
import type { Milliseconds } from '../time/clock';

/** One revoked credential presented at one instance within one reporting window. */
export interface BlockedPresentation {
  readonly instanceId: string;
  readonly windowStart: Milliseconds;
  readonly windowEnd: Milliseconds;
  readonly code: 'TOKEN_REVOKED' | 'KEY_REVOKED';
  readonly revocationId: string | null;
  readonly jti: string | null;
  readonly kid: string | null;
  readonly count: number;
}

/**
 * The revoked credentials sidecars reported as still presented (`sidecar.blocked`), newest last,
 * for incident timelines. In memory and bounded: reports are not stored, so a restart forgets
 * them (the anomaly alerts they raised went to the alerts topic).
 */
export interface BlockedReportLog {
  record(report: SidecarBlocked): void;
  /** Presentations matching a revocation id, a jti or a kid, oldest first. */
  matching(filter: { readonly revocationIds?: ReadonlySet<string>; readonly kids?: ReadonlySet<string> }): BlockedPresentation[];
}

/** Default number of presentations kept. */
export const DEFAULT_BLOCKED_LOG_SIZE = 5000;

export function createBlockedReportLog(size: number = DEFAULT_BLOCKED_LOG_SIZE): BlockedReportLog {
  const kept: BlockedPresentation[] = [];
  return {
    record(report) {
      for (const revoked of report.revoked) {
        kept.push({
          instanceId: report.instance_id,
          windowStart: report.window_start,
          windowEnd: report.window_end,
          code: revoked.code,
          revocationId: revoked.revocation_id,
          jti: revoked.jti,
          kid: revoked.kid,
          count: revoked.count,
        });
      }
      if (kept.length > size) kept.splice(0, kept.length - size);
    },
    matching({ revocationIds, kids }) {
      return kept.filter(
        (p) => (p.revocationId !== null && revocationIds?.has(p.revocationId) === true) || (p.code === 'KEY_REVOKED' && p.kid !== null && kids?.has(p.kid) === true),
      );
    },
  };
}
