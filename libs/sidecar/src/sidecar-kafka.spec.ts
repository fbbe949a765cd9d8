import { createInMemoryTransport, createRecordingLogger, createTestEventSigner, createTestIssuer, type InMemoryTransport } from '@revmesh/test-support';
import { createKafkaTransport } from '@revmesh/transport';
import { createSidecar } from './sidecar';

// Stands in for kafkajs: the sidecar must build its own transport from `brokers` and close it.
jest.mock('@revmesh/transport', () => ({
  ...jest.requireActual('@revmesh/transport'),
  createKafkaTransport: jest.fn(),
}));

describe('sidecar with brokers', () => {
  let transport: InMemoryTransport;
  let reports: InMemoryTransport;
  beforeEach(() => {
    transport = createInMemoryTransport();
    reports = createInMemoryTransport();
    jest.mocked(createKafkaTransport).mockReset().mockReturnValueOnce(transport).mockReturnValueOnce(reports);
  });

  it('creates a Kafka transport on start, named after the instance, and closes it on close', async () => {
    const issuer = await createTestIssuer({ issuer: 'https://auth.test' });
    const logger = createRecordingLogger();
    const sidecar = createSidecar({
      issuer: 'https://auth.test',
      audience: 'api',
      keys: { jwks: issuer.jwks },
      eventSigners: [(await createTestEventSigner()).publicJwk],
      brokers: ['127.0.0.1:19092', 'kafka-2:9092'],
      topicPrefix: 'it.',
      instanceId: 'svc-1',
      logger,
      denyList: { maxEntries: 100 },
    });
    expect(createKafkaTransport).not.toHaveBeenCalled();
    await sidecar.start();
    await sidecar.ready;
    expect(createKafkaTransport).toHaveBeenCalledWith({ brokers: ['127.0.0.1:19092', 'kafka-2:9092'], clientId: 'revmesh-sidecar-svc-1', logger });
    // Reporting has a client of its own, whose kafkajs retry errors are kept at debug: the reporter warns once per outage.
    expect(createKafkaTransport).toHaveBeenCalledWith({ brokers: ['127.0.0.1:19092', 'kafka-2:9092'], clientId: 'revmesh-sidecar-svc-1-reports', logger: expect.anything() });
    const reportsLogger = jest.mocked(createKafkaTransport).mock.calls[1]![0].logger!;
    reportsLogger.error('kafkajs Connection: boom');
    expect(logger.at('error')).toEqual([]);
    expect(logger.at('debug').map((e) => e.message)).toContain('kafkajs Connection: boom');
    expect(transport.activeReaders).toBe(2);
    expect(reports.connectedPublishers).toBe(1);
    await sidecar.close();
    expect(transport.activeReaders).toBe(0);
    expect(reports.connectedPublishers).toBe(0);
    expect(reports.records('it.acks.v1').length).toBeGreaterThan(0);
    expect(transport.closed).toBe(true);
    expect(reports.closed).toBe(true);
  });

  it('closes its transport after a failed start, even without close()', async () => {
    const failing = { ...transport, createReader: () => ({ caughtUp: new Promise<void>(() => undefined), start: () => Promise.reject(new Error('no broker')), stop: async () => undefined, lag: () => undefined }) };
    jest.mocked(createKafkaTransport).mockReset().mockReturnValueOnce(failing).mockReturnValueOnce(reports);
    const issuer = await createTestIssuer();
    const sidecar = createSidecar({
      issuer: 'https://auth.test',
      audience: 'api',
      keys: { jwks: issuer.jwks },
      eventSigners: [(await createTestEventSigner()).publicJwk],
      brokers: ['127.0.0.1:1'],
      logger: createRecordingLogger(),
      denyList: { maxEntries: 100 },
    });
    await expect(sidecar.start()).rejects.toMatchObject({ code: 'START_FAILED' });
    expect(transport.closed).toBe(true);
    expect(reports.closed).toBe(true);
    expect(reports.connectedPublishers).toBe(0);
  });
});
