import type { TopicReaderOptions } from '@revmesh/transport';
import { revocationEvent } from '@revmesh/test-support';
import { createSidecarFixture, TOPICS, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';

/** A topic whose offsets went backwards (recreated, or a broker lost its data) is read again: what was applied comes again. */
describe('events read again after a rewind', () => {
  let f: SidecarFixture;
  let resetRevocations: NonNullable<TopicReaderOptions['onReset']>;
  beforeEach(async () => {
    f = await createSidecarFixture({ start: false });
    const createReader = f.transport.createReader.bind(f.transport);
    // The in-memory transport never rewinds: the test tells the sidecar, as the Kafka reader would.
    f.transport.createReader = (options) => {
      if (options.topic === TOPICS.revocations) resetRevocations = options.onReset!;
      return createReader(options);
    };
    await f.sidecar.start();
    await f.sidecar.ready;
  });
  afterEach(async () => {
    await f.sidecar.close();
  });

  it('skips the events already applied up to where it had read, counts them apart and logs one warning once past it', async () => {
    const first = revocationEvent({ target: { type: 'jti', value: 'j1' }, now: f.clock.now() });
    await f.publish(first);
    const [applied] = f.transport.records(TOPICS.revocations);
    // The reader went back to the topic's beginning; the event applied before is read again at the next offset.
    resetRevocations({ partition: applied!.partition, previousOffset: String(BigInt(applied!.offset) + 1n), offset: '0' });
    await f.publish(first);
    expect(f.logger.at('warn')).toEqual([]);
    expect(f.sidecar.stats().rejectedEvents).toEqual({});

    // A new event on the same partition (same target, so same key), past the window.
    await f.publish(revocationEvent({ target: { type: 'jti', value: 'j1' }, now: f.clock.now() }));
    expect(f.sidecar.stats().eventsApplied).toBe(2);
    expect(f.logger.at('warn')).toEqual([
      expect.objectContaining({ fields: expect.objectContaining({ topic: TOPICS.revocations, already_applied: 1 }) }),
    ]);

    // Past the window, the same event again is a replay like any other.
    await f.publish(first);
    expect(f.sidecar.stats().rejectedEvents).toEqual({ REPLAY: 1 });
  });
});
