import type { Milliseconds } from '../time/clock';

/**
 * How long the store keeps what no longer serves enforcement. Audit entries (and their signed
 * copies) are not here: the security policy's `audit.retentionDays` governs them.
 */
export interface StoreRetentionPeriods {
  /**
   * A published outbox row that no kept revocation, key event or audit entry needs (re-signed
   * copies of live revocations, alerts) is deleted this long after the broker acknowledged it,
   * with the sidecar acks of its event, ms. Default 1 day.
   */
  readonly publishedOutboxMs: Milliseconds;
  /**
   * An expired revocation (its `expires_at` passed: every token it could match has expired too,
   * skew included) is deleted this long after its expiry, with the outbox row that announced it
   * and the acks of that event; `GET /v1/revocations/:id` then answers 404 and the audit log's
   * `revocations.create` entry remains. Sessions that ended (or passed their absolute end) are
   * deleted, with their refresh tokens, this long after too. Default 7 days.
   */
  readonly expiredRevocationMs: Milliseconds;
  /** A sidecar instance not heard from for this long is deleted with its acks, ms. Default 7 days. */
  readonly goneInstanceMs: Milliseconds;
}

const DAY_MS = 86_400_000;

export const DEFAULT_STORE_RETENTION: StoreRetentionPeriods = {
  publishedOutboxMs: DAY_MS,
  expiredRevocationMs: 7 * DAY_MS,
  goneInstanceMs: 7 * DAY_MS,
};

/**
 * Bounds of every period, ms. At least a minute: a published row's acks keep arriving for a few
 * heartbeats, and a gone instance is one missing three heartbeats, which are seconds apart.
 */
export const STORE_RETENTION_BOUNDS = { minMs: 60_000, maxMs: 3650 * DAY_MS } as const;

/**
 * Checks every period (whole ms within {@link STORE_RETENTION_BOUNDS}).
 * @throws {TypeError} naming the period and the range.
 */
export function validateStoreRetention(periods: StoreRetentionPeriods): StoreRetentionPeriods {
  const { minMs, maxMs } = STORE_RETENTION_BOUNDS;
  for (const [name, value] of Object.entries(periods)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minMs || value > maxMs) {
      throw new TypeError(`store retention ${name} must be a whole number of ms in ${minMs}..${maxMs} (1 minute to 10 years)`);
    }
  }
  return periods;
}
