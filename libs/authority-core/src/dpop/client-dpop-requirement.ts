import type { AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { ClientNotFoundError } from '../errors/errors';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Clock } from '../time/clock';

/** Audit action of a change to a client's DPoP requirement. */
export const CLIENT_DPOP_REQUIREMENT_ACTION = 'clients.dpop-requirement';

/**
 * A client's `dpop_bound_access_tokens` (RFC 9449 §5.2 client metadata): when true, the token
 * endpoint refuses its requests without a DPoP proof, so none of its tokens is a bearer token.
 */
export interface ClientDpopRequirement {
  /** @throws {ClientNotFoundError} */
  get(clientId: string): boolean;
  /**
   * Sets the requirement, audited in the same transaction (as `context`'s actor).
   * @throws {ClientNotFoundError}
   */
  set(clientId: string, required: boolean, context: AuditContext): void;
}

export function createClientDpopRequirement(options: { readonly store: AuthorityStore; readonly audit: AuditLog; readonly clock: Clock }): ClientDpopRequirement {
  const { store, audit, clock } = options;
  const select = store.db.prepare<[string], number>('SELECT dpop_bound_access_tokens FROM clients WHERE client_id = ?').pluck();
  const update = store.db.prepare('UPDATE clients SET dpop_bound_access_tokens = ?, updated_at = ? WHERE client_id = ?');
  const get = (clientId: string): boolean => {
    let value: number | undefined;
    try {
      value = select.get(clientId);
    } catch (error) {
      throw translateStoreError(error, 'cannot read the client');
    }
    if (value === undefined) throw new ClientNotFoundError(clientId);
    return value === 1;
  };
  return {
    get,
    set(clientId, required, context) {
      store.transaction(() => {
        const before = get(clientId);
        update.run(required ? 1 : 0, clock.now(), clientId);
        audit.append({ action: CLIENT_DPOP_REQUIREMENT_ACTION, outcome: 'succeeded', target: clientId, context, details: { dpop_bound_access_tokens: required, before } });
      });
    },
  };
}
