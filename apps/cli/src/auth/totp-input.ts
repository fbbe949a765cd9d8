import type { CommandContext } from '../context';
import { StepUpNeededError, UsageError } from '../errors';
import { isTerminal, promptLine } from '../io/read-secret';

/** Environment variable holding the current TOTP code, for automation. */
export const TOTP_ENV = 'REVMESH_TOTP';

/** RFC 6238 codes are 6 to 8 digits; spaces some authenticators show are dropped. */
function normalizeTotp(raw: string, source: string): string {
  const code = raw.replace(/\s+/g, '');
  if (!/^\d{6,8}$/.test(code)) throw new UsageError(`${source}: a TOTP code is 6 to 8 digits`);
  return code;
}

/**
 * The current TOTP code: `--totp`, else `REVMESH_TOTP`, else asked at the terminal.
 *
 * @param why - what the code is for, shown in the prompt ("login", "step-up for this write").
 * @param missing - builds the error when there is no way to get one.
 */
export async function resolveTotp(context: CommandContext, flag: string | undefined, why: string, missing: () => Error): Promise<string> {
  if (flag !== undefined) return normalizeTotp(flag, '--totp');
  const fromEnv = context.io.env[TOTP_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return normalizeTotp(fromEnv, TOTP_ENV);
  if (!isTerminal(context.io.stdin)) throw missing();
  return normalizeTotp(await promptLine(context.io.stdin, context.io.stderr, `TOTP code from your authenticator (${why}): `, { hidden: true }), 'TOTP code');
}

/** The error for a login without a code. */
export const totpMissingForLogin = () =>
  new UsageError(`login needs the current TOTP code: pass --totp <code>, set ${TOTP_ENV}, or run it at a terminal to be asked`);

/** The error for a write that needs a fresh second factor and cannot ask for one. */
export const totpMissingForStepUp = () =>
  new StepUpNeededError(`this write needs a second factor given within the step-up window, and stdin is not a terminal to ask for one`);
