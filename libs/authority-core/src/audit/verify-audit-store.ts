import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  AUDIT_BATCH_RECORDED,
  AUDIT_RECORDED,
  canonicalJson,
  openSignedEvent,
  verifyAuditChain,
  verifyAuditCheckpointSignature,
  type AuditChainVerification,
  type AuditEntry,
  type CheckpointSignatureResult,
  type EventSignerTrust,
} from '@revmesh/contracts';
import { StoreError } from '../errors/errors';
import { postgresConnection, redactDatabaseUrl } from '../store/postgres-connection';
import { DATABASE_FILE, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS, type AuthorityStore } from '../store/store';
import { sqliteConnection } from '../store/sqlite-connection';
import { lastWrittenAuditSeq, readAuditExport } from './audit-store';

/**
 * The entries against the signed copies the authority shipped (`audit.recorded` and
 * `audit.batch-recorded` rows of the outbox, deleted only with their entries by the retention purge). The chain alone cannot catch someone who edits an entry and then
 * recomputes every hash after it (the algorithm is public); the copies were signed with the
 * event signer's private key, which the database does not hold (it is sealed by the KEK).
 */
export type SignedCopiesVerification =
  | { readonly ok: true; /** Entries compared with their signed copy. */ readonly checked: number }
  | {
      readonly ok: false;
      /** The first entry that differs from, or lacks, its signed copy. */
      readonly seq: number;
      /**
       * `edited`: the entry differs from what was signed; `deleted`: a signed copy exists for an
       * entry that is gone (not purged); `unsigned`: marked shipped but its copy is missing or
       * does not verify.
       */
      readonly problem: 'edited' | 'deleted' | 'unsigned';
      readonly detail: string;
    };

/** What {@link verifyAuditStore} found. */
export interface AuditStoreVerification {
  /** The chain: hashes, links, gaps, and entries missing at the end (AUTOINCREMENT counter). */
  readonly chain: AuditChainVerification;
  /** The newest checkpoint's signature against the event signers in the store; null without checkpoint. */
  readonly checkpointSignature: CheckpointSignatureResult | null;
  readonly signedCopies: SignedCopiesVerification;
}

function signerTrust(db: AuthorityStore['db']): EventSignerTrust {
  const keys = new Map<string, KeyObject>();
  for (const row of db.prepare<[], { kid: string; public_jwk: string }>('SELECT kid, public_jwk FROM event_signers').all()) {
    keys.set(row.kid, createPublicKey({ key: JSON.parse(row.public_jwk) as JsonWebKey, format: 'jwk' }));
  }
  return { publicKeyFor: (kid) => keys.get(kid) };
}

async function verifySignedCopies(
  db: AuthorityStore['db'],
  entries: readonly AuditEntry[],
  purgedUpTo: number,
  trust: EventSignerTrust,
): Promise<SignedCopiesVerification> {
  // Every signed copy, opened once, by the seq of each entry it carries; a copy that does not
  // open counts against the seq of its record key (its last entry).
  const copies = new Map<number, ({ readonly entry: AuditEntry; readonly signerKid: string } | { readonly failure: string })[]>();
  const add = (seq: number, copy: { readonly entry: AuditEntry; readonly signerKid: string } | { readonly failure: string }) =>
    copies.set(seq, [...(copies.get(seq) ?? []), copy]);
  for (const row of db.prepare<[], { record_key: string; value: Buffer }>("SELECT record_key, value FROM outbox WHERE record_key LIKE 'audit:%' AND topic LIKE '%audit.v1' ORDER BY seq").all()) {
    const keySeq = Number(row.record_key.slice('audit:'.length));
    if (!Number.isInteger(keySeq)) continue;
    const opened = await openSignedEvent(row.value, trust);
    if (opened.ok && opened.event.type === AUDIT_RECORDED) add(opened.event.payload.seq, { entry: opened.event.payload, signerKid: opened.signerKid });
    else if (opened.ok && opened.event.type === AUDIT_BATCH_RECORDED) {
      for (const entry of opened.event.payload.entries) add(entry.seq, { entry, signerKid: opened.signerKid });
    } else add(keySeq, { failure: opened.ok ? opened.event.type : opened.message });
  }
  const shipped = new Set(db.prepare<[], { seq: number }>('SELECT seq FROM audit_log WHERE shipped_at IS NOT NULL').all().map((r) => r.seq));
  const present = new Set(entries.map((e) => e.seq));
  const problems: Extract<SignedCopiesVerification, { ok: false }>[] = [];
  for (const seq of copies.keys()) {
    if (seq > purgedUpTo && !present.has(seq)) {
      problems.push({ ok: false, seq, problem: 'deleted', detail: `entry ${seq} was signed and shipped, and is gone from the log without a purge` });
    }
  }
  let checked = 0;
  for (const entry of entries) {
    const found = copies.get(entry.seq) ?? [];
    if (found.length === 0) {
      if (shipped.has(entry.seq)) problems.push({ ok: false, seq: entry.seq, problem: 'unsigned', detail: `entry ${entry.seq} is marked shipped but its signed copy is missing` });
      continue;
    }
    for (const copy of found) {
      if ('failure' in copy) {
        problems.push({ ok: false, seq: entry.seq, problem: 'unsigned', detail: `the signed copy of entry ${entry.seq} does not verify: ${copy.failure}` });
      } else if (canonicalJson(copy.entry) !== canonicalJson(entry)) {
        problems.push({ ok: false, seq: entry.seq, problem: 'edited', detail: `entry ${entry.seq} differs from the copy signed by ${copy.signerKid} when it was shipped: it was rewritten` });
      }
    }
    checked += 1;
    if (problems.length > 0 && problems.some((p) => p.seq <= entry.seq)) break;
  }
  if (problems.length === 0) return { ok: true, checked };
  return problems.reduce((first, p) => (p.seq < first.seq ? p : first));
}

