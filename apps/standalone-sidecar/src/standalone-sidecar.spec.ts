import { topicNames } from '@revmesh/contracts';
import {
  appendSignedEvent,
  authorityHeartbeatEvent,
  createInMemoryTransport,
  createRecordingLogger,
  createTestEventSigner,
  createTestIssuer,
  keyStateEvent,
  revocationEvent,
  type RecordingLogger,
  type TestIssuer,
} from '@revmesh/test-support';
import type { StandaloneSidecarConfig } from './config/standalone-config';
import { createStandaloneSidecar, type StandaloneSidecar } from './standalone-sidecar';

const BASE: Omit<StandaloneSidecarConfig, 'eventSigners'> = {
  host: '127.0.0.1',
  port: 0,
  authPath: '/auth',
  failOpenUnsafeAuthPath: undefined,
  claimHeaders: { sub: 'X-Revmesh-Sub', client_id: 'X-Revmesh-Client-Id', scope: 'X-Revmesh-Scope', name: 'X-User-Name' },
  codeHeader: 'X-Revmesh-Code',
  trustedProxies: ['127.0.0.1'],
  brokers: ['127.0.0.1:1'],
  issuer: 'https://auth.test',
  issuers: undefined,
  audience: ['orders-api'],
  topicPrefix: 'revmesh.',
  instanceId: 'standalone-test',
  maxSilenceMs: undefined,
  stalePolicy: 'fail-closed',
  clockToleranceSeconds: undefined,
  logLevel: 'debug',
  sidecar: {},
};

/**
 * The endpoint through Fastify's injection, with a real sidecar on an in-memory broker: what each
 * proxy's sub-request gets back. The same process against real nginx and Kafka: apps/e2e.
 */
