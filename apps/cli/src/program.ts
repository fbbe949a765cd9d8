import { Command, CommanderError, Option } from 'commander';
import { registerAdmin, BOOTSTRAP_TOKEN_ENV } from './commands/admin';
import { registerApprovals } from './commands/approvals';
import { registerAudit } from './commands/audit';
import { registerClients } from './commands/clients';
import { ENROLMENT_CODE_ENV, registerEnrol } from './commands/enrol';
import { registerIssuers } from './commands/issuers';
import { registerSessions } from './commands/sessions';
import { registerEventSigners } from './commands/event-signers';
import { registerSnapshots } from './commands/snapshots';
import { registerDrill } from './commands/drill';
import { registerIncident } from './commands/incident';
import { registerInstances } from './commands/instances';
import { registerKeys } from './commands/keys';
import { registerKillSwitch } from './commands/kill-switch';
import { registerLogin, USERNAME_ENV } from './commands/login';
import { registerLogout } from './commands/logout';
import { registerOperators } from './commands/operators';
import { registerPolicy } from './commands/policy';
import { registerRevocation } from './commands/revocation';
import { registerRevoke } from './commands/revoke';
import { registerRotation } from './commands/rotation';
import { registerSsf } from './commands/ssf';
import { registerWhoami } from './commands/whoami';
import { TOTP_ENV } from './auth/totp-input';
import { JUSTIFICATION_ENV } from './write/write-kit';
import { parseMilliseconds, type ProgramDeps } from './commands/command-kit';
import { DEFAULT_PROFILE, DEFAULT_TIMEOUT_MS, ENV } from './config/settings';
import { UsageError } from './errors';
import { EXIT_CODE_TABLE, EXIT_CODES, type ExitCode } from './exit-codes';
import type { CliIo } from './io/cli-io';
import { reportError } from './output/error-report';
import { jsonDocument } from './output/json';
import type { RunState } from './output/output';
import { CLI_VERSION } from './version';

