import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { signEvent, topicNames, type KeyStateChangedEvent, type RevocationIssuedEvent } from '@revmesh/contracts';
import type { Sidecar } from '@revmesh/sidecar';
import { claimsOf, issueToken, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { fetchEventSigners, startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/**
 * Anyone who can write to Kafka is not the authority: forged key and revocation events written
 * straight to the topics with a raw kafkajs producer (unsigned, signed with a wrong key,
 * replayed) are rejected and counted, and the sidecar's state does not change.
 */
describe('forged events written straight to Kafka', () => {
  let authority: AuthorityHandle;
  let sidecar: Sidecar;
  let producer: Producer;
  let topics: ReturnType<typeof topicNames>;
  const kafka = () => new Kafka({ brokers: process.env['KAFKA_BROKERS']!.split(','), logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    const prefix = uniquePrefix('forged');
    topics = topicNames(prefix);
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: prefix });
    [sidecar] = (await startSidecars(authority, 1)) as [Sidecar];
    producer = kafka().producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await sidecar?.close();
    await authority?.process.stop();
  });

  const rejectedTotal = () => Object.values(sidecar.stats().rejectedEvents as Record<string, number>).reduce((a, b) => a + b, 0);

  it('rejects unsigned, wrongly signed and replayed events, counts them, and changes nothing', async () => {
    const token = await issueToken(authority);
    const jti = String(claimsOf(token)['jti']);
    expect(await sidecar.verify(token)).toMatchObject({ ok: true });
    const [trusted] = (await fetchEventSigners(authority))!;
    const keySetBefore = JSON.stringify(sidecar.stats().keySet);
    const denyListBefore = sidecar.stats().denyListSize;

    const now = Date.now();
    const forgedRevocation: RevocationIssuedEvent = {
      id: randomUUID(),
      type: 'revocation.issued',
      version: 1,
      issued_at: now,
      actor: { kind: 'admin-key', id: 'attacker' },
      payload: {
        revocation_id: 'forged',
        target: { type: 'jti', value: jti },
        revoked_at: now,
        not_after_iat: Math.floor(now / 1000),
        expires_at: now + 300_000,
        reason: 'forged',
      },
    };
    // An attacker's own token-signing key, pushed as an active key, and a token it signed.
    const attackerTokenKey = await generateKeyPair('ES256', { extractable: true });
    const attackerJwk = { ...(await exportJWK(attackerTokenKey.publicKey)), kid: 'attacker-key', alg: 'ES256' as const, use: 'sig' as const };
    const forgedKey: KeyStateChangedEvent = {
      id: randomUUID(),
      type: 'key.state-changed',
      version: 1,
      issued_at: now,
      actor: { kind: 'system', id: 'attacker' },
      payload: {
        kid: 'attacker-key',
        state: 'active',
        public_jwk: attackerJwk as KeyStateChangedEvent['payload']['public_jwk'],
        key_set_version: 1_000_000,
        changed_at: now,
        retire_after: null,
        rotation_id: null,
        reason: null,
      },
    };
    const attackerSigner = await generateKeyPair('Ed25519');

    await producer.send({
      topic: topics.revocations,
      messages: [
        // unsigned
        { key: `jti:${jti}`, value: JSON.stringify(forgedRevocation) },
        // signed with a key that is not the authority's, but claiming the authority's kid
        { key: `jti:${jti}`, value: await signEvent(forgedRevocation, { kid: trusted!.kid, privateKey: attackerSigner.privateKey }) },
      ],
    });
    await producer.send({
      topic: topics.keys,
      messages: [
        { key: 'attacker-key', value: JSON.stringify(forgedKey) },
        { key: 'attacker-key', value: await signEvent(forgedKey, { kid: 'attacker-signer', privateKey: attackerSigner.privateKey }) },
        { key: 'attacker-key', value: await signEvent(forgedKey, { kid: trusted!.kid, privateKey: attackerSigner.privateKey }) },
      ],
    });

    // Replays: genuine records read back from the topics and written again.
    const genuine = await readAll(topics.keys, 1);
    await producer.send({ topic: topics.keys, messages: genuine.map((m) => ({ key: m.key, value: m.value })) });

    await eventually('forged events counted', () => rejectedTotal() >= 6);
    expect(sidecar.stats().rejectedEvents).toMatchObject({ UNSIGNED: 2, SIGNATURE_INVALID: 2, UNKNOWN_SIGNER: 1, REPLAY: 1 });

    // Nothing changed: the token is still accepted, no key was added, no deny rule appeared.
    expect(await sidecar.verify(token)).toMatchObject({ ok: true });
    expect(JSON.stringify(sidecar.stats().keySet)).toBe(keySetBefore);
    expect(sidecar.stats().denyListSize).toBe(denyListBefore);
    const attackerToken = await new SignJWT({ client_id: 'x', scope: 'all' })
      .setProtectedHeader({ alg: 'ES256', kid: 'attacker-key', typ: 'at+jwt' })
      .setIssuer(authority.url)
      .setAudience('demo-api')
      .setSubject('attacker')
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(attackerTokenKey.privateKey);
    expect(await sidecar.verify(attackerToken)).toMatchObject({ ok: false, code: 'KEY_UNKNOWN' });

    // The consumer kept going: a genuine revocation after the forgeries still applies.
    await revoke(authority, 'jti', jti);
    await eventually('genuine revocation applied', async () => !(await sidecar.verify(token)).ok);
    expect(await sidecar.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
  });

  async function readAll(topic: string, count: number): Promise<{ key: string | null; value: Buffer }[]> {
    const consumer = kafka().consumer({ groupId: `forged-read-${randomUUID()}` });
    const out: { key: string | null; value: Buffer }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        // Only genuine (signed by the authority) records: JWS values, not our own JSON forgeries.
        const value = message.value!;
        if (out.length < count && !value.toString().startsWith('{') && message.key?.toString() !== 'attacker-key') {
          out.push({ key: message.key?.toString() ?? null, value });
        }
      },
    });
    await eventually('genuine records read', () => out.length >= count);
    await consumer.disconnect();
    return out;
  }
});