describe('revmesh-sidecar auth endpoint', () => {
  const topics = topicNames('revmesh.');
  let issuer: TestIssuer;
  let transport: ReturnType<typeof createInMemoryTransport>;
  let signer: Awaited<ReturnType<typeof createTestEventSigner>>;
  let logger: RecordingLogger;
  let standalone: StandaloneSidecar;

  beforeEach(async () => {
    signer = await createTestEventSigner();
    issuer = await createTestIssuer({ issuer: BASE.issuer, audience: 'orders-api' });
    transport = createInMemoryTransport();
    logger = createRecordingLogger();
    await appendSignedEvent(transport, topics.keys, keyStateEvent({ key: issuer, state: 'active', keySetVersion: 1 }), signer);
    standalone = createStandaloneSidecar({ ...BASE, eventSigners: [signer.publicJwk] }, { logger, transport, metricsHandler: (_req, res) => res.end('# metrics\n') });
  });
  afterEach(async () => {
    await standalone.close();
  });
  const start = async () => {
    await standalone.sidecar.start();
    await standalone.sidecar.ready;
  };
  const inject = (method: 'GET' | 'POST' | 'HEAD' | 'DELETE', url: string, headers: Record<string, string> = {}) => standalone.server.inject({ method, url, headers });

  it('answers 200 with the configured claim headers, for every method, below the auth path too (Envoy), reading no body', async () => {
    await start();
    const token = await issuer.sign({ sub: 'alice', client_id: 'orders-web', scope: 'orders:read orders:write', name: 'Zoë' });
    const auth = { authorization: `Bearer ${token}` };
    for (const [method, url] of [['GET', '/auth'], ['HEAD', '/auth'], ['DELETE', '/auth/orders/7?force=1'], ['POST', '/auth/orders']] as const) {
      // nginx passes the original Content-Type but no body (proxy_pass_request_body off): never a 400.
      const response = await inject(method, url, { ...auth, 'content-type': 'application/json' });
      expect({ method, url, status: response.statusCode }).toEqual({ method, url, status: 200 });
      expect(response.headers).toMatchObject({
        'x-revmesh-sub': 'alice',
        'x-revmesh-client-id': 'orders-web',
        'x-revmesh-scope': 'orders:read orders:write',
        'x-user-name': 'Zo%C3%AB',
        'cache-control': 'no-store',
      });
      // An explicit empty body: nginx keeps its connection to the sidecar alive only then (it never reads a sub-request's body).
      if (method !== 'HEAD') expect(response.headers['content-length']).toBe('0');
      expect(response.headers['x-revmesh-code']).toBeUndefined();
    }
  });

  it('refuses with the library adapter answer plus the code and problem headers', async () => {
    await start();
    const missing = await inject('GET', '/auth', { 'x-original-method': 'POST', 'x-original-uri': '/orders', 'x-forwarded-for': '203.0.113.9' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers).toMatchObject({ 'x-revmesh-code': 'TOKEN_MISSING', 'content-type': expect.stringMatching(/^application\/problem\+json/), 'www-authenticate': 'Bearer' });
    expect(missing.json()).toMatchObject({ code: 'TOKEN_MISSING', status: 401, type: 'urn:revmesh:problem:token-missing' });
    expect(JSON.parse(String(missing.headers['x-revmesh-problem']))).toEqual(missing.json());
    // The original request, from the proxy's headers, and the client address from the trusted proxy's X-Forwarded-For.
    expect(logger.at('debug')).toContainEqual(
      expect.objectContaining({ message: 'request refused', fields: { code: 'TOKEN_MISSING', method: 'POST', uri: '/orders', address: '203.0.113.9' } }),
    );

    const token = await issuer.sign({ sub: 'bob', jti: 'jti-revoked' });
    await appendSignedEvent(transport, topics.revocations, revocationEvent({ target: { type: 'jti', value: 'jti-revoked' } }), signer);
    await transport.settled();
    const revoked = await inject('GET', '/auth/orders', { authorization: `Bearer ${token}` });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.headers['x-revmesh-code']).toBe('TOKEN_REVOKED');
    expect(revoked.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(revoked.headers['x-revmesh-sub']).toBeUndefined();

    const wrongAudience = await issuer.sign({ aud: 'billing-api' });
    expect((await inject('GET', '/auth', { authorization: `Bearer ${wrongAudience}` })).headers['x-revmesh-code']).toBe('AUDIENCE_MISMATCH');
    expect((await inject('GET', '/auth', { authorization: 'Bearer not.a.jwt' })).headers['x-revmesh-code']).toBe('MALFORMED');
  });

  it("serves a breach drill's probe behind the same check: the instance id for an accepted token, the code header for a refused one", async () => {
    await start();
    const token = await issuer.sign({ sub: 'canary', jti: 'jti-drill', scope: 'revmesh:drill' });
    const accepted = await inject('GET', '/_revmesh/probe', { authorization: `Bearer ${token}` });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ accepted: true, instance_id: 'standalone-test', sub: 'canary', scope: 'revmesh:drill' });
    expect(accepted.headers['cache-control']).toBe('no-store');

    await appendSignedEvent(transport, topics.revocations, revocationEvent({ target: { type: 'jti', value: 'jti-drill' } }), signer);
    await transport.settled();
    const refused = await inject('GET', '/_revmesh/probe', { authorization: `Bearer ${token}` });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'TOKEN_REVOKED' });
    expect(refused.headers['x-revmesh-code']).toBe('TOKEN_REVOKED');
    expect((await inject('GET', '/_revmesh/probe')).headers['x-revmesh-code']).toBe('TOKEN_MISSING');
  });

  it('answers 503 NOT_READY and a 503 readiness until the sidecar caught up; liveness and metrics answer throughout', async () => {
    const token = await issuer.sign({ sub: 'alice' });
    const early = await inject('GET', '/auth', { authorization: `Bearer ${token}` });
    expect(early.statusCode).toBe(503);
    expect(early.headers['x-revmesh-code']).toBe('NOT_READY');
    expect((await inject('GET', '/health/ready')).statusCode).toBe(503);
    expect((await inject('GET', '/health/live')).json()).toEqual({ status: 'ok', instance_id: 'standalone-test' });
    await start();
    expect((await inject('GET', '/health/ready')).json()).toMatchObject({ status: 'ok', instance_id: 'standalone-test' });
    expect((await inject('GET', '/metrics')).body).toBe('# metrics\n');
    expect((await inject('GET', '/auth', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    expect((await inject('GET', '/authx')).statusCode).toBe(404);
  });

  it('verifies tokens of a further issuer (an OIDC provider with typ JWT and azp) next to the authority, with the same claim headers', async () => {
    await standalone.close();
    const keycloak = await createTestIssuer({ issuer: 'https://sso.test/realms/acme', audience: 'orders-api', alg: 'RS256' });
    const issuers = [{ issuer: keycloak.issuer, keys: { jwks: keycloak.jwks }, algorithms: ['RS256'] }];
    standalone = createStandaloneSidecar({ ...BASE, issuers, eventSigners: [signer.publicJwk] }, { logger, transport });
    await start();
    const external = await keycloak.sign({ sub: 'carol', client_id: undefined, azp: 'orders-spa' }, { header: { typ: 'JWT' } });
    const accepted = await inject('GET', '/auth', { authorization: `Bearer ${external}` });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.headers).toMatchObject({ 'x-revmesh-sub': 'carol', 'x-revmesh-client-id': 'orders-spa' });
    expect((await inject('GET', '/auth', { authorization: `Bearer ${await issuer.sign({ sub: 'alice' })}` })).headers['x-revmesh-sub']).toBe('alice');
    const unknown = await (await createTestIssuer({ issuer: 'https://elsewhere.test', audience: 'orders-api' })).sign({});
    expect((await inject('GET', '/auth', { authorization: `Bearer ${unknown}` })).headers['x-revmesh-code']).toBe('ISSUER_MISMATCH');
  });

  it('while stale, refuses on the auth path (503 STALE_STATE) and accepts on the fail-open-UNSAFE path, until the authority is heard again', async () => {
    await standalone.close();
    standalone = createStandaloneSidecar(
      { ...BASE, maxSilenceMs: 1000, failOpenUnsafeAuthPath: '/auth-fail-open', eventSigners: [signer.publicJwk] },
      { logger, transport },
    );
    await start();
    const auth = { authorization: `Bearer ${await issuer.sign({ sub: 'alice' })}` };
    expect((await inject('GET', '/auth-fail-open/catalog', auth)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const closed = await inject('GET', '/auth', auth);
    expect({ status: closed.statusCode, code: closed.headers['x-revmesh-code'] }).toEqual({ status: 503, code: 'STALE_STATE' });
    const open = await inject('GET', '/auth-fail-open/catalog', auth);
    expect({ status: open.statusCode, sub: open.headers['x-revmesh-sub'] }).toEqual({ status: 200, sub: 'alice' });
    expect(standalone.sidecar.stats().staleness.failOpenAccepted).toBe(1);
    // Fail-open concerns staleness only: a bad token is still refused there.
    expect((await inject('GET', '/auth-fail-open', { authorization: 'Bearer x.y.z' })).statusCode).toBe(401);

    // The authority's heartbeat, on both topics (staleness is counted per topic).
    for (const topic of [topics.keys, topics.revocations]) await appendSignedEvent(transport, topic, authorityHeartbeatEvent(), signer);
    await transport.settled();
    expect((await inject('GET', '/auth', auth)).statusCode).toBe(200);
  });

  it('does not believe X-Forwarded-For from an address that is not a trusted proxy', async () => {
    await standalone.close();
    standalone = createStandaloneSidecar({ ...BASE, trustedProxies: ['10.0.0.1'], eventSigners: [signer.publicJwk] }, { logger, transport });
    await start();
    await inject('GET', '/auth', { 'x-forwarded-for': '203.0.113.9' });
    expect(logger.at('debug')).toContainEqual(expect.objectContaining({ message: 'request refused', fields: expect.objectContaining({ address: '127.0.0.1' }) }));
  });
});