/** Verifies the audit log of an open database (see {@link verifyAuditStore}). */
export async function verifyAuditDatabase(db: AuthorityStore['db']): Promise<AuditStoreVerification> {
  const lines = [...readAuditExport(db)];
  const chain = verifyAuditChain(lines, { expectedLastSeq: lastWrittenAuditSeq(db) });
  const trust = signerTrust(db);
  const first = lines[0];
  const checkpoint = first !== undefined && first.type === 'checkpoint' ? (({ type: _type, ...rest }) => rest)(first) : null;
  const checkpointSignature = checkpoint === null ? null : await verifyAuditCheckpointSignature(checkpoint, trust);
  const entries = lines.flatMap((line) => (line.type === 'entry' ? [(({ type: _type, ...rest }) => rest)(line)] : []));
  const signedCopies = await verifySignedCopies(db, entries, checkpoint?.upToSeq ?? 0, trust);
  return { chain, checkpointSignature, signedCopies };
}

/**
 * Offline check of the audit log in an authority's data folder: opens the database READ-ONLY
 * (nothing is migrated or written; the authority may be running), verifies the hash chain, the
 * checkpoint's signature, and every entry against the signed copy the authority shipped, with
 * the event signers' public keys stored beside it.
 *
 * With `databaseUrl`, the same of a PostgreSQL store (a read-only session).
 *
 * @throws {StoreError} when there is no readable authority database in `dataDir` (or at `databaseUrl`).
 */
export async function verifyAuditStore(options: { readonly dataDir: string } | { readonly databaseUrl: string }): Promise<AuditStoreVerification> {
  if ('databaseUrl' in options) return verifyPostgresAuditStore(options.databaseUrl);
  const path = join(options.dataDir, DATABASE_FILE);
  if (!existsSync(path)) throw new StoreError(`no authority database at ${path}`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new StoreError(`cannot open ${path} read-only: ${String(error)}`, { cause: error });
  }
  try {
    return await verifyAuditDatabase(sqliteConnection(db));
  } catch (error) {
    throw new StoreError(`cannot read the audit log in ${path}: ${String(error)}`, { cause: error });
  } finally {
    db.close();
  }
}

/** {@link verifyAuditStore} of a PostgreSQL store: one read-only connection, nothing migrated or written. */
async function verifyPostgresAuditStore(url: string): Promise<AuditStoreVerification> {
  const where = redactDatabaseUrl(url);
  const db = postgresConnection({ url, statementTimeoutMs: DEFAULT_STATEMENT_TIMEOUT_MS, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
  try {
    db.exec('SET default_transaction_read_only = on');
    return await verifyAuditDatabase(db);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot read the audit log in ${where}: ${String(error)}`, { cause: error });
  } finally {
    db.close();
  }
}
