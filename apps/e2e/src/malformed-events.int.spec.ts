import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Sidecar } from '@revmesh/sidecar';
import { topicNames } from '@revmesh/contracts';
import { claimsOf, getRevocation, issueToken, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

describe('malformed events written straight to Kafka', () => {
  let authority: AuthorityHandle;
  let sidecar: Sidecar;
  let producer: Producer;

  beforeAll(async () => {
    const prefix = uniquePrefix('malformed');
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: prefix });
    // The first revocation makes sure the topic exists and the relay runs.
    const warmup = await revoke(authority, 'sub', 'nobody');
    await eventually('warm-up published', async () => (await getRevocation(authority, warmup.body.id)).body.published === true);
    [sidecar] = (await startSidecars(authority, 1)) as [Sidecar];
    producer = new Kafka({ brokers: process.env['KAFKA_BROKERS']!.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({
      topic: topicNames(prefix).revocations,
      messages: [
        { key: 'jti:x', value: 'this is not json' },
        { key: 'jti:x', value: JSON.stringify({ type: 'revocation.issued', version: 99, payload: {} }) },
        { key: 'jti:x', value: JSON.stringify({ type: 'revocation.issued', version: 1, id: 'not-a-uuid', payload: {} }) },
        { key: 'jti:x', value: JSON.stringify({ type: 'token.minted', version: 1 }) },
      ],
    });
  });
  afterAll(async () => {
    await producer?.disconnect();
    await sidecar?.close();
    await authority?.process.stop();
  });

  it('counts and skips them, and later valid events still apply', async () => {
    await eventually('malformed events counted', () => {
      const rejected = sidecar.stats().rejectedEvents as Record<string, number>;
      return Object.values(rejected).reduce((a, b) => a + b, 0) >= 4;
    });
    // Written without the authority's event-signing key: the garbage is not a JWS, the JSON ones are unsigned.
    expect(sidecar.stats().rejectedEvents).toMatchObject({ MALFORMED_JWS: 1, UNSIGNED: 3 });

    const token = await issueToken(authority);
    expect(await sidecar.verify(token)).toMatchObject({ ok: true });
    await revoke(authority, 'jti', String(claimsOf(token)['jti']));
    await eventually('valid revocation applied after the garbage', async () => !(await sidecar.verify(token)).ok);
    expect(await sidecar.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
  });
});
