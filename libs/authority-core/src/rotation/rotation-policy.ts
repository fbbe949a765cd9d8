import type { PolicySource } from '../policy/policy-document';
import type { Milliseconds } from '../time/clock';

/** When and how keys rotate. Validated once at start ({@link validateRotationPolicy}). */
export interface RotationPolicy {
  /** Age of the active key (since it became active) at which the scheduler replaces it, ms. Default 7 days. */
  readonly rotationPeriodMs: Milliseconds;
  /**
   * Minimum time a standby has been published before a scheduled rotation may promote it, ms.
   * Must be shorter than the period. Default 1 hour.
   */
  readonly prepublishLeadMs: Milliseconds;
  /** Longest wait for live sidecars to confirm a key (or event signer) before it starts signing, ms. Default 10 s. */
  readonly promotionGateTimeoutMs: Milliseconds;
  /** How often the scheduler looks for due rotations, retirements and withdrawals, ms. Default 1 s. */
  readonly checkIntervalMs: Milliseconds;
  /** How long a replaced event signer stays trusted before it is withdrawn, ms. Default 1 hour. */
  readonly eventSignerOverlapMs: Milliseconds;
}

export const DEFAULT_ROTATION_POLICY: RotationPolicy = {
  rotationPeriodMs: 7 * 24 * 3600 * 1000,
  prepublishLeadMs: 3600 * 1000,
  promotionGateTimeoutMs: 10_000,
  checkIntervalMs: 1000,
  eventSignerOverlapMs: 3600 * 1000,
};

/**
 * Checks a policy. The app validates its environment with friendlier messages first; this
 * repeats the rules for anyone using authority-core directly.
 *
 * @throws {TypeError} naming the field and the fix.
 */
export function validateRotationPolicy(policy: RotationPolicy): RotationPolicy {
  const positive = (name: keyof RotationPolicy, allowZero = false): void => {
    const value = policy[name];
    if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
      throw new TypeError(`rotation policy: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of ms`);
    }
  };
  positive('rotationPeriodMs');
  positive('prepublishLeadMs', true);
  positive('promotionGateTimeoutMs', true);
  positive('checkIntervalMs');
  positive('eventSignerOverlapMs');
  if (policy.prepublishLeadMs >= policy.rotationPeriodMs) {
    throw new TypeError(
      'rotation policy: prepublishLeadMs must be shorter than rotationPeriodMs (a standby must be promotable within one period)',
    );
  }
  return policy;
}

/**
 * The rotation policy in force: the security policy's `rotation.periodSeconds` when set, else
 * the configured period (REVMESH_KEY_ROTATION_PERIOD_SECONDS). Read on every use, so a policy
 * change applies at the next scheduler tick without a restart. The security policy is checked
 * against the lead and gate timeout when it is stored (policy-validation.ts).
 */
export function effectiveRotationPolicy(base: RotationPolicy, security: PolicySource | undefined): RotationPolicy {
  const periodSeconds = security?.current().rotation.periodSeconds;
  return periodSeconds === undefined ? base : { ...base, rotationPeriodMs: periodSeconds * 1000 };
}
