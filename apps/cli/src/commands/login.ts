import type { Command } from 'commander';
import { sessionFromLogin } from '../auth/operator-session';
import { resolveTotp, totpMissingForLogin, TOTP_ENV } from '../auth/totp-input';
import { readConfigFile } from '../config/profiles';
import { ApiProblemError, LoginRefusedError, UsageError } from '../errors';
import { createAuthorityApi } from '../http/authority-api';
import { isTerminal, promptLine, readPassword } from '../io/read-secret';
import { clean } from '../output/text';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** Environment variable naming the operator, for automation. */
export const USERNAME_ENV = 'REVMESH_USERNAME';

interface LoginOptions {
  readonly username?: string;
  readonly passwordStdin?: boolean;
  readonly totp?: string;
}

/**
 * `revmesh login`: user name, password and TOTP → an operator session (`POST /v1/login`),
 * stored for the profile in credentials.json (mode 0600). Nothing is stored on failure.
 */
export function registerLogin(program: Command, deps: ProgramDeps): void {
  const login = program
    .command('login')
    .description('log in as an operator (password + TOTP) and store the session for the profile (mode 0600)')
    .option('-u, --username <name>', `operator name (env ${USERNAME_ENV}, or the profile's "username"; asked at a terminal)`)
    .option('--password-stdin', 'read the password from stdin (never an argument: it would land in shell history)')
    .option('--totp <code>', `current code from your authenticator (env ${TOTP_ENV}; asked at a terminal)`)
    .action(
      runs<LoginOptions>(deps, async (context, _args, options) => {
        const { io } = context;
        const { profile } = context.settings();
        // Resolved before anything is read: a missing URL fails fast, without swallowing the password.
        const authorityUrl = context.authority();
        const authority = authorityUrl.display;
        if (authorityUrl.insecure) {
          context.output.warn(`${authority} is plain http to another host: the password and TOTP cross the network unencrypted; use https`);
        }
        const terminal = isTerminal(io.stdin);
        let username =
          options.username ?? (io.env[USERNAME_ENV] || undefined) ?? readConfigFile(context.paths.configFile).profiles[profile]?.username;
        if (username === undefined) {
          if (!terminal) throw new UsageError(`say who logs in: --username <name> (or ${USERNAME_ENV})`);
          username = await promptLine(io.stdin, io.stderr, 'operator name: ', { hidden: false });
        }
        username = username.trim();
        if (username === '') throw new UsageError('the operator name must not be blank');
        if (options.passwordStdin !== true && !isTerminal(io.stdin)) {
          throw new UsageError('stdin is not a terminal: pass --password-stdin and pipe the password in');
        }
        const password = await readPassword(io.stdin, io.stderr);
        // With the password piped in, stdin is spent (not a terminal): the code must come from --totp or the env.
        const totp = await resolveTotp(context, options.totp, 'login', totpMissingForLogin);

        let response;
        try {
          response = await createAuthorityApi(context.client()).login({ username, password, totp });
        } catch (error) {
          if (error instanceof ApiProblemError && error.problem.status === 401) {
            throw new LoginRefusedError(`${authority} refused the login (${clean(error.problem.code)}: ${clean(error.problem.detail ?? error.problem.title)}); nothing was stored`);
          }
          throw error;
        }
        const credential = sessionFromLogin(response.body, response.url, authority, io.now());
        const store = context.credentials();
        store.save(profile, credential);
        context.output.result(
          {
            profile,
            authority,
            username: credential.username,
            role: credential.role,
            expires_at: credential.expires_at,
            credentials_file: store.path,
          },
          () =>
            `Logged in to ${authority} as ${clean(credential.username)} (${clean(credential.role)}); session until ${credential.expires_at} (profile "${profile}", stored in ${store.path}).\n`,
        );
      }),
    );
  withExamples(login, [
    'revmesh --authority https://authority.example.com login --username alice      # asks for password and TOTP, hidden',
    'pass show revmesh/alice | revmesh login -u alice --password-stdin --totp 123456',
    'REVMESH_TOTP=$(oathtool --totp -b "$SECRET") revmesh --profile staging login -u ci-bot --password-stdin < pw-file',
  ]);
}
