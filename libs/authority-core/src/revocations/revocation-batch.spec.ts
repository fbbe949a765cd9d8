import { MAX_EVENT_BYTES, openSignedEvent, type RevocationIssuedEvent } from '@revmesh/contracts';
import type { AuthorityCore } from '../authority-core';
import { IssuerNotTrustedError, RevocationBatchInvalidError, RevocationBatchNeedsApprovalError, StoreError } from '../errors/errors';
import { openCoreFixture, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';
import { checkBatch, MAX_BATCH_TARGETS, type RevokeBatchInput } from './revocation-batch';

const actor = { kind: 'operator', id: 'rita' } as const;
const jtis = (n: number, prefix = 'j') => Array.from({ length: n }, (_, i) => ({ target: { type: 'jti' as const, value: `${prefix}-${i}` } }));

describe('checkBatch', () => {
  const open = { issuer: (iss: string | undefined) => iss, approvalAction: () => undefined };

  it('returns each target checked issuer, in order', () => {
    expect(checkBatch({ targets: [...jtis(1), { target: { type: 'sub', value: 'a' }, iss: 'https://x' }], reason: 'r', actor }, open)).toEqual([undefined, 'https://x']);
  });

  it('names every refused target by index and field, not only the first', () => {
    const input = {
      targets: [
        { target: { type: 'jti', value: 'ok' } },
        { target: { type: 'nope', value: 'x' } },
        { target: { type: 'jti', value: '' } },
        { target: { type: 'jti', value: 'x'.repeat(513) } },
        { target: { type: 'sid', value: 's' }, iss: 'https://untrusted' },
      ],
      reason: 'r',
      actor,
    } as unknown as RevokeBatchInput;
    const issuer = (iss: string | undefined) => {
      if (iss !== undefined) throw new IssuerNotTrustedError(iss, 'unknown');
      return undefined;
    };
    let error: unknown;
    try {
      checkBatch(input, { issuer, approvalAction: () => undefined });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RevocationBatchInvalidError);
    expect((error as RevocationBatchInvalidError).items.map((i) => [i.index, i.field])).toEqual([
      [1, 'target'],
      [2, 'value'],
      [3, 'value'],
      [4, 'iss'],
    ]);
  });

  it('refuses targets the policy gates before anything else, naming the actions', () => {
    const gate = { issuer: () => undefined, approvalAction: (type: string) => (type === 'client_id' ? 'revocations.client_id' : undefined) };
    const input = { targets: [{ target: { type: 'client_id', value: 'c' } }, { target: { type: 'jti', value: '' } }], reason: 'r', actor } as RevokeBatchInput;
    expect(() => checkBatch(input, gate)).toThrow(RevocationBatchNeedsApprovalError);
    try {
      checkBatch(input, gate);
    } catch (e) {
      expect((e as RevocationBatchNeedsApprovalError).items).toEqual([{ index: 0, field: 'target', message: expect.stringContaining('revocations.client_id') }]);
      expect((e as RevocationBatchNeedsApprovalError).actions).toEqual(['revocations.client_id']);
    }
  });

  it('treats an empty or oversized batch and a bad reason as caller bugs', () => {
    expect(() => checkBatch({ targets: [], reason: 'r', actor }, open)).toThrow(TypeError);
    expect(() => checkBatch({ targets: jtis(MAX_BATCH_TARGETS + 1), reason: 'r', actor }, open)).toThrow(TypeError);
    expect(() => checkBatch({ targets: jtis(1), reason: '', actor }, open)).toThrow(TypeError);
  });
});

describe('revokeBatch', () => {
  let fixture: CoreFixture;
  let core: AuthorityCore;
  let now: number;

  beforeEach(async () => {
    fixture = await openCoreFixture({ auditShipping: false });
    core = fixture.core;
    now = fixture.time.now;
    // The key events queued at first start are not what these tests look at.
    core.outbox.markPublished(
      core.outbox.unpublished(100).map((e) => e.seq),
      now,
    );
  });
  afterEach(() => fixture.cleanup());

  const count = (sql: string): number => core.store.db.prepare(sql).pluck().get() as number;
  const stored = () => ({
    revocations: count('SELECT COUNT(*) FROM revocations'),
    events: count("SELECT COUNT(*) FROM outbox WHERE topic = 'test.revocations.v1'"),
    batchEntries: count("SELECT COUNT(*) FROM audit_log WHERE action = 'revocations.create-batch'"),
    singleEntries: count("SELECT COUNT(*) FROM audit_log WHERE action = 'revocations.create'"),
  });

  it('stores each target as its own revocation with its own signed event, and one audit entry listing them', async () => {
    const batch = await core.revocations.revokeBatch({ targets: jtis(50), reason: 'dump', actor });
    expect(batch.revocations).toHaveLength(50);
    expect(new Set(batch.revocations.map((r) => r.id)).size).toBe(50);
    expect(batch.revocations.every((r) => r.revokedAt === now && r.notAfterIat === Math.floor(now / 1000))).toBe(true);
    expect(stored()).toEqual({ revocations: 50, events: 50, batchEntries: 1, singleEntries: 0 });

    const entries = core.outbox.unpublished(100);
    const trust = trustIn(core.eventSigners.trusted());
    const events = await Promise.all(entries.map(async (e) => openSignedEvent(e.record.value, trust)));
    const opened = events.map((e) => (e.ok ? (e.event as RevocationIssuedEvent) : undefined));
    // Published in the order of the targets.
    expect(opened.map((e) => e?.payload.revocation_id)).toEqual(batch.revocations.map((r) => r.id));
    expect(entries.map((e) => e.record.key)).toEqual(batch.revocations.map((r) => `jti:${r.target.value}`));

    const [entry] = core.audit.list(0, 1000).filter((e) => e.action === 'revocations.create-batch');
    expect(entry).toMatchObject({ target: batch.batchId, details: { part: 1, parts: 1, count: 50, reason: 'dump', revokedAt: now } });
    const listed = entry!.details['revocations'] as string[][];
    expect(listed.map(([id, eventId, type, value]) => [id, eventId, type, value])).toEqual(
      batch.revocations.map((r, i) => [r.id, opened[i]!.id, 'jti', r.target.value]),
    );
    expect(core.audit.verify()).toMatchObject({ ok: true });
  });

  it('splits the audit record of a big batch into numbered entries, each small enough for the audit topic', async () => {
    const targets = Array.from({ length: 1000 }, (_, i) => ({ target: { type: 'jti' as const, value: `${i}-`.padEnd(400, 'x') } }));
    const batch = await core.revocations.revokeBatch({ targets, reason: 'dump', actor });
    const entries = core.audit.list(0, 1000).filter((e) => e.action === 'revocations.create-batch');
    expect(entries.length).toBeGreaterThan(1);
    expect(entries.map((e) => [e.target, e.details['part'], e.details['parts'], e.details['count']])).toEqual(
      entries.map((_, i) => [batch.batchId, i + 1, entries.length, 1000]),
    );
    expect(entries.flatMap((e) => (e.details['revocations'] as string[][]).map((r) => r[0]))).toEqual(batch.revocations.map((r) => r.id));
    for (const entry of entries) expect(Buffer.byteLength(JSON.stringify(entry))).toBeLessThan(MAX_EVENT_BYTES - 8 * 1024);
    expect(core.audit.verify()).toMatchObject({ ok: true });
  });

  it('stores nothing of a batch whose write fails part-way, while a revocation accepted alongside it stands', async () => {
    // A trigger that refuses one row: the failure comes from SQLite in the middle of the batch's unit.
    core.store.db.exec(
      "CREATE TEMP TRIGGER refuse_poison BEFORE INSERT ON revocations WHEN NEW.target_value = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
    );
    const targets = [...jtis(20), { target: { type: 'jti' as const, value: 'poison' } }, ...jtis(5, 'after')];
    const [batch, single] = await Promise.allSettled([
      core.revocations.revokeBatch({ targets, reason: 'dump', actor }),
      core.revocations.revoke({ target: { type: 'jti', value: 'single' }, reason: 'alone', actor }),
    ]);
    expect(batch.status).toBe('rejected');
    expect((batch as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
    expect(single.status).toBe('fulfilled');
    expect(stored()).toEqual({ revocations: 1, events: 1, batchEntries: 0, singleEntries: 1 });
    expect(core.audit.verify()).toMatchObject({ ok: true });
  });

  it('refuses a batch naming an untrusted issuer, or gated by the policy, before signing or writing anything', async () => {
    await expect(
      core.revocations.revokeBatch({ targets: [...jtis(3), { target: { type: 'sub', value: 'bob' }, iss: 'https://nobody.test' }], reason: 'r', actor }),
    ).rejects.toMatchObject({ code: 'REVOCATION_BATCH_INVALID', items: [{ index: 3, field: 'iss' }] });
    // The default policy puts client_id revocations behind a second security-admin.
    await expect(core.revocations.revokeBatch({ targets: [...jtis(2), { target: { type: 'client_id', value: 'c' } }], reason: 'r', actor })).rejects.toMatchObject({
      code: 'REVOCATION_BATCH_NEEDS_APPROVAL',
      items: [{ index: 2 }],
    });
    expect(stored()).toEqual({ revocations: 0, events: 0, batchEntries: 0, singleEntries: 0 });
  });
});
