import type { IncomingRecord } from '@revmesh/transport';
import { createInMemoryTransport } from './in-memory-transport';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('in-memory transport', () => {
  it('replays the topic from the beginning, then delivers appended records; caughtUp covers what existed at start', async () => {
    const transport = createInMemoryTransport();
    transport.append({ topic: 't', key: 'a', value: '1' });
    transport.append({ topic: 't', key: 'b', value: '2' });
    const seen: string[] = [];
    let caughtUpAt = -1;
    const reader = transport.createReader({ topic: 't', readerId: 'r' });
    void reader.caughtUp.then(() => (caughtUpAt = seen.length));
    await reader.start((record) => void seen.push(record.value!.toString()));
    expect(seen).toEqual([]); // never delivered inside start()
    transport.append({ topic: 't', key: 'c', value: '3' });
    transport.append({ topic: 'other', key: 'c', value: 'x' });
    await reader.caughtUp;
    await transport.settled();
    expect(seen).toEqual(['1', '2', '3']);
    expect(caughtUpAt).toBeGreaterThanOrEqual(2);
    await reader.stop();
    expect(transport.activeReaders).toBe(0);
  });

  it('every reader sees every record (private readers)', async () => {
    const transport = createInMemoryTransport();
    transport.append({ topic: 't', key: 'a', value: '1' });
    const a: IncomingRecord[] = [];
    const b: IncomingRecord[] = [];
    const ra = transport.createReader({ topic: 't', readerId: 'a' });
    const rb = transport.createReader({ topic: 't', readerId: 'b' });
    await ra.start((r) => void a.push(r));
    await rb.start((r) => void b.push(r));
    await transport.settled();
    expect(a.map((r) => r.offset)).toEqual(['0']);
    expect(b).toEqual(a);
    await Promise.all([ra.stop(), rb.stop()]);
  });

  it('resolves caughtUp at once on an empty topic and rejects it when stopped before catching up', async () => {
    const transport = createInMemoryTransport();
    const empty = transport.createReader({ topic: 'empty', readerId: 'r' });
    await empty.start(() => undefined);
    await expect(empty.caughtUp).resolves.toBeUndefined();
    await empty.stop();

    const held = createInMemoryTransport({ beforeDeliver: () => new Promise<void>(() => undefined) });
    held.append({ topic: 't', value: 'x' });
    const reader = held.createReader({ topic: 't', readerId: 'r' });
    await reader.start(() => undefined);
    await flush();
    await reader.stop();
    await expect(reader.caughtUp).rejects.toMatchObject({ name: 'TransportError' });
  });

  it('reports a throwing handler through onHandlerError and keeps reading', async () => {
    const transport = createInMemoryTransport();
    transport.append({ topic: 't', value: 'bad' });
    transport.append({ topic: 't', value: 'good' });
    const errors: string[] = [];
    const seen: string[] = [];
    const reader = transport.createReader({ topic: 't', readerId: 'r', onHandlerError: (e, r) => errors.push(`${(e as Error).message}@${r.value}`) });
    await reader.start((r) => {
      if (r.value!.toString() === 'bad') throw new Error('boom');
      seen.push(r.value!.toString());
    });
    await reader.caughtUp;
    expect(errors).toEqual(['boom@bad']);
    expect(seen).toEqual(['good']);
    await reader.stop();
  });

  it('keeps a key on one partition with increasing offsets, and publishes through a connected publisher', async () => {
    const transport = createInMemoryTransport({ partitions: 4 });
    const publisher = transport.createPublisher();
    await expect(publisher.publish([{ topic: 't', key: 'k', value: Buffer.from('0') }])).rejects.toMatchObject({ name: 'TransportError' });
    await publisher.connect();
    await publisher.publish([
      { topic: 't', key: 'k', value: Buffer.from('1') },
      { topic: 't', key: 'k', value: Buffer.from('2') },
    ]);
    const [first, second] = transport.records('t');
    expect(first!.partition).toBe(second!.partition);
    expect([first!.offset, second!.offset]).toEqual(['0', '1']);
  });

  it('counts connected publishers and lets beforePublish fail a batch (a broker outage)', async () => {
    let outage: Error | undefined = new Error('broker down');
    const transport = createInMemoryTransport({
      beforePublish: () => {
        if (outage) throw outage;
      },
    });
    const publisher = transport.createPublisher();
    await publisher.connect();
    await publisher.connect();
    expect(transport.connectedPublishers).toBe(1);
    await expect(publisher.publish([{ topic: 't', key: 'k', value: Buffer.from('lost') }])).rejects.toThrow('broker down');
    expect(transport.records('t')).toEqual([]);
    outage = undefined;
    await publisher.publish([{ topic: 't', key: 'k', value: Buffer.from('kept') }]);
    expect(transport.records('t').map((r) => r.value!.toString())).toEqual(['kept']);
    await publisher.disconnect();
    await publisher.disconnect();
    expect(transport.connectedPublishers).toBe(0);
  });

  it('refuses to start a reader twice', async () => {
    const reader = createInMemoryTransport().createReader({ topic: 't', readerId: 'r' });
    await reader.start(() => undefined);
    await expect(reader.start(() => undefined)).rejects.toBeInstanceOf(TypeError);
    await reader.stop();
  });
});
