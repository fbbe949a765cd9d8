import type { IncomingRecord } from '@revmesh/transport';

/** What to do with a record of the tail: `covered` (already in the snapshot), `apply`, or `mismatch` (the topic is not the one the snapshot covers). */
export type TailVerdict = 'covered' | 'apply' | 'mismatch';

/**
 * Where a topic's tail starts after a snapshot, and the check that the topic read is the one the
 * snapshot covered.
 *
 * A snapshot covers offsets, and offsets only mean something on the same topic: a topic deleted
 * and recreated (the topic-loss recovery) starts again at 0, and once it has grown past the
 * snapshot's offsets, reading "from offset N" would silently skip records published after the
 * loss. So the tail of each partition starts one record early, at `N − 1`, the last record the
 * snapshot covers (the anchor): it must be there and older than the snapshot's `covered_at`
 * (CreateTime, set by the authority's clock, like `covered_at`). In a topic recreated after the
 * snapshot every record is newer than that, so the anchor check fails, and the caller falls back
 * to replaying the topic from its beginning. An anchor missing (cut by compaction, or a partition
 * now shorter than the snapshot's offset) fails the same way: when in doubt, replay in full.
 */
export interface SnapshotTail {
  /** Offsets to start the reader at (`N − 1` per partition with `N > 0`). */
  readonly fromOffsets: Readonly<Record<string, string>>;
  /** Judges the next record read (call for every record, in order). */
  check(record: IncomingRecord): TailVerdict;
  /** After catching up: the partitions whose anchor never came (a mismatch), empty when all is well. */
  missingAnchors(): readonly string[];
}

export function createSnapshotTail(offsets: Readonly<Record<string, string>>, coveredAt: number): SnapshotTail {
  const covered = new Map<string, bigint>();
  const fromOffsets: Record<string, string> = {};
  /** Partitions whose anchor is still expected. */
  const pending = new Set<string>();
  for (const [partition, offset] of Object.entries(offsets)) {
    const next = BigInt(offset);
    covered.set(partition, next);
    if (next > 0n) {
      fromOffsets[partition] = String(next - 1n);
      pending.add(partition);
    }
  }
  return {
    fromOffsets,
    check(record) {
      const partition = String(record.partition);
      const offset = BigInt(record.offset);
      const next = covered.get(partition);
      if (pending.has(partition)) {
        pending.delete(partition);
        if (next === undefined || offset !== next - 1n || record.timestamp > coveredAt) return 'mismatch';
        return 'covered';
      }
      // A partition the snapshot did not know (added since) is read from its beginning.
      return next !== undefined && offset < next ? 'covered' : 'apply';
    },
    missingAnchors: () => [...pending],
  };
}
