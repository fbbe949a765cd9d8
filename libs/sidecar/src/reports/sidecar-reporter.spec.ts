import { decodeSidecarReport, type RevmeshEvent, type SidecarAck } from '@revmesh/contracts';
import { createInMemoryTransport, createRecordingLogger, createRecordingMeterProvider, revocationEvent } from '@revmesh/test-support';
import { TransportError } from '@revmesh/transport';
import { createSidecarMetrics } from '../telemetry/sidecar-metrics';
import { METRIC_ACKS_DROPPED } from '../telemetry/names';
import { createSidecarReporter, type SidecarReporterOptions } from './sidecar-reporter';

const drain = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('sidecar reporter', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  const setup = (overrides: Partial<SidecarReporterOptions> = {}) => {
    let outage = false;
    const transport = createInMemoryTransport({
      beforePublish: () => {
        if (outage) throw new TransportError('broker down', true);
      },
    });
    const meterProvider = createRecordingMeterProvider();
    const logger = createRecordingLogger();
    const reporter = createSidecarReporter({
      createPublisher: () => transport.createPublisher(),
      topic: 'acks',
      instanceId: 'i-1',
      audiences: ['api'],
      heartbeatIntervalMs: 1000,
      flushIntervalMs: 20,
      batchSize: 3,
      maxBufferedAcks: 4,
      closeFlushTimeoutMs: 100,
      status: () => ({ ready: true, keySetVersion: 7 }),
      clock: () => 1_750_000_000_000,
      logger,
      metrics: createSidecarMetrics({ meterProvider, denyListSize: () => 0, keySetVersion: () => 7 }),
      ...overrides,
    });
    const acks = (): SidecarAck[] =>
      transport
        .records('acks')
        .map((r) => decodeSidecarReport(r.value))
        .flatMap((d) => (d.ok && d.report.type === 'sidecar.ack' ? [d.report] : []));
    return { transport, reporter, meterProvider, logger, acks, setOutage: (down: boolean) => void (outage = down) };
  };
  const events = (n: number): RevmeshEvent[] => Array.from({ length: n }, (_, i) => revocationEvent({ target: { type: 'jti', value: `j${i}` } }));

  it('publishes a full batch at once, without waiting for the flush interval', async () => {
    const t = setup();
    t.reporter.start(1_750_000_000_000);
    await drain();
    for (const event of events(3)) t.reporter.ack(event);
    await drain();
    expect(t.acks()).toHaveLength(3);
    await t.reporter.close();
  });

  it('keeps at most maxBufferedAcks while the topic is unreachable, dropping (and counting) the oldest', async () => {
    const t = setup();
    t.setOutage(true);
    t.reporter.start(1_750_000_000_000);
    await drain();
    const sent = events(6);
    for (const event of sent) t.reporter.ack(event);
    await jest.advanceTimersByTimeAsync(20);
    expect(t.reporter.stats()).toMatchObject({ acksPending: 4, acksDropped: 2, publishing: false });
    expect(t.meterProvider.sum(METRIC_ACKS_DROPPED)).toBe(2);
    t.setOutage(false);
    await jest.advanceTimersByTimeAsync(1000);
    await drain();
    expect(t.acks().map((a) => a.event_id)).toEqual(sent.slice(2).map((e) => e.id));
    expect(t.acks()[0]).toMatchObject({ instance_id: 'i-1', key_set_version: 7, event_type: 'revocation.issued' });
    await t.reporter.close();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ignores acks after close and closes without a publisher if never started', async () => {
    const t = setup();
    await t.reporter.close();
    t.reporter.ack(events(1)[0]!);
    t.reporter.heartbeat();
    expect(t.reporter.stats()).toMatchObject({ acksPending: 0, heartbeatsSent: 0 });
    expect(jest.getTimerCount()).toBe(0);
  });
});
