import type { Command } from 'commander';
import { authorizationHeader } from '../auth/credential';
import { parseAuthorityUrl } from '../config/authority-url';
import { ApiProblemError, CliError } from '../errors';
import { createAuthorityApi } from '../http/authority-api';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/**
 * `revmesh logout`: ends the session on the authority (`POST /v1/logout`), then forgets the
 * stored credential. The local copy is removed even when the authority cannot be told (the
 * session then ends at its expiry); logging out twice is not an error.
 */
export function registerLogout(program: Command, deps: ProgramDeps): void {
  const logout = program
    .command('logout')
    .description("end the operator session on the authority and forget the profile's stored credential")
    .action(
      runs(deps, async (context) => {
        const { profile } = context.settings();
        const store = context.credentials();
        const credential = store.read(profile);
        let endedOnAuthority = false;
        if (credential !== undefined) {
          try {
            // Told to the authority that issued the session, whatever --authority says now: the
            // token is only ever sent there.
            const issuer = parseAuthorityUrl(credential.authority, store.path);
            await createAuthorityApi(context.clientAt(issuer, authorizationHeader(credential))).logout();
            endedOnAuthority = true;
          } catch (error) {
            // 401: the session had already ended there (expired, or disabled): nothing left to end.
            if (error instanceof ApiProblemError && error.problem.status === 401) endedOnAuthority = true;
            else if (error instanceof CliError) context.output.warn(`could not end the session on the authority (${error.detail}); it ends at its expiry, ${credential.expires_at}`);
            else throw error;
          }
        }
        const removed = store.remove(profile);
        context.output.result({ profile, removed, session_ended: endedOnAuthority }, () =>
          removed ? `Logged out: profile "${profile}" has no stored credential now.\n` : `Profile "${profile}" was not logged in; nothing to do.\n`,
        );
      }),
    );
  withExamples(logout, ['revmesh logout', 'revmesh --profile staging logout']);
}
