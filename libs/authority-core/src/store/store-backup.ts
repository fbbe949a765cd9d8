import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Actor } from '@revmesh/contracts';
import { actorAuditContext } from '../audit/audit-context';
import { createAuditLog } from '../audit/audit-store';
import { verifyAuditStore, type AuditStoreVerification } from '../audit/verify-audit-store';
import { StoreError } from '../errors/errors';
import { systemClock, type Clock } from '../time/clock';
import { MIGRATIONS } from './migrations';
import { DATABASE_FILE, openStore } from './store';
import { acquireWriterLock } from './writer-lock';

/** What a backup file holds, checked before it is kept (backup) or put in place (restore). */
export interface StoreBackupCheck {
  /** Size of the backup file, bytes. */
  readonly bytes: number;
  /** Schema version of the backed-up store (its last applied migration). */
  readonly schemaVersion: number;
  /** Last audit entry in the backup: what a restore goes back to. */
  readonly lastAuditSeq: number | null;
  /** The audit log of the backup, verified as `audit:verify` does (chain, checkpoint, signed copies). */
  readonly audit: AuditStoreVerification;
}

export interface StoreBackupOptions {
  /** Data folder of the authority to back up (it may be running). */
  readonly dataDir: string;
  /** The backup file to write; must not exist. */
  readonly to: string;
}

export interface StoreRestoreOptions {
  /** Data folder to restore into; the authority must be stopped. Created (mode 0700) if missing. */
  readonly dataDir: string;
  /** A file written by {@link backupStore}. */
  readonly from: string;
  /** Who restores (the OS user for the command), recorded in the restored audit log. */
  readonly actor: Actor;
  readonly reason: string;
  readonly clock?: Clock;
}

export interface StoreRestoreResult extends StoreBackupCheck {
  /** Where the database that was in the folder was moved (with its `-wal`/`-shm`), or null if there was none. */
  readonly replacedAs: string | null;
}

/** Pages copied per backup step after the first: all of them, so the copy is one consistent read. */
const ALL_PAGES = 2 ** 31 - 1;

function auditOk(audit: AuditStoreVerification): boolean {
  return audit.chain.ok && (audit.checkpointSignature === null || audit.checkpointSignature.ok) && audit.signedCopies.ok;
}

