import { topicReplication } from './topic-replication';

describe('topicReplication', () => {
  it.each([
    [1, 1, 1],
    [2, 2, 1],
    [3, 3, 2],
    [5, 3, 2],
  ])('on %i broker(s) replicates %i times with min.insync.replicas %i', (brokers, rf, isr) => {
    expect(topicReplication(brokers)).toEqual({ replicationFactor: rf, minInsyncReplicas: isr });
  });

  it('takes a configured factor up to the cluster size', () => {
    expect(topicReplication(5, 5)).toEqual({ replicationFactor: 5, minInsyncReplicas: 2 });
    expect(topicReplication(3, 1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
  });

  it('refuses a factor the cluster cannot hold or that is not a positive integer', () => {
    expect(() => topicReplication(1, 3)).toThrow('replication factor 3 needs at least 3 brokers; the cluster has 1');
    expect(() => topicReplication(3, 0)).toThrow('positive integer');
    expect(() => topicReplication(3, 1.5)).toThrow('positive integer');
  });
});
