import type { TopicNames } from '@revmesh/contracts';
import type { GuardedDenyList } from './deny-list/guarded-deny-list';
import type { KeySet, KeySetSnapshot } from './keys/key-set';
import type { KillSwitches } from './kill-switch/kill-switches';
import type { SidecarLifecycle } from './lifecycle/sidecar-lifecycle';
import type { SidecarReporter } from './reports/sidecar-reporter';
import type { SidecarStats } from './sidecar-api';
import type { TrustedSigners } from './signers/trusted-signers';
import type { StalenessMonitor } from './staleness/staleness-monitor';
import type { EventIntake } from './sync/event-intake';
import type { KeySync } from './sync/key-sync';
import type { RevocationSync } from './sync/revocation-sync';
import type { VerificationRecorder } from './telemetry/verification-recorder';
import type { VerifiedTokenCache } from './verify/verified-token-cache';
import type { SnapshotBootstrap } from './snapshots/snapshot-bootstrap';

/** The parts `sidecar.stats()` reads. */
export interface SidecarStatsSources {
  readonly instanceId: string;
  readonly topics: TopicNames;
  readonly keySource: KeySetSnapshot['source'];
  readonly lifecycle: SidecarLifecycle;
  readonly revocations: RevocationSync;
  readonly intake: EventIntake;
  readonly keySync: KeySync;
  readonly keySet: KeySet;
  readonly killSwitches: KillSwitches;
  readonly trustedSigners: TrustedSigners;
  readonly reporter: SidecarReporter;
  readonly denyList: GuardedDenyList;
  readonly recorder: VerificationRecorder;
  readonly staleness: StalenessMonitor;
  readonly tokenCache: VerifiedTokenCache;
  readonly snapshots: SnapshotBootstrap | undefined;
}

/** One plain-JSON snapshot of every part (see {@link SidecarStats}). */
export function sidecarStats(s: SidecarStatsSources): SidecarStats {
  const counts = s.revocations.counts();
  const intakeCounts = s.intake.counts();
  const keyCounts = s.keySync.counts();
  return {
    instanceId: s.instanceId,
    state: s.lifecycle.state,
    ready: s.lifecycle.isReady(),
    topic: s.topics.revocations,
    topics: { ...s.topics },
    eventsApplied: counts.eventsApplied,
    duplicateEvents: counts.duplicateEvents,
    keyEventsApplied: keyCounts.keyEventsApplied + keyCounts.signerEventsApplied + keyCounts.killSwitchEventsApplied,
    killSwitches: s.killSwitches.list(),
    tombstones: intakeCounts.tombstones,
    rejectedEvents: intakeCounts.rejectedEvents,
    keySet: { source: s.keySource, version: s.keySync.version, keys: s.keySet.keys() },
    trustedSigners: s.trustedSigners.list(),
    reports: s.reporter.stats(),
    denyListSize: s.denyList.size,
    denyListOverflow: s.denyList.isOverflowing(),
    denyListEvictions: s.denyList.liveEvictions,
    verifications: s.recorder.counts(),
    tokenCache: { size: s.tokenCache.size, bytes: s.tokenCache.bytes, ...s.tokenCache.counts() },
    staleness: s.staleness.stats(),
    snapshot: s.snapshots?.counts(),
  };
}
