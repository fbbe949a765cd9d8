import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventSignerJwk } from '@revmesh/contracts';
import { createSidecar, type Sidecar, type VerifyResult } from '@revmesh/sidecar';
import { createKafkaTransport, type KafkaTransport } from '@revmesh/transport';
import { Kafka, logLevel } from 'kafkajs';
import { eventually, uniquePrefix } from './support/wait';

/** The little of authority-core this test drives, in process (required by name, as kill-switch.int.spec.ts does). */
interface InProcessCore {
  readonly clients: { register(registration: { clientId: string; audiences: string[]; scopes: string[] }): unknown };
  readonly tokens: { issueClientCredentials(client: unknown, request: { audience: string }): Promise<{ accessToken: string; claims: { jti: string } }> };
  readonly revocations: {
    revoke(input: { target: { type: 'jti'; value: string }; reason: string; actor: { kind: 'system'; id: string } }): Promise<{ id: string }>;
    get(id: string): { published: boolean };
  };
  readonly eventSigners: { trusted(): readonly EventSignerJwk[] };
  readonly audit: unknown;
  createRelay(options: { transport: KafkaTransport; publisher: ReturnType<KafkaTransport['createPublisher']>; pollIntervalMs: number }): { start(): void; stop(): Promise<void> };
  createHeartbeat(options: { publisher: ReturnType<KafkaTransport['createPublisher']>; intervalMs: number }): { start(): void; stop(): void };
  createTopicGuard(options: { inspector: KafkaTransport; ensureTopics: KafkaTransport['ensureTopics']; intervalMs: number }): {
    check(): Promise<readonly { topic: string; outcome: string }[]>;
    stop(): Promise<void>;
  };
  createSnapshotPublisher(options: {
    inspector: KafkaTransport;
    publisher: ReturnType<KafkaTransport['createPublisher']>;
    ensureTopics: KafkaTransport['ensureTopics'];
    intervalMs: number;
  }): { publishNow(context: unknown): Promise<{ seq: number; rules: number; offsets: { revocations: Record<string, string> } }>; stop(): Promise<void> };
  close(): void;
}
interface CoreModule {
  openAuthorityCore(options: Record<string, unknown>): Promise<InProcessCore>;
  systemAuditContext(id: string, justification: string | null): unknown;
}
const AUTHORITY_CORE = '@revmesh/authority-core';
const ISSUER = 'https://authority.snapshot.test';
const AUDIENCE = 'orders-api';
const code = (result: VerifyResult): string => (result.ok ? 'OK' : result.code);

/**
 * Cold start from a signed snapshot through the real broker: the authority publishes revocations,
 * then a snapshot, then more revocations; a sidecar started afterwards loads the snapshot (one
 * signature), replays only the tail, and refuses tokens revoked before and after the snapshot.
 */
