import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acksTopicSpec, keysTopicSpec, revocationTopicSpec, topicNames, type RevmeshEvent } from '@revmesh/contracts';
import { createSidecar, type Sidecar } from '@revmesh/sidecar';
import {
  authorityHeartbeatEvent,
  createRecordingLogger,
  createRecordingMeterProvider,
  createTestEventSigner,
  createTestIssuer,
  eventRecordKey,
  freePort,
  type RecordingMeterProvider,
  type ServiceProcess,
  type TestEventSigner,
  type TestIssuer,
} from '@revmesh/test-support';
import { createKafkaTransport, type EventTransport, type RecordPublisher } from '@revmesh/transport';
import { claimsOf, issueToken, REPO_ROOT, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startDemoApi } from './support/demo-api-process';
import { eventually, uniquePrefix } from './support/wait';

const run = promisify(execFile);
const KAFKA_SH = join(REPO_ROOT, 'deploy/local-kafka/kafka.sh');

/**
 * The staleness policy through a real broker: a second, private broker (so the shared one is not disturbed)
 * is stopped for longer than the staleness bound; a fail-closed verification answers STALE_STATE,
 * a fail-open one accepts and is counted; once the broker is back and a heartbeat arrives, both
 * recover. The test plays the authority itself: signed heartbeats on the keys topic.
 */
describe('sidecar staleness with the broker stopped', () => {
  const MAX_SILENCE_MS = 3_000;
  let kafkaEnv: NodeJS.ProcessEnv;
  let dataDir: string;
  let brokers: string;
  let transport: EventTransport;
  let publisher: RecordPublisher;
  let signer: TestEventSigner;
  let issuer: TestIssuer;
  let sidecar: Sidecar;
  let meterProvider: RecordingMeterProvider;
  let heartbeats: NodeJS.Timeout | undefined;
  let topics: ReturnType<typeof topicNames>;

  const kafka = async (command: 'start' | 'stop'): Promise<string> => {
    const { stdout } = await run('bash', [KAFKA_SH, command], { env: kafkaEnv, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  };

  const publish = async (event: RevmeshEvent, topic: string) => {
    await publisher.connect();
    await publisher.publish([{ topic, key: eventRecordKey(event), value: await signer.sign(event) }]);
  };

  beforeAll(async () => {
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'revmesh-e2e-stale-kafka-'));
    kafkaEnv = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_DATA_DIR: dataDir };
    await kafka('start');
    brokers = `127.0.0.1:${port}`;
    topics = topicNames(uniquePrefix('stale'));
    transport = createKafkaTransport({ brokers: [brokers], clientId: 'e2e-stale-authority', logger: { warn: () => undefined, error: () => undefined } });
    await transport.ensureTopics([revocationTopicSpec(topics.revocations), keysTopicSpec(topics.keys), acksTopicSpec(topics.acks)]);
    publisher = transport.createPublisher();
    signer = await createTestEventSigner();
    issuer = await createTestIssuer({ issuer: 'https://auth.stale.test', audience: 'stale-api' });
    await publish(authorityHeartbeatEvent(), topics.keys);
    await publish(authorityHeartbeatEvent(), topics.revocations);
    meterProvider = createRecordingMeterProvider();
    sidecar = createSidecar({
      issuer: 'https://auth.stale.test',
      audience: 'stale-api',
      keys: { jwks: issuer.jwks },
      eventSigners: [signer.publicJwk],
      brokers: [brokers],
      topicPrefix: topics.revocations.replace(/revocations\.v1$/, ''),
      instanceId: 'e2e-stale-sidecar',
      heartbeatIntervalMs: 1_000,
      staleness: { maxSilenceMs: MAX_SILENCE_MS },
      logger: createRecordingLogger(),
      meterProvider,
    });
    await sidecar.start();
    await sidecar.ready;
    // The authority's heartbeat on both topics, every 500 ms; single flight, so a dead broker does not pile up publishes.
    let inFlight = false;
    heartbeats = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      Promise.all([publish(authorityHeartbeatEvent(), topics.keys), publish(authorityHeartbeatEvent(), topics.revocations)])
        .catch(() => undefined)
        .finally(() => (inFlight = false));
    }, 500);
  }, 300_000);

  afterAll(async () => {
    if (heartbeats) clearInterval(heartbeats);
    await sidecar?.close().catch(() => undefined);
    await publisher?.disconnect().catch(() => undefined);
    await transport?.close().catch(() => undefined);
    if (kafkaEnv) await kafka('stop').catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('fail-closed rejects with STALE_STATE and fail-open accepts (counted) while stale; both recover with the broker', async () => {
    const token = await issuer.sign();
    await eventually('heartbeats keep the sidecar fresh', () => sidecar.stats().staleness.ageMs < 1_500, 10_000);
    expect(await sidecar.verify(token)).toMatchObject({ ok: true });

    await kafka('stop');
    await eventually('the sidecar turns stale', () => sidecar.isStale(), MAX_SILENCE_MS + 30_000);
    expect(await sidecar.verify(token)).toMatchObject({ ok: false, code: 'STALE_STATE' });
    expect(await sidecar.verify(token, { stalePolicy: 'fail-open-UNSAFE' })).toMatchObject({ ok: true });
    expect(meterProvider.sum('revmesh.sidecar.fail_open.accepted')).toBe(1);
    expect(meterProvider.sum('revmesh.sidecar.verifications', { result: 'STALE_STATE' })).toBe(1);

    await kafka('start');
    await eventually('a heartbeat reaches the sidecar again', () => !sidecar.isStale(), 120_000);
    expect(await sidecar.verify(token)).toMatchObject({ ok: true });
    expect(await sidecar.verify(token, { stalePolicy: 'fail-open-UNSAFE' })).toMatchObject({ ok: true });
    expect(meterProvider.sum('revmesh.sidecar.fail_open.accepted')).toBe(1); // not stale: not a fail-open acceptance
  }, 300_000);
});

