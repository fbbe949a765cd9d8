import { systemAuditContext, type AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { IssuerExistsError, IssuerNotFoundError, IssuerNotTrustedError } from '../errors/errors';
import { isUniqueViolation, translateStoreError, type AuthorityStore } from '../store/store';
import { systemClock, type Clock } from '../time/clock';
import { issuerUrlProblem, MAX_ISSUER_DESCRIPTION_LENGTH, type TrustedIssuer } from './trusted-issuer';

/** What {@link IssuerRegistry.add} takes. */
export interface IssuerRegistration {
  /** The exact `iss` of the provider's tokens. */
  readonly issuer: string;
  /** Default empty. At most {@link MAX_ISSUER_DESCRIPTION_LENGTH} characters. */
  readonly description?: string;
}

/**
 * The trusted external issuers (OpenID providers) operators may target with revocations. Every
 * change is audited in its own transaction (`issuers.create`, `issuers.enable`, `issuers.disable`).
 */
export interface IssuerRegistry {
  /**
   * Registers an issuer, enabled.
   * @throws {TypeError} for an invalid URL or description (the API validates first).
   * @throws {IssuerExistsError} when it is registered already.
   */
  add(registration: IssuerRegistration, context?: AuditContext): TrustedIssuer;
  /** Every registered issuer, enabled or not, oldest first. */
  list(): TrustedIssuer[];
  /** @throws {IssuerNotFoundError} for an unregistered issuer. */
  get(issuer: string): TrustedIssuer;
  /**
   * Enables or disables an issuer (a no-op change is not audited again).
   * @throws {IssuerNotFoundError} for an unregistered issuer.
   */
  setEnabled(issuer: string, enabled: boolean, context?: AuditContext): TrustedIssuer;
  /**
   * The `iss` a revocation asked to target `issuer` carries: undefined for none or for the
   * authority's own issuer (its rules never name one), else `issuer` once checked.
   * @throws {IssuerNotTrustedError} when it is not registered, or disabled.
   */
  revocationIssuer(issuer: string | undefined): string | undefined;
}

export interface IssuerRegistryOptions {
  readonly store: AuthorityStore;
  /** The authority's own `iss`: never registered as an external issuer. */
  readonly ownIssuer: string;
  readonly clock?: Clock;
  readonly audit?: AuditLog;
}

interface IssuerRow {
  issuer: string;
  description: string;
  enabled: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}

const toIssuer = (row: IssuerRow): TrustedIssuer => ({
  issuer: row.issuer,
  description: row.description,
  enabled: row.enabled === 1,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function createIssuerRegistry(options: IssuerRegistryOptions): IssuerRegistry {
  const { store, ownIssuer } = options;
  const clock = options.clock ?? systemClock;
  const db = store.db;
  const insert = db.prepare('INSERT INTO trusted_issuers (issuer, description, enabled, created_by, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)');
  const selectOne = db.prepare<[string], IssuerRow>('SELECT * FROM trusted_issuers WHERE issuer = ?');
  const selectAll = db.prepare<[], IssuerRow>('SELECT * FROM trusted_issuers ORDER BY created_at, issuer');
  const updateEnabled = db.prepare('UPDATE trusted_issuers SET enabled = ?, updated_at = ? WHERE issuer = ?');

  const find = (issuer: string): TrustedIssuer | undefined => {
    try {
      const row = selectOne.get(issuer);
      return row === undefined ? undefined : toIssuer(row);
    } catch (error) {
      throw translateStoreError(error, 'cannot read trusted issuers');
    }
  };
  const get = (issuer: string): TrustedIssuer => {
    const found = find(issuer);
    if (found === undefined) throw new IssuerNotFoundError(issuer);
    return found;
  };

  return {
    add(registration, context = systemAuditContext('authority')) {
      const problem = issuerUrlProblem(registration.issuer, ownIssuer);
      if (problem) throw new TypeError(`issuer ${problem}`);
      const description = registration.description ?? '';
      if (description.length > MAX_ISSUER_DESCRIPTION_LENGTH) throw new TypeError(`description must be at most ${MAX_ISSUER_DESCRIPTION_LENGTH} characters`);
      const now = clock.now();
      store.transaction(() => {
        try {
          insert.run(registration.issuer, description, context.actor.id, now, now);
        } catch (error) {
          if (isUniqueViolation(error)) throw new IssuerExistsError(registration.issuer);
          throw translateStoreError(error, 'cannot register the issuer');
        }
        options.audit?.append({ action: 'issuers.create', outcome: 'succeeded', target: registration.issuer, context, details: { description } });
      });
      return { issuer: registration.issuer, description, enabled: true, createdBy: context.actor.id, createdAt: now, updatedAt: now };
    },

    list() {
      try {
        return selectAll.all().map(toIssuer);
      } catch (error) {
        throw translateStoreError(error, 'cannot read trusted issuers');
      }
    },

    get,

    setEnabled(issuer, enabled, context = systemAuditContext('authority')) {
      const current = get(issuer);
      if (current.enabled === enabled) return current;
      const now = clock.now();
      store.transaction(() => {
        try {
          updateEnabled.run(enabled ? 1 : 0, now, issuer);
        } catch (error) {
          throw translateStoreError(error, 'cannot change the issuer');
        }
        options.audit?.append({ action: enabled ? 'issuers.enable' : 'issuers.disable', outcome: 'succeeded', target: issuer, context });
      });
      return { ...current, enabled, updatedAt: now };
    },

    revocationIssuer(issuer) {
      if (issuer === undefined || issuer === ownIssuer) return undefined;
      const found = find(issuer);
      if (found === undefined) throw new IssuerNotTrustedError(issuer, 'unknown');
      if (!found.enabled) throw new IssuerNotTrustedError(issuer, 'disabled');
      return issuer;
    },
  };
}
