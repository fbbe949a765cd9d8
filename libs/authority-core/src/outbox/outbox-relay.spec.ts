import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEvent, type TopicSpec } from '@revmesh/contracts';
import { decodeJwt } from 'jose';
import { TransportError, type OutgoingRecord, type RecordPublisher } from '@revmesh/transport';
import { openAuthorityCore, type AuthorityCore } from '../authority-core';
import type { AuthorityLogger } from '../logging/logger';
import type { Sleep } from '../time/clock';
import { createOutboxRelay, type OutboxRelay } from './outbox-relay';
import { createWakeSignal } from './wake-signal';

/** Time that only moves when the test lets it: sleeps are queued and fired one by one. */
class FakeTime {
  now = Date.UTC(2030, 0, 1);
  private timers: { at: number; resolve: () => void }[] = [];
  readonly clock = { now: () => this.now };
  readonly sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = { at: this.now + ms, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          resolve();
        },
        { once: true },
      );
    });

  /** Lets every pending promise chain run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  }

  /** Runs until `condition` holds, firing the earliest sleep whenever nothing else can happen. */
  async until(condition: () => boolean, maxTimers = 200): Promise<void> {
    for (let i = 0; i <= maxTimers; i++) {
      await this.settle();
      if (condition()) return;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (next === undefined) throw new Error('the condition never held and nothing is scheduled');
      this.now = Math.max(this.now, next.at);
      next.resolve();
    }
    throw new Error(`the condition still does not hold after ${maxTimers} timers`);
  }
}

/** Records what it publishes; can fail N times or hold a batch until released. */
class FakePublisher implements RecordPublisher {
  readonly batches: OutgoingRecord[][] = [];
  failuresLeft = 0;
  publishCalls = 0;
  disconnects = 0;
  gate: Promise<void> | undefined;
  async connect(): Promise<void> {}
  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    this.publishCalls += 1;
    if (this.gate) await this.gate;
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new TransportError('broker unavailable', true);
    }
    this.batches.push([...records]);
  }
  async disconnect(): Promise<void> {
    this.disconnects += 1;
  }
  eventIds(): string[] {
    // Records are signed JWS; the relay never looks inside, so neither does this check.
    return this.batches.flat().map((r) => {
      const decoded = decodeEvent(JSON.stringify(decodeJwt(r.value.toString())));
      if (!decoded.ok) throw new Error(decoded.message);
      return decoded.event.id;
    });
  }
}

class FakeAdmin {
  calls: TopicSpec[][] = [];
  failuresLeft = 0;
  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    this.calls.push([...specs]);
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new TransportError('broker unavailable', true);
    }
  }
}

function recordingLogger(): AuthorityLogger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    debug: () => undefined,
    info: (m) => infos.push(m),
    warn: (m) => warnings.push(m),
    error: (m) => warnings.push(m),
  };
}

