import type { Command } from 'commander';
import { isJsonObject } from '../http/api-types';
import { describeRecord } from '../output/record-view';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** `revmesh whoami`: `GET /v1/me`, the operator the stored session belongs to. */
export function registerWhoami(program: Command, deps: ProgramDeps): void {
  const whoami = program
    .command('whoami')
    .description('show the operator of the stored session: name, role, when the second factor was given, session expiry')
    .action(
      runs(deps, async (context) => {
        const { profile } = context.settings();
        const authority = context.authority().display;
        const { body } = await context.api().me();
        context.output.result(body, () =>
          isJsonObject(body)
            ? describeRecord({ ...body, profile, authority }, ['username', 'role', 'authTime', 'sessionExpiresAt', 'profile', 'authority'], {
                authTime: 'second factor at',
                sessionExpiresAt: 'session expires at',
              })
            : `${JSON.stringify(body)}\n`,
        );
      }),
    );
  withExamples(whoami, ['revmesh whoami', 'revmesh whoami --json | jq -r .role']);
}
