import { createInMemoryTransport } from '@revmesh/test-support';
import { severableTransport } from './severable-transport';

const record = (n: number) => ({ topic: 't', key: `k${n}`, value: Buffer.from(String(n)) });

describe('severableTransport', () => {
  it('holds records and publishes while severed and lets them through, in order, once restored', async () => {
    const inner = createInMemoryTransport();
    const transport = severableTransport(inner);
    const seen: string[] = [];
    const reader = transport.createReader({ topic: 't', readerId: 'r' });
    await reader.start((r) => void seen.push(String(r.value)));
    const publisher = transport.createPublisher();
    await publisher.connect();

    await publisher.publish([record(1)]);
    await inner.settled();
    expect(seen).toEqual(['1']);

    transport.sever();
    expect(transport.severed).toBe(true);
    const direct = inner.createPublisher();
    await direct.connect();
    await direct.publish([record(2)]);
    let published = false;
    const held = publisher.publish([record(3)]).then(() => (published = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(['1']);
    expect(published).toBe(false);

    transport.restore();
    await held;
    await inner.settled();
    expect(seen).toEqual(['1', '2', '3']);
    expect(transport.severed).toBe(false);
    await reader.stop();
    await transport.close();
  });
});
