import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventSignerJwk } from '@revmesh/contracts';
import { createSidecar, type Sidecar, type VerifyResult } from '@revmesh/sidecar';
import type { TestDatabase } from '@revmesh/test-support';
import { createKafkaTransport, type EventTransport } from '@revmesh/transport';
import { e2eDatabase } from './support/store-engine';
import { eventually, uniquePrefix } from './support/wait';

/**
 * The little of authority-core this test drives, in process: the kill switch (called directly,
 * without HTTP or approvals), the token issuer, and the outbox relay that publishes to the real
 * broker. Required by a name in a variable, as observability-trace does with the authority, so
 * this project's type check does not pull authority-core's sources in.
 */
interface Scope {
  readonly kind: 'global' | 'audience';
  readonly audience?: string;
}
interface InProcessCore {
  readonly clients: { register(registration: { clientId: string; audiences: string[]; scopes: string[] }): unknown };
  readonly tokens: { issueClientCredentials(client: unknown, request: { audience: string }): Promise<{ accessToken: string; claims: { iat: number } }> };
  readonly killSwitch: {
    engage(input: { scope: Scope; lockdown: boolean }, context: unknown): Promise<{ issuedAtOrBefore: number }>;
    lift(scope: Scope, context: unknown): Promise<unknown>;
  };
  readonly keyEvents: { version(): number };
  readonly eventSigners: { trusted(): readonly EventSignerJwk[] };
  createRelay(options: { transport: EventTransport; publisher: ReturnType<EventTransport['createPublisher']>; pollIntervalMs: number }): {
    start(): void;
    stop(): Promise<void>;
  };
  createHeartbeat(options: { publisher: ReturnType<EventTransport['createPublisher']>; intervalMs: number }): { start(): void; stop(): void };
  close(): void;
}
interface CoreModule {
  openAuthorityCore(options: Record<string, unknown>): Promise<InProcessCore>;
  systemAuditContext(id: string, justification: string | null): unknown;
}
const AUTHORITY_CORE = '@revmesh/authority-core';

const ISSUER = 'https://authority.kill-switch.test';
const AUD_A = 'orders-api';
const AUD_B = 'billing-api';
const code = (result: VerifyResult): string => (result.ok ? 'OK' : result.code);

/**
 * Kill switch with lockdown, through the real broker: the authority publishes the
 * kill switch on the keys topic; sidecars of the locked audience refuse everything with
 * LOCKDOWN (a sidecar started later too, from the compacted topic), another audience is
 * unaffected; a lift restores service for new tokens while tokens issued before the cut stay
 * refused; a global cut without lockdown refuses older tokens in every audience.
 */
