import { statSync } from 'node:fs';
import { REVOCATION_ISSUED, encodeSidecarReport, type SidecarReport } from '@revmesh/contracts';
import { systemAuditContext } from '../audit/audit-context';
import { verifyAuditStore } from '../audit/verify-audit-store';
import { RevocationNotFoundError } from '../errors/errors';
import { ack, heartbeat, openCoreFixture, publishAll, randomUUID, type CoreFixture } from '../testing/core-fixture.spec-helper';
import { createStoreRetention } from './store-retention';
import { validateStoreRetention } from './retention-periods';
import { sqliteNative } from '../store/sqlite-connection';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const actor = { kind: 'admin-key' as const, id: 'admin' };

/** Row counts of every table the retention bounds. */
function rowCounts(f: CoreFixture): Record<string, number> {
  const count = (table: string): number => f.core.store.db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;
  return {
    revocations: count('revocations'),
    outbox: count('outbox'),
    audit_log: count('audit_log'),
    sidecar_acks: count('sidecar_acks'),
    sidecar_instances: count('sidecar_instances'),
  };
}

/** Size of the database file once the WAL is folded into it. */
function fileSize(f: CoreFixture): number {
  sqliteNative(f.core.store.db).pragma('wal_checkpoint(TRUNCATE)');
  return statSync(f.core.store.path).size;
}

function record(f: CoreFixture, reports: readonly SidecarReport[]): void {
  for (const report of reports) f.core.reports.recordRaw(encodeSidecarReport(report));
  f.core.reports.flush();
}

/** `n` revocations through the core, acknowledged by `instance`, shipped to the audit topic and published. */
async function revokeMany(f: CoreFixture, n: number, instance: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, j) => f.core.revocations.revoke({ target: { type: 'jti', value: `t-${f.time.now}-${i + j}` }, reason: 'stream', actor })),
    );
    ids.push(...batch.map((r) => r.id));
  }
  await f.core.audit.flushShipping();
  publishAll(f.core, f.time.now);
  const now = f.time.now;
  record(f, [
    heartbeat(instance, { sent_at: now }),
    ...ids.map((id) => ack(instance, f.core.revocations.get(id).eventId!, { sent_at: now, event_type: REVOCATION_ISSUED })),
  ]);
  return ids;
}

