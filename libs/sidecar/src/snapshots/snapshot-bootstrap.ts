import { forEachSnapshotRule, type EventSignerTrust, type SnapshotRefusalReason, type TopicNames } from '@revmesh/contracts';
import type { EventTransport } from '@revmesh/transport';
import type { DenyList } from '../deny-list/deny-list';
import type { Clock, Milliseconds } from '../internal/units';
import type { SidecarLogger } from '../logging/logger';
import { readNewestSnapshot, type SnapshotRefusal } from './snapshot-loader';
import { createSnapshotTail, type SnapshotTail } from './snapshot-tail';

/** What the cold start from a snapshot did, for `sidecar.stats().snapshot`. */
export interface SnapshotCounts {
  /** `seq` of the snapshot loaded at start, or undefined when the topics were replayed in full. */
  readonly loadedSeq: number | undefined;
  /** Rules the loaded snapshot held (expired ones are not stored). */
  readonly rules: number;
  /** Time from the start of the snapshot read to its rules being in the deny list, ms. */
  readonly loadMs: number | undefined;
  /** The part of `loadMs` spent reading the snapshot topic and checking the signature and hashes, ms. */
  readonly readMs: number | undefined;
  /** Snapshots refused, by reason. */
  readonly refused: Readonly<Partial<Record<SnapshotRefusalReason, number>>>;
  /** Times the tail did not match the snapshot (a topic recreated since) and the revocations topic was replayed in full. */
  readonly tailMismatches: number;
}

export interface SnapshotBootstrapOptions {
  readonly topics: TopicNames;
  readonly instanceId: string;
  readonly trust: EventSignerTrust;
  readonly denyList: Pick<DenyList, 'apply' | 'reserve'>;
  /** The deny-rule scope of a rule's `iss`, as for revocation events. */
  readonly scopeOf: (iss: string | undefined) => string;
  readonly timeoutMs: Milliseconds;
  readonly clock: Clock;
  readonly logger: SidecarLogger;
  readonly isClosed: () => boolean;
}

/**
 * The cold start from a signed snapshot: read the newest valid one, check its one signature and
 * its chunk hashes, load its rules into the deny list in bulk (no event, no signature per rule),
 * and say where the revocations topic's tail starts. Every refusal is counted and logged at
 * warn; without a usable snapshot the caller replays the revocations topic in full, so a
 * snapshot can only make a start faster, never change what the sidecar enforces.
 *
 * Loading never rolls back: rules only add to the deny list (a later cut-off and a later expiry
 * win, as for events), and a snapshot at or below the `seq` already loaded is refused as `OLD`.
 */
export interface SnapshotBootstrap {
  /** Loads the newest usable snapshot; returns the tail to read, or undefined (replay in full). */
  load(transport: EventTransport): Promise<SnapshotTail | undefined>;
  /** Records that the tail did not match (the caller replays in full). */
  tailMismatch(partitions: readonly string[]): void;
  counts(): SnapshotCounts;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createSnapshotBootstrap(options: SnapshotBootstrapOptions): SnapshotBootstrap {
  const { logger, clock } = options;
  const refused: Partial<Record<SnapshotRefusalReason, number>> = {};
  let loadedSeq: number | undefined;
  let rules = 0;
  let loadMs: number | undefined;
  let readMs: number | undefined;
  let tailMismatches = 0;

  const onRefused = (refusal: SnapshotRefusal): void => {
    refused[refusal.reason] = (refused[refusal.reason] ?? 0) + 1;
    logger.warn('revmesh sidecar refused a snapshot; it was not loaded', { reason: refusal.reason, detail: refusal.message, ...(refusal.seq === undefined ? {} : { seq: refusal.seq }) });
  };

  return {
    async load(transport) {
      const started = clock();
      const snapshot = await readNewestSnapshot({
        transport,
        topics: options.topics,
        readerId: `${options.instanceId}.snapshots`,
        trust: options.trust,
        heldSeq: loadedSeq ?? 0,
        timeoutMs: options.timeoutMs,
        logger,
        onRefused,
        isClosed: options.isClosed,
      });
      if (snapshot === undefined || options.isClosed()) return undefined;
      const read = clock() - started;
      const { manifest, body } = snapshot;
      let count = 0;
      options.denyList.reserve(manifest.rules);
      try {
        // The rules are signed (the manifest names the body's hashes): each one applied is a genuine
        // revocation, so a body that turned out malformed half-way leaves only true rules behind.
        count = forEachSnapshotRule(body, (rule) => {
          options.denyList.apply({
            revocationId: rule.revocationId,
            scope: options.scopeOf(rule.iss),
            target: { type: rule.targetType, value: rule.value },
            notAfterIat: rule.notAfterIat,
            expiresAt: rule.expiresAt,
          });
        });
      } catch (error) {
        onRefused({ reason: 'TRUNCATED', seq: manifest.seq, message: `snapshot ${manifest.seq} body: ${messageOf(error)}` });
        return undefined;
      }
      loadedSeq = manifest.seq;
      rules = count;
      loadMs = clock() - started;
      readMs = read;
      logger.info('revmesh sidecar loaded a snapshot; replaying the tail of the revocations topic', {
        seq: manifest.seq,
        rules: count,
        signer_kid: snapshot.signerKid,
        created_at: new Date(manifest.created_at).toISOString(),
        load_ms: loadMs,
        read_ms: read,
        offsets: manifest.offsets.revocations,
      });
      return createSnapshotTail(manifest.offsets.revocations, manifest.covered_at);
    },
    tailMismatch(partitions) {
      tailMismatches++;
      logger.warn('revmesh sidecar: the revocations topic does not match the snapshot (recreated since?); replaying it in full', {
        seq: loadedSeq,
        partitions,
      });
    },
    counts: () => ({ loadedSeq, rules, loadMs, readMs, refused: { ...refused }, tailMismatches }),
  };
}
