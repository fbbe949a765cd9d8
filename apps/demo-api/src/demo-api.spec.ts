import { topicNames } from '@revmesh/contracts';
import {
  appendSignedEvent,
  createInMemoryTransport,
  createRecordingLogger,
  createTestEventSigner,
  createTestIssuer,
  keyStateEvent,
  authorityHeartbeatEvent,
} from '@revmesh/test-support';
import type { DemoApiConfig } from './config/demo-api-config';
import { createDemoApi, type DemoApi } from './demo-api';
import { severableTransport } from './drill/severable-transport';

const CONFIG: DemoApiConfig = {
  port: 0,
  host: '127.0.0.1',
  brokers: ['127.0.0.1:1'],
  authorityUrl: 'http://127.0.0.1:1',
  issuer: 'https://auth.test',
  audience: 'demo-api',
  topicPrefix: 'revmesh.',
  instanceId: 'demo-api-test',
  eventSigners: undefined,
  maxSilenceMs: undefined,
};

describe('demo-api', () => {
  let api: DemoApi | undefined;
  afterEach(async () => {
    await api?.sidecar.close();
    await api?.app.close();
    api = undefined;
  });

  it('verifies with keys from the keys topic and shows its key set on /_revmesh/keys', async () => {
    const topics = topicNames('revmesh.');
    const signer = await createTestEventSigner();
    const issuer = await createTestIssuer({ issuer: CONFIG.issuer, audience: CONFIG.audience });
    const transport = createInMemoryTransport();
    await appendSignedEvent(transport, topics.keys, keyStateEvent({ key: issuer, state: 'active', keySetVersion: 1 }), signer);
    api = createDemoApi(CONFIG, { eventSigners: [signer.publicJwk], transport, logger: createRecordingLogger() });
    await api.sidecar.start();
    await api.sidecar.ready;

    const token = await issuer.sign({ sub: 'alice' });
    const hello = await api.app.inject({ method: 'GET', url: '/v1/hello', headers: { authorization: `Bearer ${token}` } });
    expect(hello.json()).toEqual({ hello: 'alice', instance_id: 'demo-api-test' });

    const keys = await api.app.inject({ method: 'GET', url: '/_revmesh/keys' });
    expect(keys.json()).toEqual({
      instance_id: 'demo-api-test',
      source: 'kafka',
      version: 1,
      keys: [{ kid: issuer.kid, state: 'active', keySetVersion: 1 }],
      trusted_signers: [{ kid: signer.kid, origin: 'configured' }],
    });

    await appendSignedEvent(transport, topics.keys, keyStateEvent({ key: issuer, state: 'revoked', keySetVersion: 2 }), signer);
    await transport.settled();
    const refused = await api.app.inject({ method: 'GET', url: '/v1/hello', headers: { authorization: `Bearer ${token}` } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'KEY_REVOKED' });
  });

  it('reports liveness and readiness (503 when stale), and keeps /v1/hello-open serving while stale', async () => {
    const topics = topicNames('revmesh.');
    const signer = await createTestEventSigner();
    const issuer = await createTestIssuer({ issuer: CONFIG.issuer, audience: CONFIG.audience });
    const transport = createInMemoryTransport();
    await appendSignedEvent(transport, topics.keys, keyStateEvent({ key: issuer, state: 'active', keySetVersion: 1 }), signer);
    const logger = createRecordingLogger();
    api = createDemoApi(
      { ...CONFIG, maxSilenceMs: 1000 },
      { eventSigners: [signer.publicJwk], transport, logger, metricsHandler: (_req, res) => res.end('# metrics\n') },
    );
    expect((await api.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
    await api.sidecar.start();
    await api.sidecar.ready;
    const token = await issuer.sign({ sub: 'alice' });
    const auth = { authorization: `Bearer ${token}` };
    expect((await api.app.inject({ method: 'GET', url: '/health/ready' })).json()).toMatchObject({ status: 'ok' });
    expect((await api.app.inject({ method: 'GET', url: '/metrics' })).body).toBe('# metrics\n');

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const ready = await api.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'stale', staleness: { stale: true, max_silence_ms: 1000 } });
    expect((await api.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const closed = await api.app.inject({ method: 'GET', url: '/v1/hello', headers: auth });
    expect(closed.statusCode).toBe(503);
    expect(closed.json()).toMatchObject({ code: 'STALE_STATE' });
    const open = await api.app.inject({ method: 'GET', url: '/v1/hello-open', headers: auth });
    expect(open.statusCode).toBe(200);
    expect(open.json()).toMatchObject({ hello: 'alice' });
    expect(api.sidecar.stats().staleness.failOpenAccepted).toBe(1);
    expect(JSON.stringify(logger.entries)).not.toContain(token);

    // The authority beats on both topics the sidecar reads; staleness counts per topic.
    await appendSignedEvent(transport, topics.keys, authorityHeartbeatEvent(), signer);
    await appendSignedEvent(transport, topics.revocations, authorityHeartbeatEvent(), signer);
    await transport.settled();
    expect((await api.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/v1/hello', headers: auth })).statusCode).toBe(200);
  });

  it('answers a breach drill probe with the instance, and with REVMESH_DRILL_SWITCH_UNSAFE cuts itself off the broker and back', async () => {
    const topics = topicNames('revmesh.');
    const signer = await createTestEventSigner();
    const issuer = await createTestIssuer({ issuer: CONFIG.issuer, audience: CONFIG.audience });
    const inner = createInMemoryTransport();
    await appendSignedEvent(inner, topics.keys, keyStateEvent({ key: issuer, state: 'active', keySetVersion: 1 }), signer);
    const transport = severableTransport(inner);
    api = createDemoApi(CONFIG, { eventSigners: [signer.publicJwk], transport, drillSwitch: transport, logger: createRecordingLogger() });
    await api.sidecar.start();
    await api.sidecar.ready;
    const token = await issuer.sign({ sub: 'canary', scope: 'revmesh:drill' });
    const probe = () => api!.app.inject({ method: 'GET', url: '/_revmesh/probe', headers: { authorization: `Bearer ${token}` } });
    expect((await probe()).json()).toEqual({ accepted: true, instance_id: 'demo-api-test', sub: 'canary', scope: 'revmesh:drill' });

    expect((await api.app.inject({ method: 'POST', url: '/_revmesh/drill/cut-off' })).json()).toEqual({ instance_id: 'demo-api-test', cut_off: true });
    // Cut off: the key's revocation does not reach the instance, which still accepts the token.
    await appendSignedEvent(inner, topics.keys, keyStateEvent({ key: issuer, state: 'revoked', keySetVersion: 2 }), signer);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await probe()).statusCode).toBe(200);

    expect((await api.app.inject({ method: 'POST', url: '/_revmesh/drill/restore' })).json()).toEqual({ instance_id: 'demo-api-test', cut_off: false });
    await inner.settled();
    expect((await probe()).json()).toMatchObject({ code: 'KEY_REVOKED' });
  });

  it('has no drill switch unless it is given one', async () => {
    const signer = await createTestEventSigner();
    api = createDemoApi(CONFIG, { eventSigners: [signer.publicJwk], transport: createInMemoryTransport(), logger: createRecordingLogger() });
    expect((await api.app.inject({ method: 'POST', url: '/_revmesh/drill/cut-off' })).statusCode).toBe(404);
  });
});
