import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSidecarReport, SIDECAR_ACK, SIDECAR_HEARTBEAT } from '@revmesh/contracts';
import { createKafkaTransport, parseBrokerList, type RecordPublisher } from '@revmesh/transport';
import { DEFAULT_HTTP_LIMITS } from '../config/config';
import { bootstrapAuthority, type RunningAuthority } from '../bootstrap';
import { silentLogger } from '../testing/authority-fixture.spec-helper';

/** The NestJS Kafka consumer of the acks topic, through the real broker. */
describe('acks consumer (real broker)', () => {
  const brokers = parseBrokerList(process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092');
  const prefix = `acks-int-${randomBytes(4).toString('hex')}.`;
  let dir: string;
  let authority: RunningAuthority;
  let publisher: RecordPublisher;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-acks-int-'));
    authority = await bootstrapAuthority(
      {
        port: 0,
        host: '127.0.0.1',
        http: DEFAULT_HTTP_LIMITS,
        kafkaBrokers: brokers,
        dataDir: dir,
        issuer: 'http://127.0.0.1',
        kek: randomBytes(32),
        topicPrefix: prefix,
        accessTokenTtlSeconds: 60,
        outboxPollMs: 50,
        logLevel: 'error',
        rotation: { periodSeconds: 3600, prepublishLeadSeconds: 60, promotionGateTimeoutMs: 1000, checkIntervalMs: 1000, eventSignerOverlapSeconds: 60 },
        eventSignerReset: false,
      },
      { listen: false, logger: silentLogger },
    );
    const transport = createKafkaTransport({ brokers, clientId: 'acks-int-test' });
    publisher = transport.createPublisher();
    await publisher.connect();
  });
  afterAll(async () => {
    await publisher?.disconnect();
    await authority?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const until = async (what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('connects in the background, stores heartbeats and acks, and counts garbage without stalling', async () => {
    await until('the consumer to connect', () => authority.acks?.state() === 'connected');
    const topic = `${prefix}acks.v1`;
    const now = Date.now();
    const revocation = await authority.core.revocations.revoke({ target: { type: 'jti', value: 'j1' }, reason: 'int', actor: { kind: 'admin-key', id: 'admin' } });
    await until('the revocation to be published', () => authority.core.revocations.get(revocation.id).published);
    const eventId = authority.core.revocations.get(revocation.id).eventId!;
    await publisher.publish([
      { topic, key: 'garbage', value: Buffer.from('not a report') },
      {
        topic,
        key: 'svc-1',
        value: encodeSidecarReport({ type: SIDECAR_HEARTBEAT, version: 1, instance_id: 'svc-1', sent_at: now, key_set_version: 3, started_at: now - 60_000, ready: true, audiences: ['api'], heartbeat_interval_ms: 10_000 }),
      },
      {
        topic,
        key: 'svc-1',
        value: encodeSidecarReport({ type: SIDECAR_ACK, version: 1, instance_id: 'svc-1', sent_at: now + 1, key_set_version: 3, event_id: eventId, event_type: 'revocation.issued', applied_at: now + 1 }),
      },
    ]);
    await until('the ack to be stored', () => authority.core.revocationCoverage(revocation.id).coverage.applied.length === 1);
    expect(authority.core.instances.live(Date.now()).map((i) => i.instanceId)).toEqual(['svc-1']);
    expect(authority.core.revocationCoverage(revocation.id).coverage.applied).toEqual([{ instanceId: 'svc-1', status: 'applied', appliedAt: now + 1, via: 'ack' }]);
    expect(authority.core.reports.stats()).toMatchObject({ invalid: 1, heartbeats: 1, acks: 1 });
  });
});
