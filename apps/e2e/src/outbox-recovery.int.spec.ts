import { createServer, type Server } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { Sidecar } from '@revmesh/sidecar';
import { topicNames } from '@revmesh/contracts';
import { getRevocation, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/**
 * "An accepted revocation is never lost": the authority accepts revocations while its broker
 * is unreachable, is killed (SIGKILL, no graceful shutdown), and publishes them after restart.
 */
describe('outbox recovery across an authority crash while Kafka is down', () => {
  let authority: AuthorityHandle | undefined;
  let sidecar: Sidecar | undefined;
  let blackhole: Server;
  afterAll(async () => {
    await sidecar?.close();
    await authority?.process.stop();
    blackhole?.close();
  });

  it('publishes every revocation accepted while the broker was down, once the restarted authority reaches it', async () => {
    // A port that accepts TCP connections and never answers: a broker that is down or hung.
    blackhole = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const deadBroker = `127.0.0.1:${(blackhole.address() as { port: number }).port}`;
    const prefix = uniquePrefix('outbox');

    authority = await startAuthority({ brokers: deadBroker, topicPrefix: prefix });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { status, body } = await revoke(authority, 'sub', `user-${i}`, `offline revocation ${i}`);
      expect(status).toBe(202);
      ids.push(body.id);
    }
    for (const id of ids) expect((await getRevocation(authority, id)).body.published).toBe(false);

    expect(await authority.process.stop('SIGKILL')).toBeNull();
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: prefix, previous: authority });

    for (const id of ids) {
      await eventually(`revocation ${id} published`, async () => (await getRevocation(authority!, id)).body.published === true, 30_000);
    }

    [sidecar] = await startSidecars(authority, 1, { instanceId: 'after-restart' });
    for (const id of ids) expect(sidecar!.appliedRevocation(id)).toBeDefined();
    // Republishing is allowed (at-least-once), but it must not change the effect: one rule per target.
    expect(sidecar!.stats().denyListSize).toBe(5);

    // In order: the topic holds each revocation in the order it was accepted (per target key, and here overall per partition).
    const kafka = new Kafka({ brokers: process.env['KAFKA_BROKERS']!.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `outbox-check-${Date.now()}` });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: topicNames(prefix).revocations, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        // Record values are compact JWS; the event is the (signed) payload in the middle.
        const payload = Buffer.from(message.value!.toString().split('.')[1] ?? '', 'base64url').toString();
        seen.push((JSON.parse(payload) as { payload: { revocation_id: string } }).payload.revocation_id);
      },
    });
    await eventually('all records read back', () => ids.every((id) => seen.includes(id)));
    await consumer.disconnect();
    expect(new Set(seen)).toEqual(new Set(ids));
  });
});
