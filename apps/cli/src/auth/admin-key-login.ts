import { ApiProblemError, LoginRefusedError } from '../errors';
import { API_PATHS } from '../http/authority-api';
import type { AuthorityClient } from '../http/authority-client';
import type { AdminKeyCredential } from './credential';

/**
 * An id no revocation has. Until the authority has a "who am I" route, a `GET` of it is the
 * cheapest authenticated request: 404 `NOT_FOUND` proves the key was accepted (the guard runs
 * before the lookup), 401 proves it was not, and nothing is created or changed either way.
 */
const PROBE_REVOCATION_ID = 'revmesh-cli-login-check';

/**
 * Checks the admin key against the authority and returns the credential to store. Only a key
 * the authority accepted is stored, so a typo surfaces now rather than at the next revocation.
 *
 * @param client - a client of the authority that sends `Authorization: Bearer <key>`.
 * @throws {LoginRefusedError} when the authority answers 401/403.
 * @throws {AuthorityUnreachableError} / {RequestTimeoutError} / {ApiProblemError} for other failures.
 */
export async function loginWithAdminKey(client: AuthorityClient, adminKey: string, now: () => number): Promise<AdminKeyCredential> {
  try {
    await client.request('GET', API_PATHS.revocation(PROBE_REVOCATION_ID));
  } catch (error) {
    const accepted = error instanceof ApiProblemError && error.problem.status === 404 && error.problem.code === 'NOT_FOUND';
    if (!accepted) {
      if (error instanceof ApiProblemError && (error.problem.status === 401 || error.problem.status === 403)) {
        throw new LoginRefusedError(
          `${client.authority.display} refused this admin key (${error.problem.code}: ${error.problem.detail ?? error.problem.title}); nothing was stored`,
        );
      }
      throw error;
    }
  }
  return { type: 'admin-key', authority: client.authority.display, admin_key: adminKey, saved_at: new Date(now()).toISOString() };
}
