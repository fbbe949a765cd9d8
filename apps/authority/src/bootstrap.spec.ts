import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { KeyUnwrapError } from '@revmesh/authority-core';
import type { TopicSpec } from '@revmesh/contracts';
import { TransportError, type EventTransport, type OutgoingRecord } from '@revmesh/transport';
import { bootstrapAuthority, type RunningAuthority } from './bootstrap';
import { createTestOperator, DEFAULT_JUSTIFICATION } from './testing/authority-fixture.spec-helper';
import { DEFAULT_HTTP_LIMITS, type AuthorityConfig } from './config/config';

const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

/** A broker that is up (records collected) or down (every call fails). */
function fakeTransport(up: boolean): EventTransport & { published: OutgoingRecord[] } {
  const published: OutgoingRecord[] = [];
  const down = async (): Promise<never> => {
    throw new TransportError('broker unavailable', true);
  };
  return {
    published,
    ensureTopics: up ? async (_specs: readonly TopicSpec[]) => undefined : down,
    createPublisher: () => ({
      connect: up ? async () => undefined : down,
      publish: up ? async (records) => void published.push(...records) : down,
      disconnect: async () => undefined,
    }),
    createReader: () => {
      throw new Error('unused');
    },
    close: async () => undefined,
  };
}

/** Headers of a security-admin created in-process on this authority's store. */
async function adminHeaders(authority: RunningAuthority): Promise<Record<string, string>> {
  return (await createTestOperator(authority.core, 'security-admin', 'admin')).headers;
}

describe('bootstrapAuthority', () => {
  let dir: string;
  let config: AuthorityConfig;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-boot-'));
    config = {
      port: 0,
      host: '127.0.0.1',
      http: DEFAULT_HTTP_LIMITS,
      kafkaBrokers: ['127.0.0.1:1'],
      dataDir: dir,
      issuer: 'http://127.0.0.1',
      kek: randomBytes(32),
      topicPrefix: 'boot-test.',
      accessTokenTtlSeconds: 60,
      outboxPollMs: 20,
      logLevel: 'error',
      rotation: { periodSeconds: 3600, prepublishLeadSeconds: 60, promotionGateTimeoutMs: 200, checkIntervalMs: 1000, eventSignerOverlapSeconds: 60 },
      eventSignerReset: false,
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('listens on HOST:PORT and reports the real port when PORT=0', async () => {
    const authority = await bootstrapAuthority(config, { transport: fakeTransport(true), logger: silent });
    try {
      expect(authority.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(authority.url).not.toMatch(/:0$/);
      const res = await fetch(`${authority.url}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await authority.close();
    }
  });

  it('hands the store retention periods (REVMESH_*_RETENTION_SECONDS) to the core', async () => {
    const storeRetention = { publishedOutboxMs: 120_000, expiredRevocationMs: 3_600_000, goneInstanceMs: 7_200_000, intervalMs: 60_000 };
    const authority = await bootstrapAuthority({ ...config, storeRetention }, { transport: fakeTransport(true), logger: silent, listen: false });
    try {
      const { intervalMs: _interval, ...periods } = storeRetention;
      expect(authority.core.storeRetention.periods).toEqual(periods);
    } finally {
      await authority.close();
    }
  });

  it('keeps its signing key across restarts, and a wrong KEK fails without touching it', async () => {
    const first = await bootstrapAuthority(config, { transport: fakeTransport(true), listen: false, logger: silent });
    const kid = first.core.keys.active.kid;
    await first.close();

    const boot = () => bootstrapAuthority(config, { transport: fakeTransport(true), listen: false, logger: silent });
    const keyRows = async (): Promise<unknown[]> => {
      const authority = await boot();
      try {
        expect(authority.core.keys.active.kid).toBe(kid);
        return authority.core.store.db.prepare('SELECT * FROM signing_keys').all();
      } finally {
        await authority.close();
      }
    };
    const before = await keyRows();
    await expect(
      bootstrapAuthority({ ...config, kek: randomBytes(32) }, { transport: fakeTransport(true), listen: false, logger: silent }),
    ).rejects.toBeInstanceOf(KeyUnwrapError);
    expect(await keyRows()).toEqual(before);
  });

  it('starts and accepts revocations while the broker is down, and still shuts down promptly', async () => {
    const authority = await bootstrapAuthority(config, { transport: fakeTransport(false), listen: false, logger: silent });
    const res = await authority.app.inject({
      method: 'POST',
      url: '/v1/revocations',
      headers: await adminHeaders(authority),
      payload: { target: 'sub', value: 'alice', reason: 'broker is down', justification: DEFAULT_JUSTIFICATION },
    });
    expect(res.statusCode).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    const health = JSON.parse((await authority.app.inject({ method: 'GET', url: '/healthz' })).body) as Record<string, unknown>;
    // 1 revocation + the 3 key events of a first start (active key, standby), all waiting; plus
    // the audit entries (operator bootstrap and login, the revocation) shipped to the audit topic.
    const pending = (where: string): number =>
      authority.core.store.db.prepare(`SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND ${where}`).pluck().get() as number;
    expect(pending("topic != 'boot-test.audit.v1'")).toBe(4);
    expect(health).toEqual({ status: 'ok', relay: 'starting', outbox_pending: pending('1 = 1'), acks: 'disabled' });
    const started = Date.now();
    await authority.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('publishes what an earlier run could not, after a restart', async () => {
    const down = await bootstrapAuthority(config, { transport: fakeTransport(false), listen: false, logger: silent });
    const headers = await adminHeaders(down);
    for (const value of ['a', 'b']) {
      await down.app.inject({
        method: 'POST',
        url: '/v1/revocations',
        headers,
        payload: { target: 'jti', value, reason: 'r', justification: DEFAULT_JUSTIFICATION },
      });
    }
    await down.close();

    const transport = fakeTransport(true);
    const up = await bootstrapAuthority(config, { transport, listen: false, logger: silent });
    try {
      const revocations = () => transport.published.filter((r) => r.topic === 'boot-test.revocations.v1');
      for (let i = 0; i < 100 && revocations().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(revocations().map((r) => r.key)).toEqual(['jti:a', 'jti:b']);
      // The keys of the first run were queued before its revocations, and published first.
      expect(transport.published.filter((r) => r.topic !== 'boot-test.audit.v1').findIndex((r) => r.topic === 'boot-test.keys.v1')).toBe(0);
      expect(up.core.outbox.pendingCount()).toBe(0);
    } finally {
      await up.close();
    }
  });

  it('seeds the demo client idempotently', async () => {
    const demo = { clientId: 'demo-client', clientSecret: 'demo-secret-0123456789', audience: 'demo-api' };
    for (let run = 0; run < 2; run++) {
      const authority = await bootstrapAuthority({ ...config, demo }, { transport: fakeTransport(true), listen: false, logger: silent });
      try {
        expect(authority.core.store.db.prepare('SELECT COUNT(*) FROM clients').pluck().get()).toBe(1);
        expect(authority.core.clients.authenticate('demo-client', demo.clientSecret).audiences).toEqual(['demo-api']);
      } finally {
        await authority.close();
      }
    }
  });
});
