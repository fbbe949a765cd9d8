import type { TopicNames } from '@revmesh/contracts';
import type { KeySetSnapshot } from './keys/key-set';
import type { KillSwitchSnapshot } from './kill-switch/kill-switches';
import type { SidecarState } from './lifecycle/sidecar-state';
import type { StalePolicy } from './options/sidecar-options';
import type { VerifyContext } from './reports/blocked-aggregator';
import type { ReportStats } from './reports/sidecar-reporter';
import type { TrustedSignerInfo } from './signers/trusted-signers';
import type { StalenessStats } from './staleness/staleness-monitor';
import type { AppliedRevocation } from './sync/applied-revocations';
import type { SidecarEventRejectionReason } from './sync/event-rejection';
import type { KeyEventListener } from './sync/key-sync';
import type { RevocationAppliedListener } from './sync/revocation-sync';
import type { KillSwitchFailure, VerifyResult } from './verify/verify-result';
import type { TokenPresentation } from './dpop/dpop-check';
import type { SnapshotCounts } from './snapshots/snapshot-bootstrap';

export type { StalenessStats } from './staleness/staleness-monitor';

/** Per-call options of {@link Sidecar.verify}. */
export interface VerifyOptions {
  /** Overrides the sidecar's `staleness.policy` for this call (one route). `'fail-open-UNSAFE'` weakens security. */
  readonly stalePolicy?: StalePolicy;
  /** Where the request came from (the adapters pass the client address); used for blocked reports only. */
  readonly context?: VerifyContext;
  /**
   * How the request presented the token: scheme, `DPoP` proof, method and URL (the HTTP adapters
   * pass it). Needed for DPoP-bound tokens (`cnf.jkt`): without it they fail `DPOP_REQUIRED`.
   */
  readonly presentation?: TokenPresentation;
}

/** A snapshot of what the sidecar has done; plain JSON, safe to serve on a debug endpoint. */
export interface SidecarStats {
  readonly instanceId: string;
  readonly state: SidecarState;
  /** True once caught up with the keys and revocation topics (and not closed). */
  readonly ready: boolean;
  /** The revocations topic. */
  readonly topic: string;
  readonly topics: TopicNames;
  /** Revocation events applied. */
  readonly eventsApplied: number;
  /** Revocation events (under a new event id) for a revocation already applied. */
  readonly duplicateEvents: number;
  /** Key, signer and kill-switch events applied from the keys topic. */
  readonly keyEventsApplied: number;
  /** The kill switches learnt from the keys topic (global and per audience), including lifted ones. */
  readonly killSwitches: readonly KillSwitchSnapshot[];
  readonly tombstones: number;
  /** Events rejected and never applied, by reason, both topics, e.g. `{ UNSIGNED: 1, REPLAY: 2 }`. */
  readonly rejectedEvents: Readonly<Partial<Record<SidecarEventRejectionReason, number>>>;
  /** The token-signing keys learnt from the keys topic, and the highest key-set version held. */
  readonly keySet: KeySetSnapshot;
  /** The event signers trusted right now: configured anchors and signers announced since. */
  readonly trustedSigners: readonly TrustedSignerInfo[];
  /** Heartbeats and acks on the acks topic. */
  readonly reports: ReportStats;
  /** Deny-list entries held (an upper bound on live rules: expired ones are swept lazily). */
  readonly denyListSize: number;
  /** True while the sidecar fails closed because a live rule was dropped (see `denyList.maxEntries`). */
  readonly denyListOverflow: boolean;
  readonly denyListEvictions: number;
  /** `verify` results since creation, by `ok` or failure code. */
  readonly verifications: Readonly<Record<string, number>>;
  /** The verified-token cache: entries and estimated bytes held, hits and misses since creation (see `tokenCache`). */
  readonly tokenCache: { readonly size: number; readonly bytes: number; readonly hits: number; readonly misses: number };
  /** Time since the sidecar last heard from the authority, and the policy past the bound. */
  readonly staleness: StalenessStats;
  /** The cold start from a signed snapshot (undefined with `snapshots.enabled: false`). */
  readonly snapshot: SnapshotCounts | undefined;
}

/** The revmesh sidecar: local token verification plus the deny rules pushed by the authority. */
export interface Sidecar {
  /** This sidecar's id (logs, metrics, broker client ids). */
  readonly instanceId: string;
  /**
   * Resolves once every event that existed on the keys topic and on the revocation topic when
   * `start()` was called has been checked and applied: the key set is loaded and every revocation
   * published before the start is enforced. Rejects with a `SidecarStartError` if reading could not
   * start, or a `SidecarClosedError` if the sidecar was closed first. Until then `verify` answers
   * `NOT_READY`.
   */
  readonly ready: Promise<void>;
  /**
   * Starts reading the keys and revocation topics from the beginning with private readers (no
   * consumer group offsets: every instance sees every event), and sends the first heartbeat.
   * Revocations are applied only once the keys topic is caught up, so events signed by a signer
   * announced there are not refused as `UNKNOWN_SIGNER`. Resolves once reading has begun; await
   * `ready` for coherence. Rejects with a `SidecarStartError` (cause: the transport error). Calling
   * it twice, or after `close()`, is a `TypeError`.
   */
  start(): Promise<void>;
  /**
   * Stops reading, stops the heartbeat, publishes pending acks (waiting at most 2 s), disconnects,
   * closes the Kafka transport if the sidecar created it, and leaves no timers or sockets. Idempotent.
   */
  close(): Promise<void>;
  /**
   * Verifies an access token: size and shape, the issuer (picked by `iss` among the trusted
   * ones), header `alg` (that issuer's allow-list) and `typ`, key, signature, `aud`,
   * `exp`/`nbf`/`iat`, required claims, then the deny rules of that issuer (read on every call,
   * never cached). Never throws for a bad token: narrow the result on `ok`, then `code`.
   */
  verify(token: string, options?: VerifyOptions): Promise<VerifyResult>;
  /** True when ready but past `staleness.maxSilenceMs` without hearing from the authority (readiness endpoints). */
  isStale(): boolean;
  /**
   * The `LOCKDOWN` failure when a kill switch with lockdown covers this sidecar's audiences (or
   * is global), else undefined. The HTTP adapters answer requests without a usable token with
   * it too, so a locked-down service refuses everything with `LOCKDOWN`, as `verify` does.
   */
  lockdown(): KillSwitchFailure | undefined;
  /** When this sidecar applied a revocation (among the last 10 000), or undefined. */
  appliedRevocation(revocationId: string): AppliedRevocation | undefined;
  /** Calls `listener` after each newly applied revocation. Returns the unsubscribe function. */
  onRevocationApplied(listener: RevocationAppliedListener): () => void;
  /** Calls `listener` after each key state change applied from the keys topic. Returns the unsubscribe function. */
  onKeyEvent(listener: KeyEventListener): () => void;
  stats(): SidecarStats;
}
