import type { Command } from 'commander';
import { readNewPassword } from '../auth/new-password';
import { parseAuthorityUrl } from '../config/authority-url';
import { UsageError } from '../errors';
import { API_PATHS } from '../http/authority-api';
import { readSecret } from '../io/read-secret';
import { renderEnrolmentCode, renderEnrollment } from '../output/enrollment-view';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** Environment variable holding the authority's one-time bootstrap token. */
export const BOOTSTRAP_TOKEN_ENV = 'REVMESH_BOOTSTRAP_TOKEN';

interface BootstrapOptions {
  readonly url?: string;
  readonly username: string;
  readonly bootstrapTokenStdin?: boolean;
  readonly passwordStdin?: boolean;
  readonly enrolment?: boolean;
}

/** `revmesh admin bootstrap`: the first security-admin of an empty authority (`POST /v1/bootstrap`). */
export function registerAdmin(program: Command, deps: ProgramDeps): void {
  const admin = program.command('admin').description('set up the authority: create its first security-admin');
  withExamples(admin, ['revmesh admin bootstrap --url https://authority.example.com --username alice']);

  const bootstrap = admin
    .command('bootstrap')
    .description('create the first security-admin on an authority with none (refused once one exists); prints the TOTP secret once')
    .option('--url <authority>', 'authority URL (default: --authority / REVMESH_AUTHORITY_URL / the profile\'s)')
    .requiredOption('-u, --username <name>', 'the new security-admin')
    .option('--bootstrap-token-stdin', `read the authority's REVMESH_BOOTSTRAP_TOKEN from stdin (else env ${BOOTSTRAP_TOKEN_ENV})`)
    .option('--password-stdin', "read the new admin's password from stdin (else asked twice at the terminal, hidden)")
    .option(
      '--enrolment',
      "one of the initial security-admins after the first (policy operators.bootstrapAdmins, default 2): no password; prints a one-time enrolment code for that person, who runs revmesh enrol",
    )
    .action(
      runs<BootstrapOptions>(deps, async (context, _args, options) => {
        const { io } = context;
        if (options.bootstrapTokenStdin === true && options.passwordStdin === true) {
          throw new UsageError(`stdin can carry the bootstrap token or the password, not both: put the token in ${BOOTSTRAP_TOKEN_ENV}`);
        }
        const username = options.username.trim();
        if (username === '') throw new UsageError('the operator name must not be blank');
        const authority = options.url === undefined ? context.authority() : parseAuthorityUrl(options.url, '--url');
        let token: string | undefined;
        if (options.bootstrapTokenStdin === true) token = await readSecret(io.stdin, io.stderr, 'bootstrap token');
        else token = io.env[BOOTSTRAP_TOKEN_ENV] || undefined;
        if (token === undefined) throw new UsageError(`the bootstrap token is required: --bootstrap-token-stdin, or set ${BOOTSTRAP_TOKEN_ENV}`);
        if (options.enrolment === true) {
          if (options.passwordStdin === true) throw new UsageError('--enrolment sets no password: the person enrolling chooses it');
          const { body } = await context.clientAt(authority, `Bearer ${token}`).request('POST', API_PATHS.bootstrap, { username });
          context.output.result(body, () => renderEnrolmentCode(body, authority.display));
          return;
        }
        const password = await readNewPassword(context, options.passwordStdin === true, username);

        const { body } = await context.clientAt(authority, `Bearer ${token}`).request('POST', API_PATHS.bootstrap, { username, password });
        context.output.result(body, () => renderEnrollment(body, authority.display));
      }),
    );
  withExamples(bootstrap, [
    'revmesh admin bootstrap --url https://authority.example.com -u alice --bootstrap-token-stdin < token-file   # password asked twice',
    'export REVMESH_BOOTSTRAP_TOKEN=…; revmesh admin bootstrap --url https://authority.example.com --username alice',
    'revmesh --json admin bootstrap --url http://127.0.0.1:8080 -u alice --password-stdin < pw | jq -r .totp.otpauthUri',
    'revmesh admin bootstrap --url https://authority.example.com -u bob --enrolment   # the second initial admin: prints bob\'s enrolment code',
  ]);
}
