import { timingSafeEqual } from 'node:crypto';
import type { Actor } from '@revmesh/contracts';
import { createAdminActionLog } from '../admin/admin-actions';
import { createAuditLog } from '../audit/audit-store';
import { KeyInvalidError, KeyUnwrapError } from '../errors/errors';
import { eventSignerSealContext } from '../event-signers/signer-material';
import { openSealedKey, rewrapSealedKey } from '../keys/envelope';
import { signingKeySealContext } from '../keys/token-key-material';
import { enrolmentTotpSealContext } from '../operators/enrolment-code';
import { operatorTotpSealContext } from '../operators/totp';
import { receiverSecretSealContext } from '../ssf/receiver/transmitter-store';
import { setKeySealContext } from '../ssf/transmitter/set-signing-key';
import { openStore } from '../store/store';
import { systemClock, type Clock } from '../time/clock';

export interface RewrapKekOptions {
  /**
   * Data folder of the authority's SQLite store. The authority must not be running (on either
   * engine): it would keep sealing keys it generates with the old KEK.
   */
  readonly dataDir?: string;
  /** `postgres://…`: the authority's PostgreSQL store instead of {@link dataDir} (as `REVMESH_DATABASE_URL`). */
  readonly databaseUrl?: string;
  /** The KEK the keys are sealed with now (32 bytes). */
  readonly currentKek: Buffer;
  /** The KEK to seal them with from now on (32 bytes). */
  readonly newKek: Buffer;
  readonly actor: Actor;
  readonly reason: string;
  readonly clock?: Clock;
}

export interface RewrapKekResult {
  readonly tokenKeys: number;
  readonly eventSigners: number;
  /** Operators' sealed TOTP secrets re-wrapped. */
  readonly operatorTotpSecrets: number;
  /** The store re-wrapped: its database file, or its PostgreSQL URL without the password. */
  readonly store: string;
}

/**
 * KEK rotation: re-wraps the data key of every stored private key (token keys and event signers)
 * and of every operator's TOTP secret
 * under a new KEK, in ONE transaction. The keys themselves do not change (same kid, same key
 * material, same DEK); only the wrapping does. Before committing, every re-wrapped envelope is
 * opened with the new KEK and compared with what the old one opened; any failure rolls
 * everything back.
 *
 * @throws {KeyUnwrapError} when `currentKek` does not open a stored key: nothing is changed.
 * @throws {KeyInvalidError} when a re-wrapped key does not verify (nothing is changed).
 * @throws {TypeError} when the two KEKs are equal or not 32 bytes, or neither store is named.
 * @throws {StoreError} when the store cannot be opened.
 */
export function rewrapKek(options: RewrapKekOptions): RewrapKekResult {
  const { currentKek, newKek } = options;
  if (currentKek.length !== 32 || newKek.length !== 32) throw new TypeError('both KEKs must be exactly 32 bytes');
  if (timingSafeEqual(currentKek, newKek)) throw new TypeError('the new KEK is the current KEK: generate a new one with `openssl rand -base64 32`');
  const clock = options.clock ?? systemClock;
  const store = openStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, clock });
  try {
    // Shipped to the audit topic by the authority's next start (entries wait unshipped).
    const admin = createAdminActionLog(store, createAuditLog({ store, clock }));
    const tables = [
      { table: 'signing_keys', id: 'kid', column: 'sealed_key', context: signingKeySealContext, what: 'signing key', where: 'TRUE' },
      { table: 'event_signers', id: 'kid', column: 'sealed_key', context: eventSignerSealContext, what: 'event signer', where: 'TRUE' },
      // Not yet enrolled: no secret ('').
      { table: 'operators', id: 'id', column: 'sealed_totp_secret', context: operatorTotpSealContext, what: 'TOTP secret of operator', where: "sealed_totp_secret <> ''" },
      // A TOTP secret offered by an enrolment not yet completed.
      {
        table: 'operator_enrolments',
        id: 'id',
        column: 'sealed_totp_secret',
        context: enrolmentTotpSealContext,
        what: 'offered TOTP secret of enrolment',
        where: 'sealed_totp_secret IS NOT NULL',
      },
      // The SSF transmitter's SET signing key.
      { table: 'ssf_set_keys', id: 'kid', column: 'sealed_key', context: setKeySealContext, what: 'SSF SET signing key', where: 'TRUE' },
      // The receiver client secrets of SSF transmitters revmesh receives events from.
      { table: 'ssf_transmitters', id: 'id', column: 'client_secret_sealed', context: receiverSecretSealContext, what: 'SSF receiver client secret of transmitter', where: 'TRUE' },
    ] as const;
    const counts = store.transaction(() => {
      const done: number[] = [];
      for (const { table, id, column, context, what, where } of tables) {
        const rows = store.db.prepare<[], { kid: string; sealed_key: string }>(`SELECT ${id} AS kid, ${column} AS sealed_key FROM ${table} WHERE ${where}`).all();
        const update = store.db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${id} = ?`);
        for (const row of rows) {
          let rewrapped: string;
          let before: Buffer;
          try {
            before = openSealedKey(row.sealed_key, currentKek, context(row.kid));
            rewrapped = JSON.stringify(rewrapSealedKey(row.sealed_key, currentKek, newKek, context(row.kid)));
          } catch (error) {
            if (error instanceof KeyUnwrapError) {
              throw new KeyUnwrapError(
                `the current KEK does not open ${what} ${row.kid}: is REVMESH_KEK the KEK this data folder uses? Nothing was changed`,
                { cause: error },
              );
            }
            throw error;
          }
          // Verify before anything commits: the new KEK opens the same key material.
          const after = openSealedKey(rewrapped, newKek, context(row.kid));
          const same = before.length === after.length && timingSafeEqual(before, after);
          before.fill(0);
          after.fill(0);
          if (!same) throw new KeyInvalidError(`${what} ${row.kid} did not survive re-wrapping; nothing was changed`);
          update.run(rewrapped, row.kid);
        }
        done.push(rows.length);
      }
      admin.record({
        action: 'kek.rewrap',
        target: null,
        actor: options.actor,
        reason: options.reason,
        at: clock.now(),
        details: { token_keys: done[0] ?? 0, event_signers: done[1] ?? 0, operator_totp_secrets: done[2] ?? 0, offered_totp_secrets: done[3] ?? 0, ssf_set_keys: done[4] ?? 0, ssf_receiver_secrets: done[5] ?? 0 },
      });
      return done;
    });
    return { tokenKeys: counts[0] ?? 0, eventSigners: counts[1] ?? 0, operatorTotpSecrets: counts[2] ?? 0, store: store.path };
  } finally {
    store.close();
  }
}