describe('store retention', () => {
  let f: CoreFixture;
  afterEach(() => f.cleanup());

  it('keeps the store flat under a sustained revocation stream once past the retention, the audit chain still verifying', async () => {
    f = await openCoreFixture({ storeRetention: { publishedOutboxMs: HOUR, expiredRevocationMs: HOUR, goneInstanceMs: HOUR } });
    f.core.securityPolicy.update({ audit: { retentionDays: 1 } }, systemAuditContext('test', 'keep the audit log one day'));
    const counts: Record<string, number>[] = [];
    const sizes: number[] = [];
    // Every 6 hours: 400 revocations acknowledged by one instance that then goes away for good.
    for (let cycle = 0; cycle < 16; cycle += 1) {
      await revokeMany(f, 400, `svc-${cycle}`);
      f.time.now += 6 * HOUR;
      await f.core.audit.retention.runOnce();
      await f.core.audit.flushShipping(); // the purge's own entry
      publishAll(f.core, f.time.now);
      await f.core.storeRetention.runOnce();
      counts.push(rowCounts(f));
      sizes.push(fileSize(f));
    }
    // Past the longest retention (the audit log's day, and another for the purges' own entries),
    // every cycle ends with the same rows: what is deleted matches what is written. (The audit
    // topic's signed records in the outbox vary from cycle to cycle: entries waiting together
    // share one; they stay bounded by the entries kept, below.)
    const steady = counts.slice(8);
    const withoutOutbox = ({ outbox: _outbox, ...rest }: Record<string, number>) => rest;
    for (const c of steady) expect(withoutOutbox(c)).toEqual(withoutOutbox(steady[0]!));
    for (const c of steady) expect(c['outbox']).toBeLessThanOrEqual(c['audit_log']! + 5);
    expect(steady[0]).toMatchObject({ revocations: 0, sidecar_acks: 0, sidecar_instances: 0 });
    // Only the audit entries of the last day remain (4 cycles of 400 and their purges), each with
    // its signed copy (and the few key events): nothing else stays.
    expect(steady[0]!['audit_log']).toBeLessThanOrEqual(4 * 401 + 1);
    expect(steady[0]!['outbox']).toBeLessThanOrEqual(steady[0]!['audit_log']! + 5);
    // Freed pages are reused: once past the retention the file grows by less than 2% of what one
    // cycle writes per cycle (pages of random-keyed indexes settle at their fill ratio), against
    // a whole cycle's worth per cycle before.
    const written = sizes[1]! - sizes[0]!;
    const steadyGrowth = (sizes[15]! - sizes[8]!) / 7;
    expect(steadyGrowth).toBeLessThan(written / 50);

    const offline = await verifyAuditStore(f.store);
    expect(offline.chain).toMatchObject({ ok: true });
    expect(offline.checkpointSignature).toMatchObject({ ok: true });
    expect(offline.signedCopies).toMatchObject({ ok: true });
    expect(offline.signedCopies.ok && offline.signedCopies.checked).toBeGreaterThan(1000);
  }, 120_000);

  it('keeps live and recently expired revocations, unpublished rows, key events and live instances; a pruned revocation answers not found', async () => {
    f = await openCoreFixture({ storeRetention: { publishedOutboxMs: HOUR, expiredRevocationMs: 2 * HOUR, goneInstanceMs: HOUR } });
    const oldAt = f.time.now;
    const [old] = await revokeMany(f, 1, 'svc-live');
    const oldExpiry = f.core.revocations.get(old!).expiresAt;
    const keyEvents = f.core.store.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox o JOIN key_events k ON k.event_id = o.event_id').get()!.n;
    expect(keyEvents).toBeGreaterThan(0);

    // Just before the margin after its expiry: everything stays.
    f.time.now = oldExpiry + 2 * HOUR - 1000;
    const [live] = await revokeMany(f, 1, 'svc-live');
    // Accepted with `old` (same expiry), its event never published since (broker unreachable).
    const now = f.time.now;
    f.time.now = oldAt;
    const unpublished = await f.core.revocations.revoke({ target: { type: 'sub', value: 'waiting' }, reason: 'not yet published', actor });
    f.time.now = now;
    expect(f.core.revocations.get(unpublished.id).expiresAt).toBe(oldExpiry);
    record(f, [heartbeat('svc-quiet', { sent_at: f.time.now - HOUR - 1 })]);
    const first = await f.core.storeRetention.runOnce();
    expect(first).toMatchObject({ revocations: 0, instances: 1 }); // svc-quiet: not heard from for over an hour
    expect(f.core.revocations.get(old!).id).toBe(old);

    f.time.now += 2000;
    const second = await f.core.storeRetention.runOnce();
    expect(second).toMatchObject({ revocations: 1, outboxRows: 1, acks: 1, instances: 0 });
    expect(() => f.core.revocations.get(old!)).toThrow(RevocationNotFoundError);
    expect(() => f.core.revocations.get(old!)).toThrow(/expired and pruned/);
    expect(f.core.revocations.get(live!).published).toBe(true);
    // Expired as long as `old`, but never published: nothing unpublished is deleted.
    expect(f.core.revocations.get(unpublished.id).published).toBe(false);
    expect(f.core.outbox.pendingCount()).toBeGreaterThan(0);
    expect(f.core.store.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox o JOIN key_events k ON k.event_id = o.event_id').get()!.n).toBe(keyEvents);
    expect(f.core.instances.all().map((i) => i.instanceId)).toEqual(['svc-live']);
    // The live revocation's coverage still has its ack.
    expect(f.core.revocationCoverage(live!).coverage.applied.map((a) => a.instanceId)).toEqual(['svc-live']);
  });

  it('deletes acks of events the store does not hold (pruned earlier, or never its own), and re-signed copies after their retention', async () => {
    f = await openCoreFixture({ storeRetention: { publishedOutboxMs: HOUR } });
    const [id] = await revokeMany(f, 1, 'svc-a');
    await f.core.revocations.republishLive(f.time.now);
    publishAll(f.core, f.time.now);
    const copies = f.core.store.db.prepare<[string], { event_id: string }>('SELECT event_id FROM outbox WHERE revocation_id IS NULL AND published_at IS NOT NULL AND topic = ?').all(f.core.topics.revocations.topic);
    expect(copies.length).toBe(1);
    record(f, [ack('svc-a', copies[0]!.event_id, { sent_at: f.time.now, event_type: REVOCATION_ISSUED }), ack('svc-a', randomUUID(), { sent_at: f.time.now })]);

    expect(await f.core.storeRetention.runOnce()).toMatchObject({ outboxRows: 0, acks: 1 }); // the foreign one
    f.time.now += HOUR + 1;
    expect(await f.core.storeRetention.runOnce()).toMatchObject({ revocations: 0, outboxRows: 1, acks: 1 }); // the copy and its ack
    // Nothing left to delete: a run opens no write transaction (it would also tell readiness the store writes fine).
    const transaction = jest.spyOn(f.core.store, 'transaction');
    expect(await f.core.storeRetention.runOnce()).toEqual({ revocations: 0, outboxRows: 0, auditCopies: 0, acks: 0, instances: 0, sessions: 0 });
    expect(transaction).not.toHaveBeenCalled();
    // The revocation (still live) keeps its announcement and that event's ack.
    const eventId = f.core.revocations.get(id!).eventId!;
    expect(f.core.store.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM sidecar_acks WHERE event_id = ?').get(eventId)!.n).toBe(1);
  });

  it('validates its periods before the core opens anything', async () => {
    expect(() => validateStoreRetention({ publishedOutboxMs: 59_999, expiredRevocationMs: DAY, goneInstanceMs: DAY })).toThrow(
      /publishedOutboxMs must be a whole number of ms in 60000\.\./,
    );
    expect(() => validateStoreRetention({ publishedOutboxMs: DAY, expiredRevocationMs: 1.5 * DAY + 0.5, goneInstanceMs: DAY })).toThrow(/expiredRevocationMs/);
    await expect(openCoreFixture({ storeRetention: { goneInstanceMs: 1000 } })).rejects.toThrow(/goneInstanceMs must be/);
    f = await openCoreFixture();
    expect(() => createStoreRetention({ store: f.core.store, clock: f.time.clock, auditCopies: { purgedCopies: () => [] }, auditPurgedUpTo: () => null, intervalMs: 0 })).toThrow(
      /intervalMs must be a positive integer/,
    );
  });
});
