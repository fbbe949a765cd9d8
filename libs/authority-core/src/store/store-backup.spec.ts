import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actorAuditContext } from '../audit/audit-context';
import { createAuditLog } from '../audit/audit-store';
import { verifyAuditStore } from '../audit/verify-audit-store';
import { StoreError, StoreLockedError } from '../errors/errors';
import { backupStore, restoreStore } from './store-backup';
import { DATABASE_FILE, openStore, type AuthorityStore } from './store';

const OPERATOR = { kind: 'operator', id: 'ops' } as const;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('store backup and restore (SQLite)', () => {
  let root: string;
  let source: string;
  let store: AuthorityStore;
  const clock = { now: () => Date.UTC(2030, 0, 1) };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'revmesh-backup-'));
    source = join(root, 'source');
    store = openStore({ dataDir: source, clock });
    const audit = createAuditLog({ store, clock });
    for (let i = 0; i < 5; i += 1) audit.append({ action: 'test.action', outcome: 'succeeded', target: `t-${i}`, context: actorAuditContext(OPERATOR, 'why'), details: { i } });
  });
  afterEach(() => {
    store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('copies an open store into one verified file, and restores it with its chain continued by the restore entry', async () => {
    const file = join(root, 'backup.db');
    const backup = await backupStore({ dataDir: source, to: file });
    expect(backup).toMatchObject({ schemaVersion: expect.any(Number), lastAuditSeq: 5, audit: { chain: { ok: true, lastSeq: 5 } } });
    // One self-contained file, nothing else left beside it.
    expect(readdirSync(root).sort()).toEqual(['backup.db', 'source']);

    const target = join(root, 'restored');
    const restored = await restoreStore({ dataDir: target, from: file, actor: OPERATOR, reason: 'drill', clock });
    expect(restored).toMatchObject({ lastAuditSeq: 5, replacedAs: null });
    const verified = await verifyAuditStore({ dataDir: target });
    expect(verified.chain).toMatchObject({ ok: true, firstSeq: 1, lastSeq: 6 });
    const db = new Database(join(target, DATABASE_FILE), { readonly: true });
    try {
      expect(db.prepare('SELECT action, actor_id, justification FROM audit_log WHERE seq = 6').get()).toEqual({ action: 'store.restore', actor_id: 'ops', justification: 'drill' });
    } finally {
      db.close();
    }
  });

  it('never overwrites a file', async () => {
    const file = join(root, 'taken.db');
    writeFileSync(file, 'keep me');
    await expect(backupStore({ dataDir: source, to: file })).rejects.toThrow(StoreError);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('refuses a backup whose audit log was edited, changing nothing in the folder', async () => {
    const file = join(root, 'backup.db');
    await backupStore({ dataDir: source, to: file });
    const tamper = new Database(file);
    tamper.prepare("UPDATE audit_log SET target = 'someone else' WHERE seq = 3").run();
    tamper.close();
    const target = join(root, 'target');
    const existing = openStore({ dataDir: target, clock });
    existing.close();
    const before = sha256(join(target, DATABASE_FILE));

    await expect(restoreStore({ dataDir: target, from: file, actor: OPERATOR, reason: 'drill', clock })).rejects.toThrow(/audit log .* does not verify/);
    expect(sha256(join(target, DATABASE_FILE))).toBe(before);
    expect(readdirSync(target).filter((f) => f.startsWith('.restoring-') || f.includes('.replaced-'))).toEqual([]);
  });

  it('refuses a file that is not an authority database', async () => {
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'not a database');
    await expect(restoreStore({ dataDir: join(root, 'target'), from: file, actor: OPERATOR, reason: 'drill', clock })).rejects.toThrow(StoreError);
  });

  it('refuses while an authority holds the folder, and keeps the database there aside once it may', async () => {
    const file = join(root, 'backup.db');
    await backupStore({ dataDir: source, to: file });
    await expect(restoreStore({ dataDir: source, from: file, actor: OPERATOR, reason: 'drill', clock })).rejects.toThrow(StoreLockedError);

    store.close();
    const restored = await restoreStore({ dataDir: source, from: file, actor: OPERATOR, reason: 'drill', clock });
    expect(restored.replacedAs).toMatch(/authority\.db\.replaced-/);
    expect(existsSync(restored.replacedAs!)).toBe(true);
    store = openStore({ dataDir: source, clock });
  });
});