describe('cold start from a signed snapshot through the real broker', () => {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
  const prefix = uniquePrefix('snapshot');
  let dir: string;
  let core: InProcessCore;
  let lib: CoreModule;
  let transport: KafkaTransport;
  let relay: { start(): void; stop(): Promise<void> };
  let heartbeat: { start(): void; stop(): void };
  let snapshots: ReturnType<InProcessCore['createSnapshotPublisher']>;
  let client: unknown;
  const sidecars: Sidecar[] = [];

  beforeAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require(AUTHORITY_CORE) as CoreModule;
    dir = mkdtempSync(join(tmpdir(), 'revmesh-snapshot-'));
    core = await lib.openAuthorityCore({ dataDir: dir, kek: randomBytes(32), issuer: ISSUER, accessTokenTtlSeconds: 300, topicPrefix: prefix });
    client = core.clients.register({ clientId: 'svc', audiences: [AUDIENCE], scopes: ['read'] });
    transport = createKafkaTransport({ brokers, clientId: 'revmesh-snapshot-e2e' });
    const publisher = transport.createPublisher();
    relay = core.createRelay({ transport, publisher, pollIntervalMs: 50 });
    relay.start();
    heartbeat = core.createHeartbeat({ publisher, intervalMs: 500 });
    heartbeat.start();
    snapshots = core.createSnapshotPublisher({ inspector: transport, publisher, ensureTopics: (specs) => transport.ensureTopics(specs), intervalMs: 0 });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.close()));
    heartbeat?.stop();
    await snapshots?.stop();
    await relay?.stop();
    await transport?.close();
    core?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const issue = async (): Promise<{ token: string; jti: string }> => {
    const issued = await core.tokens.issueClientCredentials(client, { audience: AUDIENCE });
    return { token: issued.accessToken, jti: issued.claims.jti };
  };
  const revokeAll = async (tokens: readonly { jti: string }[]): Promise<void> => {
    const ids: string[] = [];
    for (const { jti } of tokens) ids.push((await core.revocations.revoke({ target: { type: 'jti', value: jti }, reason: 'snapshot e2e', actor: { kind: 'system', id: 'e2e' } })).id);
    await eventually('every revocation published', () => ids.every((id) => core.revocations.get(id).published), 20_000);
  };

  it('loads the snapshot, replays only the tail, and enforces revocations from both', async () => {
    const before = await Promise.all(Array.from({ length: 30 }, issue));
    await revokeAll(before);
    const summary = await snapshots.publishNow(lib.systemAuditContext('snapshot-e2e', 'e2e: snapshot'));
    expect(summary.rules).toBe(30);
    const after = await Promise.all(Array.from({ length: 5 }, issue));
    await revokeAll(after);
    const untouched = await issue();

    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, eventSigners: [...core.eventSigners.trusted()], brokers, topicPrefix: prefix, instanceId: `snap-${randomUUID().slice(0, 8)}` });
    sidecars.push(sidecar);
    await sidecar.start();
    await sidecar.ready;

    expect(sidecar.stats().snapshot).toMatchObject({ loadedSeq: summary.seq, rules: 30, refused: {}, tailMismatches: 0 });
    // Only the tail's revocations went through the event path; the snapshot's came in bulk.
    expect(sidecar.stats().eventsApplied).toBe(5);
    for (const { token } of [...before, ...after]) expect(code(await sidecar.verify(token))).toBe('TOKEN_REVOKED');
    expect(code(await sidecar.verify(untouched.token))).toBe('OK');
  }, 90_000);

  it('refuses a snapshot manifest signed by a stranger, written straight into the topic, and still starts from the genuine one', async () => {
    const publisher = transport.createPublisher();
    await publisher.connect();
    // A forged manifest claiming a higher seq (an attacker with write access to Kafka).
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'revmesh-snapshot+jws', kid: 'stranger' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ seq: Number.MAX_SAFE_INTEGER })).toString('base64url');
    await publisher.publish([{ topic: `${prefix}snapshots.v1`, key: 'snapshot', value: Buffer.from(`${header}.${payload}.${randomBytes(64).toString('base64url')}`) }]);
    await publisher.disconnect();

    const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, eventSigners: [...core.eventSigners.trusted()], brokers, topicPrefix: prefix, instanceId: `snap-${randomUUID().slice(0, 8)}` });
    sidecars.push(sidecar);
    await sidecar.start();
    await sidecar.ready;
    expect(sidecar.stats().snapshot).toMatchObject({ loadedSeq: expect.any(Number), refused: { FORGED: 1 } });
  }, 60_000);

  it('after the revocations topic is lost and recovered: a sidecar holding only the older snapshot notices the recreated topic and replays it in full; the snapshot taken after the recovery covers the new topic', async () => {
    const before = await Promise.all(Array.from({ length: 10 }, issue));
    await revokeAll(before);
    const old = await snapshots.publishNow(lib.systemAuditContext('snapshot-e2e', 'e2e: before the loss'));

    // The guard's first look records the topics' offsets; after the deletion it recreates the
    // topic (or finds it recreated by the relay, offsets gone backwards) and republishes every live
    // revocation (batch-signed pages).
    const guard = core.createTopicGuard({ inspector: transport, ensureTopics: (specs) => transport.ensureTopics(specs), intervalMs: 600_000 });
    await guard.check();
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [`${prefix}revocations.v1`], timeout: 10_000 });
    await admin.disconnect();
    await eventually(
      'the guard recovered the revocations topic',
      async () => (await guard.check()).some((c) => c.topic === `${prefix}revocations.v1` && (c.outcome === 'missing' || c.outcome === 'truncated')),
      30_000,
    );
    await guard.stop();
    const during = await Promise.all(Array.from({ length: 5 }, issue));
    await revokeAll(during);
    const revoked = [...before, ...during];

    // Only the snapshot from before the loss exists: its offsets belong to the deleted topic.
    const start = async (): Promise<Sidecar> => {
      const sidecar = createSidecar({ issuer: ISSUER, audience: AUDIENCE, eventSigners: [...core.eventSigners.trusted()], brokers, topicPrefix: prefix, instanceId: `snap-${randomUUID().slice(0, 8)}` });
      sidecars.push(sidecar);
      await sidecar.start();
      await sidecar.ready;
      return sidecar;
    };
    const stale = await start();
    expect(stale.stats().snapshot).toMatchObject({ loadedSeq: old.seq, tailMismatches: 1 });
    for (const { token } of revoked) expect(code(await stale.verify(token))).toBe('TOKEN_REVOKED');

    // A snapshot after the recovery (the authority publishes one itself then) names the new topic's offsets.
    const fresh = await snapshots.publishNow(lib.systemAuditContext('snapshot-e2e', 'e2e: after the recovery'));
    const sidecar = await start();
    expect(sidecar.stats().snapshot).toMatchObject({ loadedSeq: fresh.seq, tailMismatches: 0 });
    for (const { token } of revoked) expect(code(await sidecar.verify(token))).toBe('TOKEN_REVOKED');
    expect(code(await sidecar.verify((await issue()).token))).toBe('OK');
  }, 120_000);
});
