import type { CommandContext } from '../context';
import { UsageError } from '../errors';
import { isTerminal, promptLine, readPassword } from '../io/read-secret';

/**
 * A new operator's password: piped in with `--password-stdin`, or typed twice without echo at
 * a terminal (a typo in a password nobody can see would lock the operator out).
 *
 * @throws {UsageError} when there is no terminal and no `--password-stdin`, or the two entries differ.
 */
export async function readNewPassword(context: CommandContext, passwordStdin: boolean, whose: string): Promise<string> {
  const { stdin, stderr } = context.io;
  if (passwordStdin) return readPassword(stdin, stderr, `password for ${whose}`);
  if (!isTerminal(stdin)) throw new UsageError('stdin is not a terminal: pass --password-stdin and pipe the new password in');
  const first = await promptLine(stdin, stderr, `new password for ${whose} (input hidden): `, { hidden: true });
  if (first === '') throw new UsageError('the password must not be empty');
  const second = await promptLine(stdin, stderr, 'repeat it (input hidden): ', { hidden: true });
  if (first !== second) throw new UsageError('the two passwords differ; nothing was sent');
  return first;
}