describe('outbox relay', () => {
  const kek = randomBytes(32);
  let dir: string;
  let time: FakeTime;
  let core: AuthorityCore;
  let publisher: FakePublisher;
  let admin: FakeAdmin;
  let logger: ReturnType<typeof recordingLogger>;
  let relay: OutboxRelay | undefined;

  const open = (): Promise<AuthorityCore> =>
    openAuthorityCore({
      dataDir: dir,
      kek,
      issuer: 'https://authority.test',
      accessTokenTtlSeconds: 300,
      topicPrefix: 'test.',
      clock: time.clock,
      sleep: time.sleep,
      // These tests count revocation records; audit entries would interleave with them.
      auditShipping: false,
    });
  const startRelay = (options: { batchSize?: number; pollIntervalMs?: number } = {}): OutboxRelay => {
    relay = core.createRelay({
      transport: admin,
      publisher,
      pollIntervalMs: options.pollIntervalMs ?? 60_000,
      batchSize: options.batchSize ?? 256,
      random: () => 0,
      logger,
    });
    relay.start();
    return relay;
  };
  const revoke = async (...values: string[]): Promise<void> => {
    // Submitted together: they share one group commit, in call order.
    await Promise.all(
      values.map((value) =>
        core.revocations.revoke({ target: { type: 'jti', value }, reason: 'test', actor: { kind: 'admin-key', id: 'admin' } }),
      ),
    );
  };
  const outboxEventIds = (): string[] =>
    core.store.db.prepare("SELECT event_id FROM outbox WHERE topic = 'test.revocations.v1' ORDER BY seq").pluck().all() as string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-relay-'));
    time = new FakeTime();
    publisher = new FakePublisher();
    admin = new FakeAdmin();
    logger = recordingLogger();
    core = await open();
    // Opening a fresh core queues its first key events (active key, standby); these tests are
    // about revocations, so those count as already published.
    core.outbox.markPublished(
      core.outbox.unpublished(100).map((e) => e.seq),
      time.now,
    );
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the revocations, keys and acks topics with their configs before publishing', async () => {
    startRelay();
    await time.until(() => relay!.status().state === 'running');
    expect(admin.calls).toEqual([[core.topics.revocations, core.topics.keys, core.topics.acks, core.topics.alerts, core.topics.audit]]);
    expect(admin.calls[0]!.map((t) => t.topic)).toEqual(['test.revocations.v1', 'test.keys.v1', 'test.acks.v1', 'test.alerts.v1', 'test.audit.v1']);
    expect(admin.calls[0]![4]).toMatchObject({ numPartitions: 1, configEntries: { 'cleanup.policy': 'delete' } });
    expect(admin.calls[0]![0]!.configEntries['cleanup.policy']).toBe('compact,delete');
    expect(admin.calls[0]![1]).toMatchObject({ numPartitions: 1, configEntries: { 'cleanup.policy': 'compact' } });
  });

  it('publishes unpublished rows in seq order, in batches, and marks them published', async () => {
    await revoke('a', 'b', 'c', 'd', 'e');
    startRelay({ batchSize: 2 });
    await time.until(() => core.outbox.pendingCount() === 0);
    expect(publisher.batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(publisher.eventIds()).toEqual(outboxEventIds());
    expect(publisher.batches.flat().map((r) => r.key)).toEqual(['jti:a', 'jti:b', 'jti:c', 'jti:d', 'jti:e']);
    const marked = core.store.db.prepare("SELECT DISTINCT published_at FROM outbox WHERE topic = 'test.revocations.v1'").pluck().all();
    expect(marked).toEqual([time.now]);
    expect(relay!.status().published).toBe(5);
  });

  it('retries a failing batch with exponential backoff, marking nothing until the broker acknowledges', async () => {
    await revoke('a', 'b', 'c');
    publisher.failuresLeft = 3;
    startRelay();
    const started = time.now;
    await time.until(() => relay!.status().consecutiveFailures === 1);
    expect(core.outbox.pendingCount()).toBe(3);
    await time.until(() => core.outbox.pendingCount() === 0);
    // random() = 0 picks the low end of each jittered step: 50, 100, 200 ms.
    expect(time.now - started).toBe(50 + 100 + 200);
    expect(logger.warnings).toEqual([
      'outbox relay: publishing failed, retrying in 50 ms',
      'outbox relay: publishing failed, retrying in 100 ms',
      'outbox relay: publishing failed, retrying in 200 ms',
    ]);
    expect(publisher.publishCalls).toBe(4);
    expect(publisher.eventIds()).toEqual(outboxEventIds());
    expect(relay!.status().consecutiveFailures).toBe(0);
  });

  it('keeps retrying topic creation while the broker is down; revocations are accepted meanwhile', async () => {
    admin.failuresLeft = 4;
    startRelay();
    await time.until(() => admin.calls.length === 2);
    expect(relay!.status().state).toBe('starting');
    await revoke('during-outage');
    expect(core.outbox.pendingCount()).toBe(1);
    await time.until(() => core.outbox.pendingCount() === 0);
    expect(admin.calls).toHaveLength(5);
    expect(publisher.eventIds()).toEqual(outboxEventIds());
  });

  it('wakes at once when a revocation commits, without waiting for the poll interval', async () => {
    startRelay({ pollIntervalMs: 60_000 });
    await time.until(() => relay!.status().state === 'running');
    const before = time.now;
    await revoke('x');
    await time.until(() => core.outbox.pendingCount() === 0);
    expect(time.now).toBe(before);
  });

  it('polls every pollIntervalMs when nobody signals', async () => {
    // A relay with its own wake signal: the core's notifications do not reach it.
    relay = createOutboxRelay({
      outbox: core.outbox,
      publisher,
      transport: admin,
      topics: [core.topics.revocations],
      wake: createWakeSignal(time.sleep),
      pollIntervalMs: 500,
      clock: time.clock,
      sleep: time.sleep,
    });
    relay.start();
    await time.until(() => relay!.status().state === 'running');
    const before = time.now;
    await revoke('x');
    await time.until(() => core.outbox.pendingCount() === 0);
    expect(time.now - before).toBe(500);
  });

  it('stop() finishes the batch in flight, then disconnects', async () => {
    await revoke('a');
    let release!: () => void;
    publisher.gate = new Promise((r) => (release = r));
    startRelay();
    await time.until(() => publisher.publishCalls === 1);
    let stopped = false;
    const stopping = relay!.stop().then(() => (stopped = true));
    await time.settle();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(core.outbox.pendingCount()).toBe(0);
    expect(publisher.disconnects).toBe(1);
    expect(relay!.status().state).toBe('stopped');
  });

  it('stop() during an outage returns without sitting out the backoff', async () => {
    await revoke('a');
    publisher.failuresLeft = Number.POSITIVE_INFINITY;
    startRelay();
    await time.until(() => relay!.status().consecutiveFailures >= 3);
    await relay!.stop();
    expect(core.outbox.pendingCount()).toBe(1);
  });

  it('resumes after a restart from the same database: nothing lost, nothing published twice', async () => {
    publisher.failuresLeft = Number.POSITIVE_INFINITY; // broker down for the whole first run
    startRelay();
    await revoke('a', 'b', 'c');
    await time.until(() => relay!.status().consecutiveFailures >= 2);
    await relay!.stop();
    relay = undefined;
    const expected = outboxEventIds();
    core.close();

    core = await open();
    publisher = new FakePublisher();
    startRelay();
    await time.until(() => core.outbox.pendingCount() === 0);
    expect(publisher.eventIds()).toEqual(expected);
  });

  it('republishes identical events when marking fails after the ack (duplicates carry the same id)', async () => {
    await revoke('a', 'b');
    core.store.db.exec("CREATE TRIGGER no_mark BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'crash'); END");
    startRelay();
    await time.until(() => relay!.status().consecutiveFailures === 2);
    core.store.db.exec('DROP TRIGGER no_mark');
    await time.until(() => core.outbox.pendingCount() === 0);
    const ids = publisher.eventIds();
    expect(ids).toEqual([...outboxEventIds(), ...outboxEventIds(), ...outboxEventIds()]);
    expect(new Set(ids)).toEqual(new Set(outboxEventIds()));
  });
});
