import { readdirSync } from 'node:fs';
import { adminApi, claimsOf, issueToken, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { eventually, uniquePrefix } from './support/wait';

/**
 * The authority's observability through a real process and broker: Prometheus text at
 * `GET /metrics` (names per deploy/observability/metrics.md), and logs that never carry a token,
 * client secret, admin key, KEK or private key material.
 */
describe('authority observability', () => {
  let authority: AuthorityHandle;

  beforeAll(async () => {
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: uniquePrefix('observability'),
      // debug: the most verbose the logs get, so the secret check covers every line.
      extraEnv: { REVMESH_LOG_LEVEL: 'debug', REVMESH_AUTHORITY_HEARTBEAT_MS: '500' },
    });
  });
  afterAll(async () => {
    await authority?.process.stop();
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${authority.url}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };
  /** Value of the first series of `name` whose labels include every `labels` pair. */
  const value = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return undefined;
  };

  it('serves Prometheus metrics with the catalogue names, labels and histogram buckets (no admin key needed)', async () => {
    const tokens = [await issueToken(authority), await issueToken(authority), await issueToken(authority)];
    expect((await revoke(authority, 'jti', String(claimsOf(tokens[0]!)['jti']))).status).toBe(202);
    expect((await revoke(authority, 'jti', String(claimsOf(tokens[1]!)['jti']))).status).toBe(202);
    expect((await revoke(authority, 'sub', 'someone-else')).status).toBe(202);

    await eventually('revocations published', async () => (value(await scrape(), 'revmesh_authority_outbox_backlog') ?? 1) === 0, 30_000);
    const text = await scrape();
    const common = { service_name: 'revmesh-authority', otel_scope_name: '@revmesh/authority' };
    expect(value(text, 'revmesh_authority_revocations_total', { ...common, target_type: 'jti' })).toBe(2);
    expect(value(text, 'revmesh_authority_revocations_total', { target_type: 'sub' })).toBe(1);
    expect(value(text, 'revmesh_authority_tokens_issued_total', { grant_type: 'client_credentials', token_type: 'access' })).toBe(3);
    expect(value(text, 'revmesh_authority_logins_failed_total')).toBeUndefined(); // no failure yet
    expect(value(text, 'revmesh_authority_outbox_published_total', { topic: 'revocations' })).toBe(3);
    expect(value(text, 'revmesh_authority_outbox_published_total', { topic: 'keys' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'revmesh_authority_outbox_backlog')).toBe(0);
    expect(value(text, 'revmesh_authority_outbox_oldest_age')).toBe(0);
    expect(value(text, 'revmesh_authority_key_set_version')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'revmesh_authority_sidecars_live', { ready: 'true' })).toBe(0);
    expect(value(text, 'revmesh_authority_coverage_incomplete')).toBeDefined();
    expect(value(text, 'revmesh_authority_coverage_oldest_pending_age')).toBeDefined();
    expect(value(text, 'revmesh_authority_coverage_latest', { state: 'pending' })).toBe(0);
    expect(text).toMatch(/service_instance_id="[^"]+"/);
    // No sidecar is live, so no event's coverage completes: the histogram exists with its buckets
    // only once one does. Its declaration is checked through the HELP/TYPE lines when present.
    expect(text).not.toMatch(/_milliseconds|_seconds_total/);
  });

  it('records the coverage histogram with _bucket lines once a live sidecar acknowledges', async () => {
    // A sidecar's reports, written straight to the acks topic by a tiny producer.
    const { createKafkaTransport } = await import('@revmesh/transport');
    const transport = createKafkaTransport({ brokers: process.env['KAFKA_BROKERS']!.split(','), clientId: 'observability-test' });
    const publisher = transport.createPublisher();
    await publisher.connect();
    try {
      const acksTopic = `${authority.env['REVMESH_TOPIC_PREFIX']}acks.v1`;
      const now = Date.now();
      const heartbeat = {
        type: 'sidecar.heartbeat',
        version: 1,
        instance_id: 'obs-sidecar-1',
        sent_at: now,
        key_set_version: 0,
        started_at: now - 60_000,
        ready: true,
        audiences: ['api'],
        heartbeat_interval_ms: 60_000,
      };
      await publisher.publish([{ topic: acksTopic, key: 'obs-sidecar-1', value: Buffer.from(JSON.stringify(heartbeat)) }]);
      await eventually('sidecar live', async () => value(await scrape(), 'revmesh_authority_sidecars_live', { ready: 'true' }) === 1, 30_000);

      const token = await issueToken(authority);
      const { status, body } = await revoke(authority, 'jti', String(claimsOf(token)['jti']));
      expect(status).toBe(202);
      let eventId: string | undefined;
      await eventually('revocation published', async () => {
        const r = await adminApi(authority, 'GET', `/v1/revocations/${body.id}`);
        eventId = (r.body['event_id'] as string | undefined) ?? undefined;
        return r.body['published'] === true;
      });
      const coverage = await adminApi(authority, 'GET', `/v1/revocations/${body.id}/coverage`);
      eventId ??= String(coverage.body['event_id']);
      const ack = {
        type: 'sidecar.ack',
        version: 1,
        instance_id: 'obs-sidecar-1',
        sent_at: Date.now(),
        key_set_version: 0,
        event_id: eventId,
        event_type: 'revocation.issued',
        applied_at: Date.now(),
      };
      await publisher.publish([{ topic: acksTopic, key: 'obs-sidecar-1', value: Buffer.from(JSON.stringify(ack)) }]);
      await eventually(
        'coverage recorded',
        async () => (value(await scrape(), 'revmesh_authority_coverage_duration_count', { event_type: 'revocation.issued' }) ?? 0) >= 1,
        30_000,
      );
      const text = await scrape();
      expect(text).toMatch(/revmesh_authority_coverage_duration_bucket\{[^}]*event_type="revocation.issued"[^}]*le="1"[^}]*\} \d+/);
      expect(text).toMatch(/revmesh_authority_coverage_duration_bucket\{[^}]*le="300000"[^}]*\} 1/);
      expect(text).toMatch(/revmesh_authority_coverage_duration_bucket\{[^}]*le="\+Inf"[^}]*\} 1/);
      expect(value(text, 'revmesh_authority_coverage_duration_sum', { event_type: 'revocation.issued' })).toBeGreaterThanOrEqual(0);
      expect(value(text, 'revmesh_authority_reports_received_total', { report_type: 'sidecar.ack' })).toBeGreaterThanOrEqual(1);
      expect(value(text, 'revmesh_authority_reports_received_total', { report_type: 'sidecar.heartbeat' })).toBeGreaterThanOrEqual(1);
    } finally {
      await publisher.disconnect();
      await transport.close();
    }
  });

  it('never logs a token, client secret, operator password, TOTP secret, operator token, KEK or private key material', async () => {
    // Client registration (returns a secret), token issuance (good and bad credentials), revocation.
    const registered = await adminApi(authority, 'POST', '/v1/clients', { audiences: ['api'], scopes: ['read'] });
    expect([200, 201]).toContain(registered.status);
    const newSecret = String(registered.body['client_secret']);
    const token = await issueToken(authority);
    await fetch(`${authority.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${authority.clientId}:${authority.clientSecret}x`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    await fetch(`${authority.url}/v1/revocations`, { headers: { authorization: 'Bearer wrong-operator-token-123456' } });
    // A failed login (wrong password) must not log the password it was given either.
    await fetch(`${authority.url}/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: authority.admin.username, password: `${authority.admin.password}-wrong`, totp: '000000' }),
    });
    expect(value(await scrape(), 'revmesh_authority_logins_failed_total', { kind: 'client', reason: 'invalid_client' })).toBe(1);
    expect((await revoke(authority, 'jti', String(claimsOf(token)['jti']))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500)); // relay + a few heartbeats log too

    const output = authority.process.output();
    expect(output.length).toBeGreaterThan(0);
    const secrets = {
      'access token': token,
      'token signature': token.split('.')[2]!,
      'client secret': authority.clientSecret,
      'registered client secret': newSecret,
      'operator password': authority.admin.password,
      'operator TOTP secret': authority.admin.totpSecret,
      'operator token': authority.admin.token,
      'bootstrap token': authority.env['REVMESH_BOOTSTRAP_TOKEN']!,
      KEK: authority.env['REVMESH_KEK']!,
      'KEK (hex)': Buffer.from(authority.env['REVMESH_KEK']!, 'base64').toString('hex'),
    };
    for (const [what, secret] of Object.entries(secrets)) expect({ what, found: output.includes(secret) }).toEqual({ what, found: false });
    expect(output).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(output).not.toMatch(/"d"\s*:\s*"/);
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);

    // Every log line (all but the readiness line) is JSON.
    const lines = output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('revmesh authority'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    // The data dir holds wrapped keys only; nothing of it was echoed either.
    const dirEntries = readdirSync(authority.dataDir);
    expect(dirEntries.length).toBeGreaterThan(0);
  });
});
