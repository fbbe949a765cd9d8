import type { Command } from 'commander';
import { loginWithAdminKey } from '../auth/admin-key-login';
import { UsageError } from '../errors';
import { readSecret } from '../io/read-secret';
import { runs, withExamples, type ProgramDeps } from './command-kit';

interface LoginOptions {
  readonly adminKeyStdin?: boolean;
}

/**
 * `revmesh login`. Each way of logging in is an option that selects a method; operator login
 * (user name, password, TOTP prompt) becomes another method beside `--admin-key-stdin`.
 */
export function registerLogin(program: Command, deps: ProgramDeps): void {
  const login = program
    .command('login')
    .description('check a credential against the authority and store it for the profile (mode 0600)')
    .option('--admin-key-stdin', "read the authority's admin key from stdin (never an argument: it would land in shell history)")
    .action(
      runs<LoginOptions>(deps, async (context, _args, options) => {
        if (options.adminKeyStdin !== true) {
          throw new UsageError('say how to log in: --admin-key-stdin (operator login with TOTP arrives with operator accounts)');
        }
        const { profile } = context.settings();
        // Resolved before stdin is read: a missing URL fails fast, without swallowing the key.
        const authority = context.authority().display;
        const adminKey = await readSecret(context.io.stdin, context.io.stderr, 'admin key');
        const credential = await loginWithAdminKey(context.client(`Bearer ${adminKey}`), adminKey, context.io.now);
        const store = context.credentials();
        store.save(profile, credential);
        context.output.result(
          { profile, authority, credential_type: credential.type, saved_at: credential.saved_at, credentials_file: store.path },
          () => `Logged in to ${authority} with the admin key (profile "${profile}", stored in ${store.path}).\n`,
        );
      }),
    );
  withExamples(login, [
    'revmesh --authority https://authority.example.com login --admin-key-stdin < ~/secrets/revmesh-admin-key',
    'pass show revmesh/admin-key | revmesh --profile staging --authority https://staging.example.com login --admin-key-stdin',
    'revmesh login --admin-key-stdin      # at a terminal: type the key, it is not echoed',
  ]);
}
