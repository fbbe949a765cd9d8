import type { Command } from 'commander';
import { readNewPassword } from '../auth/new-password';
import { sessionFromLogin } from '../auth/operator-session';
import { resolveTotp } from '../auth/totp-input';
import type { CommandContext } from '../context';
import { UsageError } from '../errors';
import { isJsonObject } from '../http/api-types';
import { createAuthorityApi } from '../http/authority-api';
import { isTerminal, promptLine } from '../io/read-secret';
import { clean } from '../output/text';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** Environment variable holding an enrolment code, for automation. */
export const ENROLMENT_CODE_ENV = 'REVMESH_ENROLMENT_CODE';

interface EnrolOptions {
  readonly code?: string;
  readonly passwordStdin?: boolean;
  readonly totp?: string;
}

/** The code: `--code`, else the environment, else asked at a terminal (hidden: it is a credential). */
async function enrolmentCode(context: CommandContext, flag: string | undefined): Promise<string> {
  const given = flag ?? (context.io.env[ENROLMENT_CODE_ENV] || undefined);
  if (given !== undefined) return given.trim();
  if (!isTerminal(context.io.stdin)) throw new UsageError(`pass the enrolment code: --code <code> (or ${ENROLMENT_CODE_ENV})`);
  return (await promptLine(context.io.stdin, context.io.stderr, 'enrolment code (input hidden): ', { hidden: true })).trim();
}

/** `{username, totp: {secret, otpauthUri}, expiresAt}` of `POST /v1/enrol/start`, for a person to copy. */
function renderOffer(body: unknown, authority: string): string {
  const offer = isJsonObject(body) ? body : {};
  const totp = isJsonObject(offer['totp']) ? offer['totp'] : {};
  const text = (value: unknown): string => (typeof value === 'string' ? clean(value) : '-');
  return (
    `Enrolling as ${text(offer['username'])} (${text(offer['role'])}) on ${authority}; the code is valid until ${text(offer['expiresAt'])}.\n` +
    `Store this in your authenticator now: it is shown only once.\n` +
    `otpauth URI  ${text(totp['otpauthUri'])}\n` +
    `secret       ${text(totp['secret'])}\n`
  );
}

/**
 * `revmesh enrol`: the person a security-admin added (or whose second factor was reset) sets
 * their own password and TOTP with the one-time enrolment code, and is logged in. At a
 * terminal it does both steps; without one, a first run (no `--totp`) prints the TOTP secret,
 * and a second run with `--totp` and `--password-stdin` completes the enrolment.
 */
export function registerEnrol(program: Command, deps: ProgramDeps): void {
  const enrol = program
    .command('enrol')
    .description('set your own password and TOTP with a one-time enrolment code, then store the session (as login does)')
    .option('--code <code>', `the enrolment code you were given (env ${ENROLMENT_CODE_ENV}; asked at a terminal, hidden)`)
    .option('--password-stdin', 'read your new password from stdin (else asked twice at the terminal, hidden)')
    .option('--totp <code>', 'a current code of the TOTP secret shown by the first step: completes the enrolment')
    .action(
      runs<EnrolOptions>(deps, async (context, _args, options) => {
        const { io } = context;
        const { profile } = context.settings();
        const authority = context.authority();
        if (authority.insecure) context.output.warn(`${authority.display} is plain http to another host: your password and TOTP cross the network unencrypted; use https`);
        const code = await enrolmentCode(context, options.code);
        if (code === '') throw new UsageError('the enrolment code must not be blank');
        const api = createAuthorityApi(context.client());
        const interactive = isTerminal(io.stdin) && options.passwordStdin !== true;
        if (options.totp === undefined) {
          // Step 1: a new TOTP secret is offered (each run offers another one).
          const started = await api.startEnrolment(code);
          if (!interactive) {
            context.output.result(started.body, () => `${renderOffer(started.body, authority.display)}Then: revmesh enrol --code <code> --password-stdin --totp <current code>\n`);
            return;
          }
          io.stderr.write(renderOffer(started.body, authority.display));
        }
        const password = await readNewPassword(context, options.passwordStdin === true, 'you');
        const totp = await resolveTotp(context, options.totp, 'enrolment', () => new UsageError('pass --totp <code> with a current code of the secret shown by the first step'));
        const response = await api.enrol({ code, password, totp });
        const credential = sessionFromLogin(response.body, response.url, authority.display, io.now());
        const store = context.credentials();
        store.save(profile, credential);
        context.output.result(
          { profile, authority: authority.display, username: credential.username, role: credential.role, expires_at: credential.expires_at, credentials_file: store.path },
          () =>
            `Enrolled on ${authority.display} as ${clean(credential.username)} (${clean(credential.role)}); logged in until ${credential.expires_at} (profile "${profile}", stored in ${store.path}).\n`,
        );
      }),
    );
  withExamples(enrol, [
    'revmesh --authority https://authority.example.com enrol          # asks for the code, shows the TOTP secret, asks password and a code',
    'revmesh --json enrol --code "$CODE" | jq -r .totp.secret           # no terminal: step 1 prints the secret',
    'revmesh enrol --code "$CODE" --password-stdin --totp 123456 < pw   # step 2 completes and logs in',
  ]);
}