const ROOT_HELP = `
Examples:
  $ revmesh --authority https://authority.example.com login --username alice
  $ revmesh revoke sub alice --reason "laptop stolen" -j "alice reported her laptop stolen, INC-205" --wait
  $ revmesh approvals approve <id> -j "confirmed with the requester by phone"
  $ revmesh revocation status <id> --json
  $ revmesh audit verify
  $ revmesh event-signers pin
  $ revmesh clients add orders-web --audience orders-api -j "orders web app calls the orders API, CHG-12"

Every write takes -j/--justification (recorded in the audit log). When the authority asks for a
fresh second factor (step-up), revmesh asks for a TOTP code at a terminal, or uses --totp.
When the policy requires a second security-admin, the write prints an approval id and exits 8;
with --wait it waits for the decision.

Settings (a flag beats the environment, which beats the profile file):
  ${ENV.authority.padEnd(25)}authority URL (--authority)
  ${ENV.profile.padEnd(25)}profile name (--profile, default "${DEFAULT_PROFILE}")
  ${ENV.timeout.padEnd(25)}per-request timeout in ms (--timeout, default ${DEFAULT_TIMEOUT_MS})
  ${ENV.configDir.padEnd(25)}config directory (default $XDG_CONFIG_HOME/revmesh or ~/.config/revmesh)
  ${JUSTIFICATION_ENV.padEnd(25)}justification of writes (-j)
  ${TOTP_ENV.padEnd(25)}current TOTP code for login and step-up (--totp)
  ${USERNAME_ENV.padEnd(25)}operator name for login (--username)
  ${BOOTSTRAP_TOKEN_ENV.padEnd(25)}the authority's bootstrap token, for admin bootstrap
  ${ENROLMENT_CODE_ENV.padEnd(25)}your one-time enrolment code, for enrol (--code)
  config.json              {"profiles": {"<name>": {"authority": "https://…", "timeout_ms": 10000, "username": "alice"}}}
  credentials.json         written by login with mode 0600; refused if group or others can read it

Exit codes:
${EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padStart(2)}  ${meaning}`).join('\n')}
`;

/**
 * Builds the `revmesh` program around injected I/O. Build one per run: commander keeps parsed
 * values on the program object.
 */
export function buildProgram(deps: ProgramDeps): Command {
  const { io } = deps;
  const program = new Command('revmesh')
    .description('revmesh: revoke tokens, rotate keys, approve, pull the kill switch and audit the mesh, from a terminal')
    .version(CLI_VERSION, '--version', 'print the version')
    .addOption(new Option('--authority <url>', `authority URL (env ${ENV.authority}, or the profile's)`))
    .addOption(new Option('--profile <name>', `profile in config.json / credentials.json (env ${ENV.profile}; default "${DEFAULT_PROFILE}")`))
    .option('--json', 'print the result as exactly one JSON document on stdout (errors too); progress stays on stderr')
    .addOption(new Option('--timeout <ms>', `per-request timeout (env ${ENV.timeout}; default ${DEFAULT_TIMEOUT_MS})`).argParser(parseMilliseconds))
    .configureHelp({ showGlobalOptions: true, sortSubcommands: true })
    .showSuggestionAfterError(true)
    // Errors are rendered by runCli as one line; commander only reports them by throwing.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => undefined,
    })
    .addHelpText('after', ROOT_HELP);

  registerAdmin(program, deps);
  registerLogin(program, deps);
  registerEnrol(program, deps);
  registerLogout(program, deps);
  registerWhoami(program, deps);
  registerRevoke(program, deps);
  registerRevocation(program, deps);
  registerKeys(program, deps);
  registerRotation(program, deps);
  registerInstances(program, deps);
  registerIncident(program, deps);
  registerDrill(program, deps);
  registerClients(program, deps);
  registerIssuers(program, deps);
  registerSsf(program, deps);
  registerSessions(program, deps);
  registerEventSigners(program, deps);
  registerSnapshots(program, deps);
  registerApprovals(program, deps);
  registerKillSwitch(program, deps);
  registerAudit(program, deps);
  registerOperators(program, deps);
  registerPolicy(program, deps);
  return program;
}

/** `revmesh keys` for `["--json", "keys", "lst"]`: the deepest command the words name, for a help hint. */
function commandPath(program: Command, argv: readonly string[]): string {
  const names = ['revmesh'];
  let current = program;
  for (const word of argv) {
    if (word.startsWith('-')) continue;
    const next = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (next === undefined) break;
    names.push(word);
    current = next;
  }
  return names.join(' ');
}

/** Commander's parse failure as our usage error: its message without the "error: " prefix, on one line. */
function usageErrorOf(error: CommanderError, program: Command, argv: readonly string[]): UsageError {
  const path = commandPath(program, argv);
  if (error.code === 'commander.help') return new UsageError(`"${path}" needs a subcommand (listed above)`);
  const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  return new UsageError(`${message}; see ${path} --help`);
}

/**
 * Runs one `revmesh` invocation in-process and resolves with its exit code; never throws and
 * never calls `process.exit`, so tests drive it directly. Every failure becomes one error
 * line on stderr (and, with `--json`, an `{"error": …}` document on stdout if nothing else was).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  // Known before parsing, so that parse errors also honour --json.
  const state: RunState = { json: argv.includes('--json'), documentWritten: false };
  const program = buildProgram({ io, state });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode ?? EXIT_CODES.OK;
  } catch (thrown) {
    let error = thrown;
    if (thrown instanceof CommanderError) {
      if (thrown.code === 'commander.helpDisplayed' || thrown.code === 'commander.version') return EXIT_CODES.OK;
      error = usageErrorOf(thrown, program, argv);
    }
    const report = reportError(error);
    for (const line of report.lines) io.stderr.write(`${line}\n`);
    if (state.json && !state.documentWritten) {
      state.documentWritten = true;
      io.stdout.write(jsonDocument(report.document));
    }
    return report.exitCode;
  }
}
