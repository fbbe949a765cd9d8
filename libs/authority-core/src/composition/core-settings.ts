import { topicNames, type TopicNames } from '@revmesh/contracts';
import type { AuthorityCoreOptions } from '../authority-core';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import { loadPolicyFile, type LoadedPolicyFile } from '../policy/policy-file';
import type { PolicyLimits } from '../policy/policy-validation';
import { DEFAULT_REVOCATION_SKEW_MS } from '../revocations/revocation';
import { DEFAULT_STORE_RETENTION, validateStoreRetention, type StoreRetentionPeriods } from '../retention/retention-periods';
import { DEFAULT_ROTATION_POLICY, validateRotationPolicy, type RotationPolicy } from '../rotation/rotation-policy';
import { realSleep, systemClock, type Clock, type Milliseconds, type Sleep } from '../time/clock';

/** The core's options with defaults applied and cross-checked, before anything is opened. */
export interface CoreSettings {
  readonly options: AuthorityCoreOptions;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: AuthorityLogger;
  readonly rotationPolicy: RotationPolicy;
  readonly skewMs: Milliseconds;
  readonly names: TopicNames;
  readonly policyLimits: PolicyLimits;
  /** Retention periods of the store (defaults applied, validated). */
  readonly storeRetention: StoreRetentionPeriods;
  /** The policy file, loaded and validated; undefined when none is configured. */
  readonly policyFile: LoadedPolicyFile | undefined;
}

/**
 * Applies defaults and validates. An invalid rotation policy, retention period or policy file stops the start here,
 * before the database is even opened.
 */
export function resolveCoreSettings(options: AuthorityCoreOptions): CoreSettings {
  const rotationPolicy = validateRotationPolicy({ ...DEFAULT_ROTATION_POLICY, ...options.rotation });
  const policyLimits: PolicyLimits = {
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    prepublishLeadMs: rotationPolicy.prepublishLeadMs,
    promotionGateTimeoutMs: rotationPolicy.promotionGateTimeoutMs,
  };
  return {
    options,
    clock: options.clock ?? systemClock,
    sleep: options.sleep ?? realSleep,
    logger: options.logger ?? silentLogger,
    rotationPolicy,
    skewMs: options.revocationSkewMs ?? DEFAULT_REVOCATION_SKEW_MS,
    names: topicNames(options.topicPrefix),
    policyLimits,
    storeRetention: validateStoreRetention({ ...DEFAULT_STORE_RETENTION, ...options.storeRetention }),
    policyFile: options.policyFile === undefined ? undefined : loadPolicyFile(options.policyFile, policyLimits),
  };
}
