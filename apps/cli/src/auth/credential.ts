/**
 * A credential stored for one profile. Today the only kind is the authority's shared admin
 * key; operator login (TOTP, short-lived operator tokens) adds its own member to this union,
 * and every consumer switches on `type`, so the compiler lists what it must handle.
 */
export type StoredCredential = AdminKeyCredential;

/** The authority's `REVMESH_ADMIN_KEY`, sent as a bearer token. */
export interface AdminKeyCredential {
  readonly type: 'admin-key';
  /** Authority URL it was verified against; it is only ever sent there. */
  readonly authority: string;
  readonly admin_key: string;
  /** ISO 8601. */
  readonly saved_at: string;
}

/** Credential kinds this CLI understands, for messages about a file written by a newer one. */
export const CREDENTIAL_TYPES: readonly StoredCredential['type'][] = ['admin-key'];

/** The `Authorization` header value for a credential. */
export function authorizationHeader(credential: StoredCredential): string {
  switch (credential.type) {
    case 'admin-key':
      return `Bearer ${credential.admin_key}`;
  }
}

/** A one-line description safe to print: never the secret itself. */
export function describeCredential(credential: StoredCredential): string {
  switch (credential.type) {
    case 'admin-key':
      return `admin key for ${credential.authority}, saved ${credential.saved_at}`;
  }
}

/** Narrows a parsed JSON value to a credential, or says why it is not one. */
export function parseStoredCredential(raw: unknown): StoredCredential | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const record = raw as Record<string, unknown>;
  if (record['type'] === 'admin-key') {
    const { authority, admin_key: adminKey, saved_at: savedAt } = record;
    if (typeof authority !== 'string' || typeof adminKey !== 'string' || adminKey === '' || typeof savedAt !== 'string') {
      return 'an admin-key credential needs "authority", "admin_key" and "saved_at" strings';
    }
    return { type: 'admin-key', authority, admin_key: adminKey, saved_at: savedAt };
  }
  return `unknown credential type ${JSON.stringify(record['type'])} (this revmesh knows ${CREDENTIAL_TYPES.join(', ')})`;
}
