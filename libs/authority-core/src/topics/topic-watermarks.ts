import type { AuthorityStore } from '../store/store';

/** Per partition, the highest offset (high watermark) seen, as decimal strings (offsets are int64). */
export type PartitionWatermarks = Readonly<Record<string, string>>;

/** The highest offsets seen on each topic the authority publishes to, kept across restarts. */
export interface TopicWatermarks {
  get(topic: string): PartitionWatermarks | undefined;
  set(topic: string, partitions: PartitionWatermarks, at: number): void;
}

export function createTopicWatermarks(store: AuthorityStore): TopicWatermarks {
  const select = store.db.prepare<[string], { partitions: string }>('SELECT partitions FROM topic_watermarks WHERE topic = ?');
  const upsert = store.db.prepare<[string, string, number]>(
    'INSERT INTO topic_watermarks (topic, partitions, checked_at) VALUES (?, ?, ?) ON CONFLICT (topic) DO UPDATE SET partitions = excluded.partitions, checked_at = excluded.checked_at',
  );
  return {
    get(topic) {
      const row = select.get(topic);
      return row === undefined ? undefined : (JSON.parse(row.partitions) as PartitionWatermarks);
    },
    set(topic, partitions, at) {
      store.transaction(() => upsert.run(topic, JSON.stringify(partitions), at));
    },
  };
}

/** True when some partition's high watermark is below the highest seen: the topic lost records. */
export function wentBackwards(seen: PartitionWatermarks | undefined, now: PartitionWatermarks): boolean {
  if (seen === undefined) return false;
  return Object.entries(seen).some(([partition, high]) => BigInt(now[partition] ?? '0') < BigInt(high));
}

/** Per partition, the higher of two watermarks. */
export function highest(a: PartitionWatermarks | undefined, b: PartitionWatermarks): PartitionWatermarks {
  const merged: Record<string, string> = { ...a };
  for (const [partition, high] of Object.entries(b)) {
    const before = merged[partition];
    if (before === undefined || BigInt(high) > BigInt(before)) merged[partition] = high;
  }
  return merged;
}