function auditProblem(audit: AuditStoreVerification): string {
  if (!audit.chain.ok) return `${audit.chain.problem}${audit.chain.seq === null ? '' : ` at entry ${audit.chain.seq}`}: ${audit.chain.detail}`;
  if (audit.checkpointSignature !== null && !audit.checkpointSignature.ok) return `checkpoint-signature: ${audit.checkpointSignature.detail}`;
  if (!audit.signedCopies.ok) return `${audit.signedCopies.problem} at entry ${audit.signedCopies.seq}: ${audit.signedCopies.detail}`;
  return 'ok';
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks a backup staged as `<dir>/authority.db`: SQLite's `integrity_check`, a schema this
 * authority knows, and the audit log verified as `audit:verify` does. Read-only.
 *
 * @throws {StoreError} naming what is wrong; `name` is how the caller calls the file.
 */
async function checkStagedBackup(dir: string, name: string): Promise<StoreBackupCheck> {
  const file = join(dir, DATABASE_FILE);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new StoreError(`cannot open ${name}: ${String(error)}`, { cause: error });
  }
  let schemaVersion: number;
  let lastAuditSeq: number | null;
  try {
    let integrity: string[];
    try {
      integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
      schemaVersion = db.prepare<[], { v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations').get()?.v ?? 0;
      lastAuditSeq = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM audit_log').get()?.seq ?? null;
    } catch (error) {
      throw new StoreError(`${name} is not an authority database: ${String(error)}`, { cause: error });
    }
    if (integrity.length !== 1 || integrity[0] !== 'ok') throw new StoreError(`${name} fails SQLite's integrity check: ${integrity.slice(0, 3).join('; ')}`);
    if (schemaVersion > MIGRATIONS.length) {
      throw new StoreError(`${name} has schema version ${schemaVersion} but this authority only knows up to ${MIGRATIONS.length}: use the release that wrote it, or a newer one`);
    }
  } finally {
    db.close();
  }
  const audit = await verifyAuditStore({ dataDir: dir });
  if (!auditOk(audit)) throw new StoreError(`the audit log in ${name} does not verify: ${auditProblem(audit)}`);
  return { bytes: statSync(file).size, schemaVersion, lastAuditSeq, audit };
}

/**
 * Online backup of an authority's SQLite store, safe while the authority runs and writes: SQLite's
 * backup API over a read-only connection, every page after the first step copied in one step, so
 * the copy is one consistent state of the database (a commit by the authority between the two
 * steps makes SQLite start the copy again, which then finishes in that one step). The copy is
 * written beside `to`, switched to a single file (no `-wal`), checked (SQLite's integrity check,
 * a known schema, the audit log with its signed copies), flushed to disk and only then renamed to `to`: a file at `to` is always
 * a complete, verified backup.
 *
 * What it holds is sealed as in the store: private keys and TOTP secrets stay wrapped by the
 * KEK in force at the time (REVMESH_KEK), which the backup does not contain.
 *
 * @throws {StoreError} when there is no store, `to` exists, or the copy fails its checks (nothing is left at `to`).
 */
export async function backupStore(options: StoreBackupOptions): Promise<StoreBackupCheck> {
  const source = join(options.dataDir, DATABASE_FILE);
  if (!existsSync(source)) throw new StoreError(`no authority database at ${source}`);
  if (existsSync(options.to)) throw new StoreError(`${options.to} exists: name a new file (a backup never overwrites one)`);
  // Staged as <dir>/authority.db, the layout the audit verification reads.
  const staging = mkdtempSync(join(dirname(options.to), `.${basename(options.to)}.partial-`));
  const partial = join(staging, DATABASE_FILE);
  let db: Database.Database;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new StoreError(`cannot open ${source} read-only: ${String(error)}`, { cause: error });
  }
  try {
    try {
      await db.backup(partial, { progress: () => ALL_PAGES });
    } catch (error) {
      throw new StoreError(`cannot copy ${source}: ${String(error)}`, { cause: error });
    } finally {
      db.close();
    }
    const copy = new Database(partial, { fileMustExist: true });
    try {
      // A standalone file: the authority switches it back to WAL when it opens it.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    const check = await checkStagedBackup(staging, `the copy of ${source}`);
    fsyncPath(partial);
    renameSync(partial, options.to);
    fsyncPath(dirname(options.to));
    return check;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Restores a backup into a stopped authority's data folder: takes the folder's writer lock (so it
 * refuses with `StoreLockedError` while an authority runs there), checks a copy of the backup on
 * the folder's file system as {@link backupStore} checked it, moves the database in place aside as
 * `authority.db.replaced-<time>` (with its `-wal`/`-shm`, still openable), puts a copy of the backup
 * in its place, and records `store.restore` in the restored audit log (which continues its chain).
 * Migrations newer than the backup run when the authority next starts.
 *
 * @throws {StoreError} when the backup fails its checks (nothing is changed).
 * @throws {StoreLockedError} when an authority holds the folder (nothing is changed).
 */
export async function restoreStore(options: StoreRestoreOptions): Promise<StoreRestoreResult> {
  const clock = options.clock ?? systemClock;
  if (!existsSync(options.from)) throw new StoreError(`no backup file at ${options.from}`);
  try {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreError(`cannot create the data folder ${options.dataDir}: ${String(error)}`, { cause: error });
  }
  const target = join(options.dataDir, DATABASE_FILE);
  const lock = acquireWriterLock(options.dataDir, () => clock.now());
  let check: StoreBackupCheck;
  let replacedAs: string | null = null;
  // The copy is checked where it will be used, on the data folder's file system, then renamed in place.
  const staging = mkdtempSync(join(options.dataDir, '.restoring-'));
  try {
    const incoming = join(staging, DATABASE_FILE);
    copyFileSync(options.from, incoming);
    check = await checkStagedBackup(staging, options.from);
    fsyncPath(incoming);
    if (existsSync(target)) {
      replacedAs = `${target}.replaced-${new Date(clock.now()).toISOString().replace(/[:.]/g, '-')}`;
      // The WAL first: SQLite would replay a `-wal` left beside the restored file into it.
      for (const suffix of ['-wal', '-shm']) if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${replacedAs}${suffix}`);
      renameSync(target, replacedAs);
    }
    renameSync(incoming, target);
    fsyncPath(options.dataDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    lock.release();
  }
  const store = openStore({ dataDir: options.dataDir, clock });
  try {
    const audit = createAuditLog({ store, clock });
    store.transaction(() =>
      audit.append({
        action: 'store.restore',
        outcome: 'succeeded',
        target: null,
        context: actorAuditContext(options.actor, options.reason),
        details: { from: options.from, backup_last_audit_seq: check.lastAuditSeq, backup_schema_version: check.schemaVersion, replaced_as: replacedAs },
      }),
    );
  } finally {
    store.close();
  }
  return { ...check, replacedAs };
}
