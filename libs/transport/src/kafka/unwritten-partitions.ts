/** A partition kafkajs said it wrote to, from `sendBatch`'s result. */
export interface WrittenPartition {
  readonly topicName: string;
  readonly partition: number;
}

/**
 * The `topic:partition`s that records were placed on but that no produce response covers.
 *
 * kafkajs 2.2.4 remembers, across the retries of one `sendBatch`, which brokers already answered
 * and never asks them again. When a broker dies mid-batch and its partitions move to a broker
 * that had answered for its own partitions, the retry skips those moved partitions and
 * `sendBatch` resolves as if everything was written: acknowledged records silently lost. The
 * partitioner tells where each record went; the responses tell what was written.
 *
 * @param placed where the partitioner put each record: `[topic, partition]`
 * @param written the partitions `sendBatch` reported
 */
export function unwrittenPartitions(placed: Iterable<readonly [string, number]>, written: readonly WrittenPartition[]): string[] {
  const done = new Set(written.map((w) => `${w.topicName}:${w.partition}`));
  const missing = new Set<string>();
  for (const [topic, partition] of placed) {
    const id = `${topic}:${partition}`;
    if (!done.has(id)) missing.add(id);
  }
  return [...missing].sort();
}
