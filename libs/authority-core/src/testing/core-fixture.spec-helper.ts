import { randomBytes, randomUUID, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openSignedEvent,
  SIDECAR_ACK,
  SIDECAR_HEARTBEAT,
  type EventSignerJwk,
  type EventSignerTrust,
  type RevmeshEvent,
  type SidecarAck,
  type SidecarHeartbeat,
} from '@revmesh/contracts';
import { openAuthorityCore, type AuthorityCore, type AuthorityCoreOptions } from '../authority-core';
import type { AuthorityLogger } from '../logging/logger';
import type { Sleep } from '../time/clock';
import { testStoreOptions } from './test-store.spec-helper';

/**
 * Time that moves only when the code under test sleeps: every sleep advances the clock by its
 * duration at once. Enough for loops that poll (the promotion gate) to run to their deadline
 * without real waiting; `onSleep` lets a test act "while" the code waits.
 */
export class SteppingTime {
  now = Date.UTC(2030, 0, 1, 12, 0, 0);
  readonly clock = { now: (): number => this.now };
  onSleep: ((now: number) => void) | undefined;
  readonly sleep: Sleep = async (ms, signal) => {
    if (signal?.aborted) return;
    this.now += ms;
    this.onSleep?.(this.now);
    // Let other promise chains run, as a real sleep would.
    await new Promise((resolve) => setImmediate(resolve));
  };
}

/** A logger that keeps every line, for assertions. */
export function recordingLogger(): AuthorityLogger & { readonly lines: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }[] } {
  const lines: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
  const at = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) => void lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface CoreFixture {
  readonly dir: string;
  /** Where the store is: `{ dataDir }` (SQLite) or `{ databaseUrl }` (PostgreSQL, under REVMESH_TEST_STORE_ENGINE=postgres); for offline tools. */
  readonly store: { readonly dataDir: string } | { readonly databaseUrl: string };
  readonly kek: Buffer;
  readonly time: SteppingTime;
  core: AuthorityCore;
  /** Opens (or re-opens, after `core.close()`) the core on the same data folder. */
  reopen(overrides?: Partial<AuthorityCoreOptions>): Promise<AuthorityCore>;
  cleanup(): void;
}

/** A core on a fresh temp folder with a stepping clock; rotation timings small and explicit. */
export async function openCoreFixture(overrides: Partial<AuthorityCoreOptions> = {}): Promise<CoreFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-core-'));
  const kek = randomBytes(32);
  const time = new SteppingTime();
  const { databaseUrl } = testStoreOptions(dir);
  const base = (more: Partial<AuthorityCoreOptions>): AuthorityCoreOptions => ({
    dataDir: dir,
    ...(databaseUrl === undefined ? {} : { database: { url: databaseUrl } }),
    kek,
    issuer: 'https://authority.test',
    accessTokenTtlSeconds: 300,
    topicPrefix: 'test.',
    revocationSkewMs: 60_000,
    clock: time.clock,
    sleep: time.sleep,
    rotation: {
      rotationPeriodMs: 3_600_000,
      prepublishLeadMs: 60_000,
      promotionGateTimeoutMs: 5_000,
      checkIntervalMs: 1000,
      eventSignerOverlapMs: 600_000,
    },
    ...overrides,
    ...more,
  });
  const fixture: CoreFixture = {
    dir,
    store: databaseUrl === undefined ? { dataDir: dir } : { databaseUrl },
    kek,
    time,
    core: await openAuthorityCore(base({})),
    async reopen(more = {}) {
      fixture.core = await openAuthorityCore(base(more));
      return fixture.core;
    },
    cleanup() {
      try {
        fixture.core.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return fixture;
}

/** Trust in exactly these public keys (what a sidecar pinned to them would accept). */
export function trustIn(jwks: readonly EventSignerJwk[]): EventSignerTrust {
  const keys = new Map<string, KeyObject>(jwks.map((jwk) => [jwk.kid, createPublicKey({ key: { ...jwk }, format: 'jwk' })]));
  return { publicKeyFor: (kid) => keys.get(kid) };
}

/** Every outbox row of `topic` (all topics when omitted), opened against `trust`, in seq order. */
export async function openOutbox(
  core: AuthorityCore,
  trust: EventSignerTrust,
  topic?: string,
): Promise<{ seq: number; topic: string; key: string; signerKid: string | undefined; event: RevmeshEvent | undefined; reason?: string }[]> {
  const rows = core.store.db
    .prepare<[], { seq: number; topic: string; record_key: string; value: Buffer }>('SELECT seq, topic, record_key, value FROM outbox ORDER BY seq')
    .all()
    .filter((row) => topic === undefined || row.topic === topic);
  return Promise.all(
    rows.map(async (row) => {
      const opened = await openSignedEvent(row.value, trust);
      return opened.ok
        ? { seq: row.seq, topic: row.topic, key: row.record_key, signerKid: opened.signerKid, event: opened.event }
        : { seq: row.seq, topic: row.topic, key: row.record_key, signerKid: opened.signerKid, event: undefined, reason: opened.reason };
    }),
  );
}

/** Marks every outbox row published at `at` (what the relay does after the broker's ack). */
export function publishAll(core: AuthorityCore, at: number): void {
  core.outbox.markPublished(
    core.outbox.unpublished(10_000).map((e) => e.seq),
    at,
  );
}

export function heartbeat(instanceId: string, fields: Partial<SidecarHeartbeat> & { sent_at: number }): SidecarHeartbeat {
  return {
    type: SIDECAR_HEARTBEAT,
    version: 1,
    instance_id: instanceId,
    key_set_version: 0,
    started_at: fields.sent_at,
    ready: true,
    audiences: ['api'],
    heartbeat_interval_ms: 1000,
    ...fields,
  };
}

export function ack(instanceId: string, eventId: string, fields: Partial<SidecarAck> & { sent_at: number }): SidecarAck {
  return {
    type: SIDECAR_ACK,
    version: 1,
    instance_id: instanceId,
    event_id: eventId,
    event_type: 'key.state-changed',
    applied_at: fields.sent_at,
    key_set_version: 0,
    ...fields,
  };
}

export { randomUUID };

/** The actor tests use for admin calls. */
export const compromiseActor = { kind: 'admin-key' as const, id: 'admin' };
