/**
 * A credential stored for one profile: an operator session (the token `revmesh login` got with
 * password and TOTP). Consumers switch on `type`, so a future kind makes the compiler list what
 * must handle it.
 */
export type StoredCredential = OperatorCredential;

/** An operator token from `POST /v1/login` (or a step-up), sent as a bearer token. */
export interface OperatorCredential {
  readonly type: 'operator';
  /** Authority URL it was issued by; it is only ever sent there. */
  readonly authority: string;
  readonly username: string;
  readonly role: string;
  readonly token: string;
  /** When the token stops being accepted, ISO 8601. */
  readonly expires_at: string;
  /** When the second factor was last given, as the authority reported it. */
  readonly auth_time: string | number | null;
  /** ISO 8601. */
  readonly saved_at: string;
}

/** Credential kinds this CLI understands, for messages about a file written by a newer one. */
export const CREDENTIAL_TYPES: readonly StoredCredential['type'][] = ['operator'];

/**
 * Kinds earlier versions stored that no authority accepts any more (the static admin key was
 * replaced by operator accounts). Such an entry is read as "not logged in", not as a broken file.
 */
export const OBSOLETE_CREDENTIAL_TYPES: readonly string[] = ['admin-key'];

/** The `Authorization` header value for a credential. */
export function authorizationHeader(credential: StoredCredential): string {
  switch (credential.type) {
    case 'operator':
      return `Bearer ${credential.token}`;
  }
}

/** A one-line description safe to print: never the secret itself. */
export function describeCredential(credential: StoredCredential): string {
  switch (credential.type) {
    case 'operator':
      return `operator ${credential.username} (${credential.role}) at ${credential.authority}, session until ${credential.expires_at}`;
  }
}

/** What a stored entry is: a usable credential, an obsolete one, or why it is neither. */
export type ParsedCredential = { readonly kind: 'credential'; readonly credential: StoredCredential } | { readonly kind: 'obsolete' } | { readonly kind: 'invalid'; readonly why: string };

/** Narrows a parsed JSON value to a credential, or says why it is not one. */
export function parseStoredCredential(raw: unknown): ParsedCredential {
  if (typeof raw !== 'object' || raw === null) return { kind: 'invalid', why: 'not an object' };
  const record = raw as Record<string, unknown>;
  const type = record['type'];
  if (typeof type === 'string' && OBSOLETE_CREDENTIAL_TYPES.includes(type)) return { kind: 'obsolete' };
  if (type === 'operator') {
    const { authority, username, role, token, expires_at: expiresAt, auth_time: authTime, saved_at: savedAt } = record;
    const strings = [authority, username, role, token, expiresAt, savedAt];
    if (strings.some((v) => typeof v !== 'string' || v === '')) {
      return { kind: 'invalid', why: 'an operator credential needs "authority", "username", "role", "token", "expires_at" and "saved_at" strings' };
    }
    return {
      kind: 'credential',
      credential: {
        type: 'operator',
        authority: authority as string,
        username: username as string,
        role: role as string,
        token: token as string,
        expires_at: expiresAt as string,
        auth_time: typeof authTime === 'string' || typeof authTime === 'number' ? authTime : null,
        saved_at: savedAt as string,
      },
    };
  }
  return { kind: 'invalid', why: `unknown credential type ${JSON.stringify(type)} (this revmesh knows ${CREDENTIAL_TYPES.join(', ')})` };
}
