import type { RevocationTargetType } from '@revmesh/contracts';
import type { EpochMillis, Milliseconds } from '../internal/units';

/** When this sidecar applied a revocation: the evidence behind "when did each service stop accepting it". */
export interface AppliedRevocation {
  readonly revocationId: string;
  /** Id of the event that carried it (the first one, if it was republished). */
  readonly eventId: string;
  readonly targetType: RevocationTargetType;
  /** When it was applied, epoch ms (sidecar clock). */
  readonly appliedAt: EpochMillis;
  /** `appliedAt − issued_at` of the event, ms, floored at 0 (clocks of different hosts may disagree). */
  readonly latencyMs: Milliseconds;
  /** True if applied while catching up at start, rather than live. */
  readonly replay: boolean;
}

/** How many recent applications are remembered for {@link AppliedRevocations.get}. */
export const APPLIED_REVOCATIONS_LIMIT = 10_000;

/**
 * A bounded record of recent applications, oldest forgotten first. For demos, tests and
 * debugging; enforcement never reads it.
 */
export interface AppliedRevocations {
  get(revocationId: string): AppliedRevocation | undefined;
  has(revocationId: string): boolean;
  add(applied: AppliedRevocation): void;
}

export function createAppliedRevocations(limit: number = APPLIED_REVOCATIONS_LIMIT): AppliedRevocations {
  // A Map iterates in insertion order, so its first key is the oldest record.
  const records = new Map<string, AppliedRevocation>();
  return {
    get: (revocationId) => records.get(revocationId),
    has: (revocationId) => records.has(revocationId),
    add(applied) {
      if (records.has(applied.revocationId)) return;
      if (records.size >= limit) {
        const oldest = records.keys().next();
        if (!oldest.done) records.delete(oldest.value);
      }
      records.set(applied.revocationId, applied);
    },
  };
}
