import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_STORE_RETENTION } from '@revmesh/authority-core';
import { CONFIG_VARIABLES } from './config.variables';
import { ConfigError, loadConfig } from './config';
import { renderConfigTable } from './config-table';

const KEK = Buffer.alloc(32, 7);
const valid = {
  KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.2:19092',
  REVMESH_ISSUER: 'http://127.0.0.1:8080',
  REVMESH_KEK: KEK.toString('base64'),
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(valid)).toEqual({
      port: 8080,
      host: '127.0.0.1',
      kafkaBrokers: ['127.0.0.1:19092', '127.0.0.2:19092'],
      dataDir: resolve('./.revmesh/authority'),
      issuer: 'http://127.0.0.1:8080',
      kek: KEK,
      topicPrefix: 'revmesh.',
      accessTokenTtlSeconds: 300,
      outboxPollMs: 500,
      heartbeatMs: 5000,
      topicCheckMs: 5000,
      snapshotIntervalMs: 600_000,
      lease: { ttlMs: 3000, renewMs: 500 },
      relayTransactions: 'auto',
      anomalies: {
        dedupWindowMs: 900_000,
        revokedUseMin: 1,
        jtiWindowMs: 300_000,
        jtiInstances: 3,
        jtiAddresses: 5,
        authFailureFactor: 10,
        authFailureMinPerMinute: 30,
        massInvalidationFactor: 10,
        massInvalidationMinPerMinute: 50,
      },
      logLevel: 'info',
      rotation: {
        periodSeconds: 604_800,
        prepublishLeadSeconds: 3600,
        promotionGateTimeoutMs: 10_000,
        checkIntervalMs: 1000,
        eventSignerOverlapSeconds: 3600,
      },
      eventSignerReset: false,
      ssfReceiverPollMs: 1000,
      ssfTransmitter: { allowInsecurePushUrls: false, pushBackoffMaxMs: 300_000 },
      dpop: { maxProofAgeSeconds: 60 },
      comms: { retryInitialMs: 1000, retryMaxMs: 300_000, maxAttempts: 12 },
      http: { requestTimeoutMs: 10_000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 5000, maxConnections: 4096 },
      storeRetention: { publishedOutboxMs: 86_400_000, expiredRevocationMs: 604_800_000, goneInstanceMs: 604_800_000, intervalMs: 600_000 },
    });
  });

  it('documents the store retention defaults of authority-core, and refuses periods below a minute', () => {
    const { intervalMs: _interval, ...periods } = loadConfig(valid).storeRetention!;
    expect(periods).toEqual(DEFAULT_STORE_RETENTION);
    expect(problemsOf({ ...valid, REVMESH_OUTBOX_RETENTION_SECONDS: '59' })).toEqual(['REVMESH_OUTBOX_RETENTION_SECONDS']);
    expect(problemsOf({ ...valid, REVMESH_EXPIRED_REVOCATION_RETENTION_SECONDS: '1d' })).toEqual(['REVMESH_EXPIRED_REVOCATION_RETENTION_SECONDS']);
    expect(loadConfig({ ...valid, REVMESH_GONE_INSTANCE_RETENTION_SECONDS: '3600' }).storeRetention?.goneInstanceMs).toBe(3_600_000);
  });

  it('refuses a header timeout longer than the request timeout it is part of', () => {
    expect(() => loadConfig({ ...valid, REVMESH_HTTP_REQUEST_TIMEOUT_MS: '2000', REVMESH_HTTP_HEADERS_TIMEOUT_MS: '3000' })).toThrow(
      /REVMESH_HTTP_HEADERS_TIMEOUT_MS \(3000 ms\) must not exceed REVMESH_HTTP_REQUEST_TIMEOUT_MS/,
    );
  });

  it('reads a short rotation policy for tests', () => {
    expect(
      loadConfig({
        ...valid,
        REVMESH_KEY_ROTATION_PERIOD_SECONDS: '20',
        REVMESH_KEY_PREPUBLISH_LEAD_SECONDS: '2',
        REVMESH_PROMOTION_GATE_TIMEOUT_MS: '3000',
        REVMESH_ROTATION_CHECK_INTERVAL_MS: '100',
        REVMESH_EVENT_SIGNER_OVERLAP_SECONDS: '5',
        REVMESH_EVENT_SIGNER_RESET: 'true',
      }),
    ).toMatchObject({
      rotation: { periodSeconds: 20, prepublishLeadSeconds: 2, promotionGateTimeoutMs: 3000, checkIntervalMs: 100, eventSignerOverlapSeconds: 5 },
      eventSignerReset: true,
    });
  });

  it('requires the pre-publish lead to be shorter than the period, saying how to fix it', () => {
    let error: unknown;
    try {
      loadConfig({ ...valid, REVMESH_KEY_ROTATION_PERIOD_SECONDS: '60' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['REVMESH_KEY_PREPUBLISH_LEAD_SECONDS']);
    expect((error as ConfigError).message).toContain('(3600 s) must be shorter than REVMESH_KEY_ROTATION_PERIOD_SECONDS (60 s)');
    expect((error as ConfigError).message).toContain('lower the lead or lengthen the period');
  });

  it('requires the promotion gate timeout to be shorter than the period', () => {
    expect(
      problemsOf({ ...valid, REVMESH_KEY_ROTATION_PERIOD_SECONDS: '5', REVMESH_KEY_PREPUBLISH_LEAD_SECONDS: '1' }),
    ).toEqual(['REVMESH_PROMOTION_GATE_TIMEOUT_MS']);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ ...valid, PORT: '', REVMESH_TOPIC_PREFIX: '  ' })).toMatchObject({
      port: 8080,
      topicPrefix: 'revmesh.',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...valid,
      PORT: '0',
      HOST: '0.0.0.0',
      REVMESH_DATA_DIR: '/var/lib/revmesh',
      REVMESH_KEK: KEK.toString('base64url'),
      REVMESH_TOPIC_PREFIX: 'test-1.',
      REVMESH_ACCESS_TOKEN_TTL_SECONDS: '60',
      REVMESH_DEMO: 'true',
      REVMESH_DEMO_CLIENT_ID: 'demo',
      REVMESH_DEMO_CLIENT_SECRET: 's'.repeat(16),
      REVMESH_DEMO_AUDIENCE: 'hello-api',
      REVMESH_OUTBOX_POLL_MS: '50',
      REVMESH_LOG_LEVEL: 'debug',
      REVMESH_BOOTSTRAP_TOKEN: 'b'.repeat(32),
    });
    expect(config).toMatchObject({
      bootstrapToken: 'b'.repeat(32),
      port: 0,
      host: '0.0.0.0',
      dataDir: '/var/lib/revmesh',
      kek: KEK,
      topicPrefix: 'test-1.',
      accessTokenTtlSeconds: 60,
      demo: { clientId: 'demo', clientSecret: 's'.repeat(16), audience: 'hello-api' },
      outboxPollMs: 50,
      logLevel: 'debug',
    });
  });

  it('lists every problem at once, with how to fix it, and never echoes a value', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        REVMESH_ISSUER: 'ftp://x',
        REVMESH_BOOTSTRAP_TOKEN: 'too-short-secret',
        REVMESH_KEK: Buffer.alloc(16).toString('base64'),
        REVMESH_ACCESS_TOKEN_TTL_SECONDS: '86401',
        REVMESH_DEMO: 'true',
        REVMESH_LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of [
      'PORT',
      'KAFKA_BROKERS',
      'REVMESH_ISSUER',
      'REVMESH_BOOTSTRAP_TOKEN',
      'REVMESH_KEK',
      'REVMESH_ACCESS_TOKEN_TTL_SECONDS',
      'REVMESH_DEMO_CLIENT_SECRET',
      'REVMESH_LOG_LEVEL',
    ]) {
      expect(message).toMatch(new RegExp(`- ${name} `));
    }
    expect(message).toContain('openssl rand -base64 32');
    expect(message).toContain('decodes to 16 bytes, not 32');
    expect(message).not.toContain('too-short-secret');
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost'],
    ['REVMESH_KEK', 'not base64!'],
    ['REVMESH_TOPIC_PREFIX', 'bad prefix'],
    ['REVMESH_ACCESS_TOKEN_TTL_SECONDS', '0'],
    ['REVMESH_OUTBOX_POLL_MS', '1.5'],
    ['REVMESH_DEMO', 'yes'],
    ['REVMESH_DEMO_CLIENT_ID', 'has space'],
    ['REVMESH_ISSUER', 'http://x/?q=1'],
    ['REVMESH_KEY_ROTATION_PERIOD_SECONDS', '1'],
    ['REVMESH_KEY_PREPUBLISH_LEAD_SECONDS', '-1'],
    ['REVMESH_PROMOTION_GATE_TIMEOUT_MS', '600001'],
    ['REVMESH_ROTATION_CHECK_INTERVAL_MS', '10'],
    ['REVMESH_EVENT_SIGNER_OVERLAP_SECONDS', '0'],
    ['REVMESH_EVENT_SIGNER_RESET', 'yes'],
    ['REVMESH_AUTHORITY_HEARTBEAT_MS', '50'],
    ['REVMESH_AUTHORITY_HEARTBEAT_MS', 'soon'],
    ['REVMESH_ANOMALY_JTI_INSTANCES', '0'],
    ['REVMESH_ANOMALY_DEDUP_WINDOW_MS', '999'],
    ['REVMESH_POLICY_FILE', 'policy.toml'],
    ['REVMESH_TRUSTED_PROXIES', 'proxy.example.com'],
    ['REVMESH_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['REVMESH_TRUSTED_PROXIES', '10.0.0.1,fe80::/129'],
  ])('rejects %s=%j', (name, value) => {
    expect(problemsOf({ ...valid, [name]: value })).toEqual([name]);
  });

  it('reads trusted proxies (addresses and CIDR ranges), optional', () => {
    expect(loadConfig({ ...valid, REVMESH_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8' }).trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8']);
    expect(loadConfig(valid)).not.toHaveProperty('trustedProxies');
  });

  it('reads the Kafka replication factor, optional (unset: sized to the cluster)', () => {
    expect(loadConfig({ ...valid, KAFKA_REPLICATION_FACTOR: '3' }).kafkaReplicationFactor).toBe(3);
    expect(loadConfig(valid)).not.toHaveProperty('kafkaReplicationFactor');
    expect(problemsOf({ ...valid, KAFKA_REPLICATION_FACTOR: '0' })).toEqual(['KAFKA_REPLICATION_FACTOR']);
  });

  it('reads the policy file path (resolved), optional', () => {
    expect(loadConfig({ ...valid, REVMESH_POLICY_FILE: 'deploy/policy.yaml' }).policyFile).toBe(resolve('deploy/policy.yaml'));
    expect(loadConfig({ ...valid, REVMESH_POLICY_FILE: '/etc/revmesh/policy.JSON' }).policyFile).toBe('/etc/revmesh/policy.JSON');
    expect(loadConfig({ ...valid, REVMESH_POLICY_FILE: ' ' })).not.toHaveProperty('policyFile');
  });

  it('reads the leader lease timings, and refuses a renewal interval that leaves no room for two renewals before the leader steps down', () => {
    expect(loadConfig({ ...valid, REVMESH_LEASE_TTL_MS: '6000', REVMESH_LEASE_RENEW_MS: '1000' }).lease).toEqual({ ttlMs: 6000, renewMs: 1000 });
    expect(problemsOf({ ...valid, REVMESH_LEASE_RENEW_MS: '1500' })).toEqual(['REVMESH_LEASE_RENEW_MS']);
    expect(problemsOf({ ...valid, REVMESH_LEASE_TTL_MS: '99' })).toEqual(['REVMESH_LEASE_TTL_MS']);
  });

  it('requires the demo secret only in demo mode', () => {
    expect(problemsOf({ ...valid, REVMESH_DEMO: 'true' })).toEqual(['REVMESH_DEMO_CLIENT_SECRET']);
    expect(loadConfig({ ...valid, REVMESH_DEMO: 'false' }).demo).toBeUndefined();
  });
});

describe('renderConfigTable', () => {
  it('documents every variable with its default', () => {
    const table = renderConfigTable();
    for (const name of Object.keys(CONFIG_VARIABLES)) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toContain('| `PORT` | no | `8080` |');
    expect(table).toContain('| `REVMESH_KEK` | yes | — |');
  });

  it('has every variable in the README configuration reference', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    const missing = Object.keys(CONFIG_VARIABLES).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});
