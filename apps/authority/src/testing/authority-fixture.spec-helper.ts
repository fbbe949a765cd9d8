import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { TopicSpec } from '@revmesh/contracts';
import type { EventTransport, OutgoingRecord, RecordPublisher } from '@revmesh/transport';
import { bootstrapAuthority, type RunningAuthority } from '../bootstrap';
import type { AuthorityConfig } from '../config/config';

export const ADMIN_KEY = 'admin-'.padEnd(48, 'k');

/** An in-memory broker: topics remembered, published records collected. */
export class FakeTransport implements EventTransport {
  readonly topics: TopicSpec[] = [];
  readonly published: OutgoingRecord[] = [];
  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    this.topics.push(...specs);
  }
  createPublisher(): RecordPublisher {
    return {
      connect: async () => undefined,
      publish: async (records) => {
        this.published.push(...records);
      },
      disconnect: async () => undefined,
    };
  }
  createReader(): never {
    throw new Error('the authority reads the acks topic through Nest, not the transport');
  }
  async close(): Promise<void> {}
}

export const silentLogger: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

export interface AuthorityFixture {
  readonly authority: RunningAuthority;
  readonly transport: FakeTransport;
  readonly config: AuthorityConfig;
  close(): Promise<void>;
}

/** A started authority (no port) on a temp folder, demo client seeded, in-memory broker. */
export async function startTestAuthority(overrides: Partial<AuthorityConfig> = {}): Promise<AuthorityFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-http-'));
  const transport = new FakeTransport();
  const config: AuthorityConfig = {
    port: 0,
    host: '127.0.0.1',
    kafkaBrokers: ['127.0.0.1:1'],
    dataDir: dir,
    issuer: 'http://authority.test',
    adminKey: ADMIN_KEY,
    kek: randomBytes(32),
    topicPrefix: 'http-test.',
    accessTokenTtlSeconds: 120,
    demo: { clientId: 'demo-client', clientSecret: 'demo-secret-0123456789', audience: 'demo-api' },
    outboxPollMs: 20,
    logLevel: 'error',
    rotation: { periodSeconds: 3600, prepublishLeadSeconds: 60, promotionGateTimeoutMs: 300, checkIntervalMs: 1000, eventSignerOverlapSeconds: 60 },
    eventSignerReset: false,
    ...overrides,
  };
  const authority = await bootstrapAuthority(config, { transport, listen: false, logger: silentLogger });
  return {
    authority,
    transport,
    config,
    async close() {
      await authority.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
