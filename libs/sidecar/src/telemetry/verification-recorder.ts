import type { AcceptLog } from '../reports/accept-log';
import type { BlockedAggregator, VerifyContext } from '../reports/blocked-aggregator';
import type { StalenessMonitor } from '../staleness/staleness-monitor';
import type { Enforced } from '../verify/enforcement';
import type { VerifyResult } from '../verify/verify-result';
import { ATTR_SPAN_INSTANCE_ID, ATTR_SPAN_JTI, ATTR_SPAN_KID, ATTR_SPAN_REVOCATION_ID, ATTR_SPAN_VERIFY_RESULT, SPAN_TOKEN_VERIFY } from './names';
import type { SidecarMetrics } from './sidecar-metrics';
import { recordFinishedSpan } from './tracing';

export interface VerificationRecorderOptions {
  readonly instanceId: string;
  readonly metrics: SidecarMetrics;
  readonly blocked: BlockedAggregator;
  /** Remembers accepted verifications for the acks of revocations (accepted after revocation). */
  readonly accepts: AcceptLog;
  readonly staleness: StalenessMonitor;
  /** Fraction (0..1) of rejected verifications that get a `token.verify` span. */
  readonly traceRejectedVerifications: number;
}

/**
 * Everything `verify` leaves behind besides its answer: the count per result (stats and metric),
 * the blocked report, the accept log, the fail-open warning, and a sampled span for a rejection. Accepted
 * verifications never get a span, so the accept path stays span-free.
 */
export interface VerificationRecorder {
  /** The start time to pass to {@link VerificationRecorder.record}: 0 unless rejected spans are sampled at all. */
  startTime(): number;
  record(enforced: Enforced, context: VerifyContext | undefined, startTime: number): void;
  /** `verify` results since creation, by `ok` or failure code. */
  counts(): Readonly<Record<string, number>>;
}

export function createVerificationRecorder(options: VerificationRecorderOptions): VerificationRecorder {
  const { instanceId, metrics, blocked, accepts, staleness } = options;
  const rate = options.traceRejectedVerifications;
  const verifications: Record<string, number> = {};

  const traceRejection = (startTime: number, result: VerifyResult, jti: string | undefined): void => {
    if (result.ok || rate <= 0 || Math.random() >= rate) return;
    recordFinishedSpan(
      SPAN_TOKEN_VERIFY,
      startTime,
      {
        [ATTR_SPAN_VERIFY_RESULT]: result.code,
        [ATTR_SPAN_INSTANCE_ID]: instanceId,
        ...(jti === undefined ? {} : { [ATTR_SPAN_JTI]: jti }),
        ...(result.code === 'TOKEN_REVOKED' ? { [ATTR_SPAN_REVOCATION_ID]: result.revocationId } : {}),
        ...(result.code === 'KEY_REVOKED' ? { [ATTR_SPAN_KID]: result.kid } : {}),
      },
      true,
    );
  };

  return {
    startTime: () => (rate > 0 ? Date.now() : 0),
    record({ result, jti, failOpen }, context, startTime) {
      const key = result.ok ? 'ok' : result.code;
      verifications[key] = (verifications[key] ?? 0) + 1;
      metrics.verification(key);
      blocked.record(result, jti, context);
      if (result.ok) accepts.record(result.claims);
      if (failOpen && result.ok) staleness.failOpenAccepted(result.claims.jti, context?.address);
      if (!result.ok) traceRejection(startTime, result, jti);
    },
    counts: () => ({ ...verifications }),
  };
}
