/** How revmesh's topics are replicated on the cluster that creates them. */
export interface TopicReplication {
  readonly replicationFactor: number;
  /** The topic's `min.insync.replicas`: with `acks=all`, a write is acknowledged only once on this many brokers. */
  readonly minInsyncReplicas: number;
}

/** Replicas per topic unless configured: three, as Kafka recommends for production, or fewer on a smaller cluster. */
export const DEFAULT_REPLICATION_FACTOR = 3;

/**
 * Replication for a new topic on a cluster of `brokerCount` brokers: `configured` replicas, or
 * {@link DEFAULT_REPLICATION_FACTOR} capped at the cluster size (so 3 on a cluster, 1 on a
 * single broker). `min.insync.replicas` is 2 from three replicas on (every acknowledged write is
 * on two brokers, and one broker may be lost without stopping writes), 1 below that (two replicas
 * requiring two would stop every write while either broker is down).
 *
 * @throws RangeError if `configured` is not a positive integer or exceeds the brokers there are.
 */
export function topicReplication(brokerCount: number, configured?: number): TopicReplication {
  if (!Number.isInteger(brokerCount) || brokerCount < 1) throw new RangeError(`the cluster reports ${brokerCount} brokers`);
  if (configured !== undefined) {
    if (!Number.isInteger(configured) || configured < 1) throw new RangeError(`replication factor must be a positive integer, got ${configured}`);
    if (configured > brokerCount) {
      throw new RangeError(`replication factor ${configured} needs at least ${configured} brokers; the cluster has ${brokerCount}`);
    }
  }
  const replicationFactor = configured ?? Math.min(DEFAULT_REPLICATION_FACTOR, brokerCount);
  return { replicationFactor, minInsyncReplicas: replicationFactor >= 3 ? 2 : 1 };
}
