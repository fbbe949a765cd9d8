import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A topic prefix of one's own on a shared broker (a demo run, a test). A run under its own prefix
 * never reads the events of an earlier one (signed by another authority's event signer, whose kill
 * switches it would replay), and deletes its topics when it stops, so a long-lived broker does not
 * collect them.
 */
export interface OwnTopics {
  /** `<label>-<time>-<random>.`: pass it as REVMESH_TOPIC_PREFIX / `topicPrefix` to every process. */
  readonly prefix: string;
  /** Deletes every topic under the prefix; best effort (the broker may already be gone). */
  remove(): Promise<void>;
}

export function createOwnTopics(brokers: string, label: string): OwnTopics {
  const prefix = `${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}.`;
  return {
    prefix,
    async remove() {
      const admin = new Kafka({ clientId: `revmesh-${label}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
      try {
        await admin.connect();
        const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
        if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
      } catch {
        // Leftover topics are harmless: the next run uses another prefix.
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