/** The demo-api's Prometheus endpoint after blocked requests and a revocation (names per metrics.md). */
describe('demo-api /metrics', () => {
  let authority: AuthorityHandle;
  let api: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('obsmetrics') });
    const demo = await startDemoApi(authority, 'demo-api-obs');
    url = demo.url;
    api = demo.process;
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await authority?.process.stop();
  });

  const hello = (token: string) => fetch(`${url}/v1/hello`, { headers: { authorization: `Bearer ${token}` } });

  it('shows verifications by result, propagation latency buckets and staleness gauges, labelled with the service and instance', async () => {
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const token = await issueToken(authority);
    expect((await hello(token)).status).toBe(200);
    expect((await hello('not.a.jwt')).status).toBe(401);
    await revoke(authority, 'jti', String(claimsOf(token)['jti']));
    await eventually('revoked token rejected over HTTP', async () => (await hello(token)).status === 401);

    const text = await (await fetch(`${url}/metrics`)).text();
    const lines = text.split('\n');
    const series = (name: string, ...labels: string[]) => lines.filter((l) => l.startsWith(name) && labels.every((x) => l.includes(x)));
    expect(series('revmesh_sidecar_verifications_total{', 'result="TOKEN_REVOKED"', 'service_name="revmesh-demo-api"', 'service_instance_id="demo-api-obs"').length).toBe(1);
    expect(series('revmesh_sidecar_verifications_total{', 'result="MALFORMED"').length).toBe(1);
    expect(series('revmesh_sidecar_verifications_total{', 'result="ok"').length).toBe(1);
    expect(series('revmesh_sidecar_propagation_latency_bucket{', 'target_type="jti"', 'replay="false"', 'le="+Inf"')).toEqual([expect.stringMatching(/ 1$/)]);
    expect(series('revmesh_sidecar_propagation_latency_count{', 'target_type="jti"').length).toBe(1);
    expect(series('revmesh_sidecar_staleness_limit{')).toEqual([expect.stringMatching(/ 60$/)]);
    expect(series('revmesh_sidecar_staleness_age{').length).toBe(1);
    expect(series('revmesh_sidecar_deny_list_size{').length).toBe(1);
    expect(series('revmesh_sidecar_key_set_size{', 'state="active"').length).toBe(1);
    expect(series('revmesh_sidecar_events_rejected_total{', 'reason="SIGNATURE_INVALID"', 'topic="revocations"')).toEqual([expect.stringMatching(/ 0$/)]);
  });
});
