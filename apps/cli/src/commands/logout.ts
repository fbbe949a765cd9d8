import type { Command } from 'commander';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** `revmesh logout`: forgets the profile's stored credential. Logging out twice is not an error. */
export function registerLogout(program: Command, deps: ProgramDeps): void {
  const logout = program
    .command('logout')
    .description("forget the profile's stored credential")
    .action(
      runs(deps, async (context) => {
        const { profile } = context.settings();
        const removed = context.credentials().remove(profile);
        context.output.result({ profile, removed }, () =>
          removed ? `Logged out: profile "${profile}" has no stored credential now.\n` : `Profile "${profile}" was not logged in; nothing to do.\n`,
        );
      }),
    );
  withExamples(logout, ['revmesh logout', 'revmesh --profile staging logout']);
}
