import { unwrittenPartitions } from './unwritten-partitions';

describe('unwrittenPartitions', () => {
  it('is empty when every partition a record went to was written', () => {
    expect(unwrittenPartitions([['a', 0], ['a', 1], ['a', 0], ['b', 2]], [{ topicName: 'a', partition: 0 }, { topicName: 'a', partition: 1 }, { topicName: 'b', partition: 2 }])).toEqual([]);
  });

  it('names each partition records went to that no response covers, once', () => {
    expect(unwrittenPartitions([['a', 2], ['a', 0], ['a', 2], ['b', 0]], [{ topicName: 'a', partition: 0 }])).toEqual(['a:2', 'b:0']);
  });
});