describe('kill switch through the real broker', () => {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
  const prefix = uniquePrefix('kill-switch');
  let dir: string;
  let database: TestDatabase | undefined;
  let core: InProcessCore;
  let transport: EventTransport;
  let relay: { start(): void; stop(): Promise<void> };
  let heartbeat: { start(): void; stop(): void };
  let client: unknown;
  let context: unknown;
  const sidecars: Sidecar[] = [];

  const startSidecar = async (audience: string, name: string): Promise<Sidecar> => {
    const sidecar = createSidecar({
      issuer: ISSUER,
      audience,
      eventSigners: [...core.eventSigners.trusted()],
      heartbeatIntervalMs: 1000,
      brokers,
      topicPrefix: prefix,
      instanceId: `ks-${name}`,
    });
    sidecars.push(sidecar);
    await sidecar.start();
    await sidecar.ready;
    return sidecar;
  };
  const issue = async (audience: string): Promise<string> => (await core.tokens.issueClientCredentials(client, { audience })).accessToken;
  /** Waits until `sidecar` has applied every key-topic event the authority has committed so far. */
  const caughtUp = (sidecar: Sidecar, what: string) =>
    eventually(`${sidecar.instanceId} applied key_set_version ${core.keyEvents.version()} (${what})`, () => sidecar.stats().keySet.version >= core.keyEvents.version(), 20_000);

  let a1: Sidecar;
  let a2: Sidecar;
  let b1: Sidecar;

  beforeAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require(AUTHORITY_CORE) as CoreModule;
    dir = mkdtempSync(join(tmpdir(), 'revmesh-kill-switch-'));
    // REVMESH_E2E_STORE_ENGINE=postgres (kill-switch.postgres.int.spec.ts): a database of its own.
    database = await e2eDatabase('e2e_kill_switch');
    core = await lib.openAuthorityCore({
      dataDir: dir,
      ...(database === undefined ? {} : { database: { url: database.url } }),
      kek: randomBytes(32),
      issuer: ISSUER,
      accessTokenTtlSeconds: 300,
      topicPrefix: prefix,
    });
    context = lib.systemAuditContext('kill-switch-e2e', 'e2e: kill switch drill');
    client = core.clients.register({ clientId: 'svc', audiences: [AUD_A, AUD_B], scopes: ['read'] });
    transport = createKafkaTransport({ brokers, clientId: 'revmesh-kill-switch-e2e' });
    const publisher = transport.createPublisher();
    relay = core.createRelay({ transport, publisher, pollIntervalMs: 100 });
    relay.start();
    heartbeat = core.createHeartbeat({ publisher, intervalMs: 1000 });
    heartbeat.start();
    [a1, a2, b1] = await Promise.all([startSidecar(AUD_A, 'a1'), startSidecar(AUD_A, 'a2'), startSidecar(AUD_B, 'b1')]);
    for (const s of [a1, a2, b1]) await caughtUp(s, 'signing keys');
  }, 90_000);

  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.close()));
    heartbeat?.stop();
    await relay?.stop();
    await transport?.close();
    core?.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lockdown of one audience: its sidecars refuse everything with LOCKDOWN, a later one too; the other audience is unaffected; a lift restores new tokens only', async () => {
    const beforeA = await issue(AUD_A);
    const beforeB = await issue(AUD_B);
    for (const s of [a1, a2]) expect(code(await s.verify(beforeA))).toBe('OK');
    expect(code(await b1.verify(beforeB))).toBe('OK');

    await core.killSwitch.engage({ scope: { kind: 'audience', audience: AUD_A }, lockdown: true }, context);
    for (const s of [a1, a2, b1]) await caughtUp(s, 'lockdown');
    for (const s of [a1, a2]) {
      expect(await s.verify(beforeA)).toMatchObject({ ok: false, code: 'LOCKDOWN', scope: { kind: 'audience', audience: AUD_A } });
      expect(code(await s.verify('garbage'))).toBe('LOCKDOWN');
      expect(code(await s.verify(await issue(AUD_A)))).toBe('LOCKDOWN');
    }
    expect(code(await b1.verify(beforeB))).toBe('OK');
    expect(code(await b1.verify(await issue(AUD_B)))).toBe('OK');

    // Started after the engage: the compacted keys topic alone locks it down, from `ready` on.
    const a3 = await startSidecar(AUD_A, 'a3');
    expect(code(await a3.verify(beforeA))).toBe('LOCKDOWN');
    expect(a3.stats().killSwitches).toEqual([expect.objectContaining({ scope: { kind: 'audience', audience: AUD_A }, lockdown: true })]);

    await core.killSwitch.lift({ kind: 'audience', audience: AUD_A }, context);
    const afterA = await issue(AUD_A);
    for (const s of [a1, a2, a3]) {
      await caughtUp(s, 'lift');
      expect(code(await s.verify(afterA))).toBe('OK');
      expect(code(await s.verify(beforeA))).toBe('KILL_SWITCH_CUT');
      expect(code(await s.verify('garbage'))).toBe('MALFORMED');
    }
    expect(code(await b1.verify(beforeB))).toBe('OK');
  });

  it('a global kill switch without lockdown refuses every token issued before the cut, in both audiences; new tokens pass', async () => {
    const beforeA = await issue(AUD_A);
    const beforeB = await issue(AUD_B);
    expect(code(await a1.verify(beforeA))).toBe('OK');
    expect(code(await b1.verify(beforeB))).toBe('OK');

    await core.killSwitch.engage({ scope: { kind: 'global' }, lockdown: false }, context);
    const afterA = await issue(AUD_A);
    const afterB = await issue(AUD_B);
    for (const s of [a1, a2, b1]) await caughtUp(s, 'global cut');
    for (const s of [a1, a2]) {
      expect(await s.verify(beforeA)).toMatchObject({ ok: false, code: 'KILL_SWITCH_CUT', scope: { kind: 'global' } });
      expect(code(await s.verify(afterA))).toBe('OK');
    }
    expect(await b1.verify(beforeB)).toMatchObject({ ok: false, code: 'KILL_SWITCH_CUT', scope: { kind: 'global' } });
    expect(code(await b1.verify(afterB))).toBe('OK');
    expect(b1.stats().verifications['KILL_SWITCH_CUT']).toBeGreaterThanOrEqual(1);
  });
});
