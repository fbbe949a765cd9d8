import { parseBrokerList, validateKafkaOptions } from './kafka-options';
import { toTransportError } from './kafka-errors';
import { TransportError } from '../transport-error';

describe('parseBrokerList', () => {
  it('splits, trims and keeps host:port pairs', () => {
    expect(parseBrokerList(' 127.0.0.1:19092, kafka-1.internal:9092 ,')).toEqual(['127.0.0.1:19092', 'kafka-1.internal:9092']);
  });
  it.each([[''], [' , '], ['localhost'], ['127.0.0.1:'], ['http://127.0.0.1:9092']])('rejects %j with a message that shows the expected form', (value) => {
    expect(() => parseBrokerList(value)).toThrow(/host:port/);
  });
});

describe('validateKafkaOptions', () => {
  it('refuses an empty broker list', () => {
    expect(() => validateKafkaOptions({ brokers: [] })).toThrow(TypeError);
  });

  it('refuses a replication factor that is not a positive integer', () => {
    expect(() => validateKafkaOptions({ brokers: ['127.0.0.1:19092'], replicationFactor: 0 })).toThrow('replicationFactor must be a positive integer, got 0');
    expect(() => validateKafkaOptions({ brokers: ['127.0.0.1:19092'], replicationFactor: 3 })).not.toThrow();
  });
});

describe('toTransportError', () => {
  it('keeps kafkajs retriable flag and the cause', () => {
    const cause = Object.assign(new Error('leader not available'), { retriable: true });
    const error = toTransportError('publish', cause);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.retriable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('publish: leader not available');
  });
  it('treats unknown failures as not retriable', () => {
    expect(toTransportError('publish', new TypeError('bug')).retriable).toBe(false);
  });
});
