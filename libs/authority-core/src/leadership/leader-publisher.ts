import type { RecordPublisher } from '@revmesh/transport';
import type { Leadership } from './leadership';

/** Record header carrying the lease epoch of the leader that published the record (decimal). */
export const LEADER_EPOCH_HEADER = 'revmesh-leader-epoch';

/**
 * Kafka transactional id shared by every replica's publisher of one deployment (one topic
 * prefix): each new leader's first transaction bumps the producer epoch, and the broker refuses
 * the writes of any older producer of the id (a stale leader) with PRODUCER_FENCED.
 */
export function relayTransactionalId(topicPrefix: string): string {
  return `revmesh-authority-relay-${topicPrefix === '' ? 'default' : topicPrefix}`;
}

/**
 * `publisher` for the leader's singletons: each publish is refused with `NotLeaderError` unless
 * this replica holds the lease now (checked on the monotonic clock), and every record carries
 * the lease epoch in {@link LEADER_EPOCH_HEADER}. Connecting is not fenced (it writes nothing).
 */
export function leaderPublisher(publisher: RecordPublisher, leadership: Pick<Leadership, 'fence'>): RecordPublisher {
  return {
    connect: () => publisher.connect(),
    disconnect: () => publisher.disconnect(),
    async publish(records) {
      const epoch = String(leadership.fence());
      await publisher.publish(records.map((record) => ({ ...record, headers: { ...record.headers, [LEADER_EPOCH_HEADER]: epoch } })));
    },
  };
}
