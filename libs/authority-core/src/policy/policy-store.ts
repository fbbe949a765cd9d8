import { basename } from 'node:path';
import type { Actor } from '@revmesh/contracts';
import { systemAuditContext, type AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import type { AuthorityStore } from '../store/store';
import type { Clock, Milliseconds } from '../time/clock';
import { policyChanges, type PolicyChange } from './policy-changes';
import { DEFAULT_POLICY, type PolicyDocument, type PolicySource } from './policy-document';
import type { LoadedPolicyFile } from './policy-file';
import { validatePolicy, type PolicyLimits } from './policy-validation';

/** Where a policy version came from. */
export type PolicyVersionSource = 'default' | 'file' | 'api';

/** One stored version of the security policy. */
export interface PolicyVersion {
  /** 1, 2, 3...: the newest is in force. */
  readonly version: number;
  readonly document: PolicyDocument;
  readonly source: PolicyVersionSource;
  /** Hex SHA-256 of the policy file (source `file`), else null. */
  readonly fileSha256: string | null;
  readonly actor: Actor;
  readonly justification: string | null;
  readonly createdAt: Milliseconds;
}

/** A version with what it changed relative to the version before it (version 1: relative to the defaults). */
export interface PolicyVersionChanges extends PolicyVersion {
  readonly changes: readonly PolicyChange[];
}

/**
 * The security policy in force (`core.securityPolicy`) and its history. Reads are from memory;
 * every change is a new version, written with its audit entry in one transaction.
 */
export interface PolicyStore extends PolicySource {
  /** The policy in force, defaults filled in. */
  current(): PolicyDocument;
  /** The policy in force with its version, source, author and time. */
  currentVersion(): PolicyVersion;
  /**
   * Validates `policy` (a parsed YAML/JSON value) and stores it as the new version, audited as
   * `policy.update` with `context`'s actor and justification. Applies to the next read: the
   * token issuer and the rotation scheduler read the policy on every use.
   *
   * @throws {PolicyInvalidError} naming every invalid field (source `policy`); nothing is stored.
   */
  update(policy: unknown, context: AuditContext): PolicyVersion;
  /**
   * Validates `policy` as {@link update} would, without storing it: a change waiting for its
   * approval is checked when it is asked for, not only when it runs.
   * @throws {PolicyInvalidError} naming every invalid field (source `policy`).
   */
  validate(policy: unknown): PolicyDocument;
  /** Versions, newest first, each with its changes. `limit` default 100. */
  changelog(limit?: number): PolicyVersionChanges[];
}

export interface PolicyStoreOptions {
  readonly store: AuthorityStore;
  readonly clock: Clock;
  /** The authority's settings every version must fit in (see {@link PolicyLimits}). */
  readonly limits: PolicyLimits;
  /** Policy changes are appended here in the same transaction. Absent: not audited. */
  readonly audit?: AuditLog;
  /**
   * The policy file, read and validated (`loadPolicyFile`). Stored as a new version (source
   * `file`, actor system) when its SHA-256 differs from the last file applied; the same file on
   * every restart does not override changes made through the API since.
   */
  readonly file?: LoadedPolicyFile;
}

/** Actor of versions the authority writes on its own (defaults, the policy file). */
const POLICY_FILE_ACTOR = 'policy-file';
const DEFAULT_ACTOR = 'authority';

interface VersionRow {
  version: number;
  document: string;
  source: PolicyVersionSource;
  file_sha256: string | null;
  actor_kind: Actor['kind'];
  actor_id: string;
  justification: string | null;
  created_at: number;
}

const COLUMNS = 'version, document, source, file_sha256, actor_kind, actor_id, justification, created_at';

/**
 * Opens the policy versions: stores the defaults as version 1 on a new database, applies a
 * changed policy file, and checks that the version in force still fits the authority's
 * settings (they may have changed since it was stored).
 *
 * @throws {PolicyInvalidError} when the stored version in force no longer fits `limits`.
 */
export function createPolicyStore(options: PolicyStoreOptions): PolicyStore {
  const { store, clock, limits, audit, file } = options;
  const db = store.db;
  const latestRow = db.prepare<[], VersionRow>(`SELECT ${COLUMNS} FROM policy_versions ORDER BY version DESC LIMIT 1`);
  const lastFileSha = db
    .prepare<[], string>("SELECT file_sha256 FROM policy_versions WHERE source = 'file' ORDER BY version DESC LIMIT 1")
    .pluck();
  const recentRows = db.prepare<[number], VersionRow>(`SELECT ${COLUMNS} FROM policy_versions ORDER BY version DESC LIMIT ?`);
  const insert = db.prepare(
    `INSERT INTO policy_versions (${COLUMNS}) VALUES (@version, @document, @source, @file_sha256, @actor_kind, @actor_id, @justification, @created_at)`,
  );

  const toVersion = (row: VersionRow, document: PolicyDocument): PolicyVersion => ({
    version: row.version,
    document,
    source: row.source,
    fileSha256: row.file_sha256,
    actor: { kind: row.actor_kind, id: row.actor_id },
    justification: row.justification,
    createdAt: row.created_at,
  });

  /** Stores a version (in the caller's transaction) and its audit entry; returns it. */
  function append(document: PolicyDocument, source: PolicyVersionSource, fileSha256: string | null, context: AuditContext): PolicyVersion {
    const previous = latestRow.get();
    const row: VersionRow = {
      version: (previous?.version ?? 0) + 1,
      document: JSON.stringify(document),
      source,
      file_sha256: fileSha256,
      actor_kind: context.actor.kind,
      actor_id: context.actor.id,
      justification: context.justification,
      created_at: clock.now(),
    };
    insert.run(row);
    const changes = policyChanges(previous === undefined ? DEFAULT_POLICY : (JSON.parse(previous.document) as unknown), document);
    audit?.append({
      action: 'policy.update',
      outcome: 'succeeded',
      target: `policy:v${row.version}`,
      context,
      details: {
        version: row.version,
        source,
        ...(fileSha256 === null ? {} : { fileSha256 }),
        changedFields: changes.map((c) => c.field),
      },
    });
    return toVersion(row, document);
  }

  let inForce = store.transaction((): PolicyVersion | undefined => {
    if (file !== undefined && lastFileSha.get() !== file.sha256) {
      const context = systemAuditContext(POLICY_FILE_ACTOR, `policy file ${basename(file.path)} changed (sha256 ${file.sha256})`);
      return append(file.document, 'file', file.sha256, context);
    }
    const latest = latestRow.get();
    if (latest === undefined) return append(validatePolicy({}, limits, 'default policy'), 'default', null, systemAuditContext(DEFAULT_ACTOR));
    // A policy nobody chose follows the defaults of the running release: an upgrade that adds an
    // approvable action to the defaults gates it at once, as a new, audited version.
    if (latest.source === 'default') {
      const defaults = validatePolicy({}, limits, 'default policy');
      if (policyChanges(JSON.parse(latest.document) as unknown, defaults).length > 0) {
        return append(defaults, 'default', null, systemAuditContext(DEFAULT_ACTOR, 'the defaults of this release differ from the stored default policy'));
      }
    }
    return undefined;
  });
  if (inForce === undefined) {
    const row = latestRow.get();
    if (row === undefined) throw new Error('policy_versions is empty after initialisation');
    // Re-validated: the environment (TTL, lead, gate timeout) may have changed since it was stored.
    inForce = toVersion(row, validatePolicy(JSON.parse(row.document), limits, `policy version ${row.version} (${row.source})`));
  }
  let current: PolicyVersion = inForce;

  return {
    current: () => current.document,
    currentVersion: () => current,
    validate: (policy) => validatePolicy(policy, limits, 'policy'),
    update(policy, context) {
      const document = validatePolicy(policy, limits, 'policy');
      const stored = store.transaction(() => append(document, 'api', null, context));
      current = stored;
      return stored;
    },
    changelog(limit = 100) {
      if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
      // One more than asked: the oldest returned version is compared with the one before it.
      const rows = recentRows.all(limit + 1);
      return rows.slice(0, limit).map((row, i) => {
        const document = JSON.parse(row.document) as PolicyDocument;
        const before = rows[i + 1];
        return {
          ...toVersion(row, document),
          changes: policyChanges(before === undefined ? DEFAULT_POLICY : (JSON.parse(before.document) as unknown), document),
        };
      });
    },
  };
}
