import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AUDIT_BATCH_RECORDED, AUDIT_GENESIS_HASH, AUDIT_RECORDED, sealAuditEntry, type AuditEntry } from '@revmesh/contracts';
import { openCoreFixture, openOutbox, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';
import { rewrapKek } from '../kek/rewrap-kek';
import { DATABASE_FILE } from '../store/store';
import type { AuditContext } from './audit-context';
import { verifyAuditStore } from './verify-audit-store';

const ALICE: AuditContext = {
  actor: { kind: 'operator', id: 'alice' },
  role: 'security-admin',
  justification: 'INC-42: token leaked in a public gist',
  requestId: 'req-1',
  sourceAddress: '10.1.2.3',
};
const DAY = 24 * 3600_000;

describe('audit log (authority-core)', () => {
  let f: CoreFixture;
  /** Entries the core wrote on its own at start (e.g. the first policy version); the tests' come after. */
  let base: number;
  beforeEach(async () => {
    f = await openCoreFixture();
    base = f.core.audit.lastWrittenSeq();
  });
  afterEach(() => f.cleanup());

  /** The tests' entries (after those written at start). */
  const entries = (): AuditEntry[] => f.core.audit.list(base, 1000);
  const append = (n: number) => {
    for (let i = 0; i < n; i += 1) {
      f.core.audit.append({ action: 'test.action', outcome: 'succeeded', target: `t-${i}`, context: ALICE, details: { i } });
      f.time.now += 1000;
    }
  };

  it('chains entries: seq 1, 2, 3..., each prevHash the hash of the one before, from the genesis hash', () => {
    append(3);
    const [a, b, c] = entries();
    expect([a?.seq, b?.seq, c?.seq]).toEqual([base + 1, base + 2, base + 3]);
    expect(f.core.audit.list(0, 1)[0]?.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(a?.prevHash).toBe(base === 0 ? AUDIT_GENESIS_HASH : f.core.audit.list(base - 1, 1)[0]?.hash);
    expect(b?.prevHash).toBe(a?.hash);
    expect(c?.prevHash).toBe(b?.hash);
    expect(a).toMatchObject({ actor: ALICE.actor, role: 'security-admin', justification: ALICE.justification, requestId: 'req-1', sourceAddress: '10.1.2.3' });
    expect(f.core.audit.verify()).toMatchObject({ ok: true, firstSeq: 1, lastSeq: base + 3 });
  });

  it('an entry appended in a transaction that rolls back is not stored, and the next one takes its place', () => {
    append(1);
    expect(() =>
      f.core.store.transaction(() => {
        f.core.audit.append({ action: 'doomed', outcome: 'succeeded', target: null, context: ALICE });
        throw new Error('the change failed');
      }),
    ).toThrow('the change failed');
    expect(entries().map((e) => e.action)).toEqual(['test.action']);
    append(1);
    expect(entries().map((e) => e.seq)).toEqual([base + 1, base + 2]);
    expect(f.core.audit.verify()).toMatchObject({ ok: true, lastSeq: base + 2 });
  });

  it('an entry with a lone UTF-16 surrogate (e.g. a login name cut mid-emoji) still verifies after the database round trip', () => {
    // SQLite stores TEXT as UTF-8, which cannot hold a lone surrogate: the hash must be over what is stored.
    const cut = `${'x'.repeat(199)}\u{1F600}`.slice(0, 200);
    f.core.audit.append({ action: 'operators.login', outcome: 'denied', target: cut, context: { ...ALICE, justification: 'bad \uD800 text', requestId: '\uDC00' } });
    append(1);
    expect(f.core.audit.verify()).toMatchObject({ ok: true, lastSeq: base + 2 });
    expect(entries()[0]?.target).toBe(`${'x'.repeat(199)}\uFFFD`);
  });

  it('records a revocation with the caller context, in the revocation commit', async () => {
    const revocation = await f.core.revocations.revoke({ target: { type: 'sub', value: 'bob' }, reason: 'leak', actor: ALICE.actor, context: ALICE });
    const entry = entries().find((e) => e.action === 'revocations.create');
    expect(entry).toMatchObject({
      target: revocation.id,
      actor: ALICE.actor,
      role: 'security-admin',
      justification: ALICE.justification,
      requestId: 'req-1',
      details: { targetType: 'sub', targetValue: 'bob', reason: 'leak' },
    });
  });

  it('a failed revocation leaves no audit entry', async () => {
    await expect(f.core.revocations.revoke({ target: { type: 'sub', value: '' }, reason: 'x', actor: ALICE.actor, context: ALICE })).rejects.toThrow(TypeError);
    expect(entries().filter((e) => e.action === 'revocations.create')).toEqual([]);
  });

  it('bridges key management (admin actions) and client registration, secret issue included', async () => {
    const standby = f.core.keyStates().find((k) => k.state === 'pending')!.kid;
    await f.core.rotations.compromise(standby, { actor: ALICE.actor, reason: 'standby leaked', context: ALICE });
    f.core.clients.register({ clientId: 'billing', audiences: ['api'], scopes: [] }, ALICE);
    const actions = entries().map((e) => [e.action, e.target, e.requestId]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['keys.compromise', standby, 'req-1'],
        ['clients.create', 'billing', 'req-1'],
        ['clients.secret-issued', 'billing', 'req-1'],
      ]),
    );
    // Without a context, the actor and reason are recorded.
    f.core.store.transaction(() =>
      f.core.admin.record({ action: 'kek.rewrap', target: null, actor: { kind: 'system', id: 'script' }, reason: 'yearly', at: f.time.now }),
    );
    expect(entries().at(-1)).toMatchObject({ action: 'kek.rewrap', actor: { kind: 'system', id: 'script' }, justification: 'yearly', role: null });
  });

  it('records an offline KEK re-wrap in the chain, shipped at the next start', async () => {
    append(1);
    f.core.close();
    const newKek = randomBytes(32);
    rewrapKek({ dataDir: f.dir, currentKek: f.kek, newKek, actor: { kind: 'operator', id: 'root' }, reason: 'yearly KEK rotation', clock: f.time.clock });
    await f.reopen({ kek: newKek });
    expect(entries().at(-1)).toMatchObject({ action: 'kek.rewrap', actor: { kind: 'operator', id: 'root' }, justification: 'yearly KEK rotation' });
    expect(f.core.audit.verify()).toMatchObject({ ok: true });
  });

  /** The signed records on the audit topic: each record's key and the entries it carries. */
  async function shippedRecords(): Promise<{ key: string; type: string | undefined; signerKid: string | undefined; entries: AuditEntry[] }[]> {
    const rows = await openOutbox(f.core, trustIn(f.core.eventSigners.trusted()), f.core.topics.audit.topic);
    return rows.map((r) => ({
      key: r.key,
      type: r.event?.type,
      signerKid: r.signerKid,
      entries: r.event?.type === AUDIT_RECORDED ? [r.event.payload] : r.event?.type === AUDIT_BATCH_RECORDED ? r.event.payload.entries : [],
    }));
  }
  const shippedSeqs = async () => (await shippedRecords()).flatMap((r) => r.entries.map((e) => e.seq));

  it('ships every entry signed to the outbox for the audit topic, once, in seq order, one signature for the entries waiting together', async () => {
    // Written in one transaction, shipped by one drain: one record for the three.
    f.core.store.transaction(() => append(3));
    await f.core.revocations.revoke({ target: { type: 'jti', value: 'j1' }, reason: 'leak', actor: ALICE.actor, context: ALICE });
    await f.core.audit.flushShipping();
    const records = await shippedRecords();
    expect(f.core.topics.audit.topic).toBe('test.audit.v1');
    const all = f.core.audit.list(0, 1000);
    expect(records.flatMap((r) => r.entries)).toEqual(all);
    // A lone entry is an audit.recorded, several an audit.batch-recorded; keyed by the last entry.
    expect(records.map((r) => r.type)).toEqual(records.map((r) => (r.entries.length === 1 ? AUDIT_RECORDED : AUDIT_BATCH_RECORDED)));
    expect(records.map((r) => r.key)).toEqual(records.map((r) => `audit:${r.entries.at(-1)!.seq}`));
    expect(records.some((r) => r.entries.map((e) => e.seq).join() === [base + 1, base + 2, base + 3].join())).toBe(true);
    expect(records.length).toBeLessThan(all.length);
    expect(records.every((r) => r.signerKid === f.core.eventSigners.currentKid())).toBe(true);
    expect(await f.core.audit.flushShipping()).toBe(0);
    expect(f.core.audit.verify()).toMatchObject({ ok: true });
  });

  it('ships entries written while the core was closed at the next start', async () => {
    append(2);
    await f.core.audit.flushShipping();
    f.core.close();
    const db = new Database(join(f.dir, DATABASE_FILE));
    // As if the last drain never ran: both entries unshipped, their signed record(s) gone.
    db.prepare('UPDATE audit_log SET shipped_at = NULL WHERE seq IN (?, ?)').run(base + 1, base + 2);
    db.prepare('DELETE FROM outbox WHERE record_key IN (?, ?)').run(`audit:${base + 1}`, `audit:${base + 2}`);
    db.close();
    await f.reopen();
    await f.core.audit.flushShipping();
    const seqs = await shippedSeqs();
    expect(seqs.slice(-2)).toEqual([base + 1, base + 2]);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('with shipping off, entries wait unshipped and are shipped once it is on again', async () => {
    f.core.close();
    await f.reopen({ auditShipping: false });
    append(2);
    expect(await f.core.audit.flushShipping()).toBe(0);
    expect(await shippedSeqs()).not.toContain(base + 2);
    f.core.close();
    await f.reopen();
    await f.core.audit.flushShipping();
    expect((await shippedSeqs()).slice(-2)).toEqual([base + 1, base + 2]);
  });

  describe('tampering with the database file', () => {
    /** Ships, closes the core, runs raw SQL on the file, verifies offline (read-only). */
    async function tamperFully(sql: string | ((db: Database.Database) => void)) {
      await f.core.audit.flushShipping();
      f.core.close();
      const db = new Database(join(f.dir, DATABASE_FILE));
      if (typeof sql === 'string') db.exec(sql);
      else sql(db);
      db.close();
      const result = await verifyAuditStore(f.store);
      await f.reopen();
      return result;
    }
    const tamper = async (sql: string) => (await tamperFully(sql)).chain;
    beforeEach(() => append(6));

    it('an untouched log verifies, every entry matching its signed copy', async () => {
      await expect(tamperFully('SELECT 1')).resolves.toMatchObject({
        chain: { ok: true, firstSeq: 1, lastSeq: base + 6 },
        checkpointSignature: null,
        signedCopies: { ok: true, checked: base + 6 },
      });
    });
    it('a chain rewritten with every hash recomputed passes the chain check but not the signed copies', async () => {
      const original = entries();
      const result = await tamperFully((db) => {
        // The attacker knows the (public) algorithm: edit entry base+4, re-seal it and every entry after it.
        let prev = original[2]!.hash;
        for (const entry of original.slice(3)) {
          const { hash: _hash, ...rest } = entry;
          const resealed = sealAuditEntry({ ...rest, prevHash: prev, justification: entry.seq === base + 4 ? 'nothing happened' : entry.justification });
          db.prepare('UPDATE audit_log SET justification = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(resealed.justification, resealed.prevHash, resealed.hash, entry.seq);
          prev = resealed.hash;
        }
      });
      expect(result.chain).toMatchObject({ ok: true });
      expect(result.signedCopies).toMatchObject({ ok: false, problem: 'edited', seq: base + 4 });
    });
    it('the last row deleted and the counter turned back passes the chain check but not the signed copies', async () => {
      const result = await tamperFully(`DELETE FROM audit_log WHERE seq = ${base + 6}; UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'audit_log';`);
      expect(result.chain).toMatchObject({ ok: true, lastSeq: base + 5 });
      expect(result.signedCopies).toMatchObject({ ok: false, problem: 'deleted', seq: base + 6 });
    });
    it('UPDATE of one field names that row as edited', async () => {
      await expect(tamper(`UPDATE audit_log SET justification = 'nothing to see' WHERE seq = ${base + 4}`)).resolves.toMatchObject({
        ok: false,
        problem: 'edited',
        seq: base + 4,
      });
    });
    it('DELETE of one row names that row as deleted', async () => {
      await expect(tamper(`DELETE FROM audit_log WHERE seq = ${base + 3}`)).resolves.toMatchObject({ ok: false, problem: 'deleted', seq: base + 3 });
    });
    it('DELETE of the last row names it as deleted (the AUTOINCREMENT counter remembers it)', async () => {
      await expect(tamper(`DELETE FROM audit_log WHERE seq = ${base + 6}`)).resolves.toMatchObject({ ok: false, problem: 'deleted', seq: base + 6 });
    });
    it('swapping two rows (contents exchanged, seqs kept) names the first as reordered', async () => {
      const cols = 'at, action, outcome, actor_kind, actor_id, role, target, justification, request_id, source_address, details, prev_hash, hash';
      const sql = `
        CREATE TEMP TABLE keep AS SELECT * FROM audit_log WHERE seq IN (${base + 2}, ${base + 3});
        UPDATE audit_log SET (${cols}) = (SELECT ${cols} FROM keep WHERE seq = ${base + 3}) WHERE seq = ${base + 2};
        UPDATE audit_log SET (${cols}) = (SELECT ${cols} FROM keep WHERE seq = ${base + 2}) WHERE seq = ${base + 3};`;
      await expect(tamper(sql)).resolves.toMatchObject({ ok: false, problem: 'reordered', seq: base + 2 });
    });
    it('a row rewritten with a recomputed hash is named by the broken link after it', async () => {
      const { hash: _hash, ...four } = entries()[3]!;
      const forged = sealAuditEntry({ ...four, justification: 'routine maintenance' });
      const sql = `UPDATE audit_log SET justification = 'routine maintenance', hash = '${forged.hash}' WHERE seq = ${base + 4}`;
      await expect(tamper(sql)).resolves.toMatchObject({ ok: false, problem: 'edited', seq: base + 4, detail: expect.stringContaining('recomputed') });
    });
    it('the authority keeps appending after the gap, so the gap stays visible', async () => {
      await tamper(`DELETE FROM audit_log WHERE seq = ${base + 6}`);
      append(1);
      expect(entries().at(-1)?.seq).toBe(base + 7);
      expect(f.core.audit.verify()).toMatchObject({ ok: false, problem: 'deleted', seq: base + 6 });
    });
  });

  describe('retention', () => {
    it('purges entries past the retention behind a signed checkpoint; the chain still verifies', async () => {
      append(4);
      const kept = f.time.now;
      f.time.now += 401 * DAY; // default policy: 400 days
      append(2);
      expect(kept).toBeLessThan(f.time.now);
      const before = entries();
      await f.core.audit.flushShipping();
      const result = await f.core.audit.retention.runOnce();
      // Everything written before the jump is past the retention: the core's own entries and the 4 old ones.
      const old = base + 4;
      expect(result).toMatchObject({ purged: old, checkpoint: { upToSeq: old, lastHash: before[3]!.hash, count: old } });
      const after = f.core.audit.list(0, 1000);
      expect(after.map((e) => e.seq)).toEqual([old + 1, old + 2, old + 3]);
      expect(after[0]!.prevHash).toBe(result!.checkpoint.lastHash);
      expect(after[2]).toMatchObject({ action: 'audit.purge', actor: { kind: 'system', id: 'audit-retention' }, details: { upToSeq: old, count: old } });
      expect(f.core.audit.verify()).toMatchObject({ ok: true, firstSeq: old + 1, lastSeq: old + 3, checkpoint: result!.checkpoint });
      expect(await f.core.audit.retention.runOnce()).toBeNull();
      await f.core.audit.flushShipping();
      f.core.close();
      const offline = await verifyAuditStore(f.store);
      expect(offline.chain).toMatchObject({ ok: true, firstSeq: old + 1 });
      expect(offline.checkpointSignature).toMatchObject({ ok: true });
      // Signed copies of purged entries stay in the outbox; they are not "deleted" entries.
      expect(offline.signedCopies).toEqual({ ok: true, checked: 3 });
      await f.reopen();
      // The next entry continues the chain (from the purge entry).
      append(1);
      expect(f.core.audit.verify()).toMatchObject({ ok: true, lastSeq: old + 4 });
    });

    it('a checkpoint tampered with in the database fails verification', async () => {
      append(3);
      f.time.now += 401 * DAY;
      append(1);
      await f.core.audit.flushShipping();
      await f.core.audit.retention.runOnce();
      f.core.close();
      const db = new Database(join(f.dir, DATABASE_FILE));
      db.prepare('UPDATE audit_checkpoints SET count = 1').run();
      db.close();
      const offline = await verifyAuditStore(f.store);
      expect(offline.chain).toMatchObject({ ok: false, problem: 'checkpoint-mismatch' });
      expect(offline.checkpointSignature).toMatchObject({ ok: false });
      await f.reopen();
    });

    it('never purges an entry not yet shipped to the audit topic: it waits for the shipper', async () => {
      await f.core.audit.flushShipping();
      f.core.close();
      await f.reopen({ auditShipping: false });
      append(3);
      f.time.now += 401 * DAY;
      append(1);
      // The core's own (shipped) entries may go; the 3 old unshipped ones stay.
      const first = await f.core.audit.retention.runOnce();
      expect(first?.checkpoint.upToSeq ?? 0).toBeLessThanOrEqual(base);
      expect(f.core.audit.list(base, 3).map((e) => e.target)).toEqual(['t-0', 't-1', 't-2']);
      expect(f.core.audit.verify()).toMatchObject({ ok: true });
      f.core.close();
      await f.reopen();
      await f.core.audit.flushShipping();
      await expect(f.core.audit.retention.runOnce()).resolves.toMatchObject({ checkpoint: { upToSeq: base + 3 } });
    });

    it('purges nothing while every entry is within the retention', async () => {
      append(2);
      await expect(f.core.audit.retention.runOnce()).resolves.toBeNull();
      expect(entries()).toHaveLength(2);
    });
  });
});
