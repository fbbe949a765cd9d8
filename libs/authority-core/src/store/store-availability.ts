import { statfsSync } from 'node:fs';
import { StoreUnavailableError, type StoreUnavailableReason } from '../errors/errors';

/** How long a client should wait before retrying a write refused for lack of space or access, s. */
export const STORE_RETRY_AFTER_SECONDS = 30;

/**
 * Free space under which readiness reports the store as failing before SQLite does, bytes: a
 * revocation with its outbox row and audit entry takes a few KiB, so 16 MiB leaves room for the
 * transactions in flight while an operator is paged.
 */
export const STORE_MIN_FREE_BYTES = 16 * 1024 * 1024;

/** What readiness says about the store. */
export interface StoreHealth {
  /** False while the last write failed for lack of space or access, or free space is below {@link STORE_MIN_FREE_BYTES}. */
  readonly writable: boolean;
  /** Bytes free on the data folder's file system (undefined if it cannot be read). */
  readonly freeBytes: number | undefined;
  /** The last write refused for lack of space or access, unless a write succeeded since. */
  readonly lastWriteFailure: { readonly at: number; readonly reason: StoreUnavailableReason } | undefined;
}

/**
 * The SQLite result codes (and PostgreSQL SQLSTATEs) that mean "cannot write for now" rather than a bug, found on the error
 * or anywhere on its `cause` chain (repositories wrap SQLite's error in `StoreError`).
 */
export function storeUnavailableReason(error: unknown): StoreUnavailableReason | undefined {
  for (let current: unknown = error, depth = 0; current !== null && typeof current === 'object' && depth < 8; depth++) {
    if (current instanceof StoreUnavailableError) return current.reason;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (code === 'SQLITE_FULL') return 'disk full';
      if (code.startsWith('SQLITE_READONLY')) return 'read-only';
      if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') return 'I/O error';
      // PostgreSQL SQLSTATEs: disk full, read-only (a standby, or default_transaction_read_only), I/O error.
      if (code === '53100') return 'disk full';
      if (code === '25006') return 'read-only';
      if (code === '58030') return 'I/O error';
      // Connection exceptions (server down, restarting, network): answered like a failing disk, and retried.
      if (code.startsWith('08') || code === '57P01' || code === '57P03') return 'I/O error';
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Tracks write outcomes of one store and answers readiness. */
export interface StoreAvailability {
  /** Called after a committed write. */
  succeeded(): void;
  /** Called with any failed write; returns the error to throw ({@link StoreUnavailableError} when it is one). */
  failed(error: unknown, now: number): unknown;
  health(): StoreHealth;
}

export function createStoreAvailability(dataDir: string, freeBytes: (dir: string) => number | undefined = statfsFreeBytes): StoreAvailability {
  let lastWriteFailure: StoreHealth['lastWriteFailure'];
  return {
    succeeded() {
      lastWriteFailure = undefined;
    },
    failed(error, now) {
      const reason = storeUnavailableReason(error);
      if (reason === undefined) return error;
      lastWriteFailure = { at: now, reason };
      return error instanceof StoreUnavailableError ? error : new StoreUnavailableError(reason, STORE_RETRY_AFTER_SECONDS, { cause: error });
    },
    health() {
      const free = freeBytes(dataDir);
      return {
        writable: lastWriteFailure === undefined && (free === undefined || free >= STORE_MIN_FREE_BYTES),
        freeBytes: free,
        lastWriteFailure,
      };
    },
  };
}

function statfsFreeBytes(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
