import { Option, type Command } from 'commander';
import {
  createHttpDrillAuthority,
  createHttpProber,
  DrillApprovalNotGivenError,
  DrillError,
  DRILL_SCENARIOS,
  DRILL_SCENARIO_NAMES,
  renderDrillReport,
  runDrill,
  type AuthorityExchange,
  type DrillResult,
  type DrillScenarioName,
} from '@revmesh/drills';
import { authorizationHeader } from '../auth/credential';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../config/private-files';
import type { CommandContext } from '../context';
import { DrillAbortedError, UsageError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { justificationOf, sendWithStepUp, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseSeconds, runs, withExamples, type ProgramDeps } from './command-kit';

interface RunOptions extends WriteOptions {
  readonly scenario: DrillScenarioName;
  readonly audience: string;
  readonly probeUrl: string[];
  readonly cutOffUrl: string[];
  readonly staleInstance: string[];
  readonly approvalTimeout?: number;
  readonly reportFile?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The authority API as the drill's port: the profile's session, with a step-up when a write asks for one. */
function drillExchange(context: CommandContext, totp: string | undefined): AuthorityExchange {
  return async (method, path, body) => {
    // The credential is read anew for each request: a step-up stores a renewed one.
    const send = () => context.client(authorizationHeader(context.credential())).request(method, path, body);
    const answer = method === 'GET' ? await send() : await sendWithStepUp(context, totp, send);
    return { status: answer.status, body: answer.body };
  };
}

/** `revmesh drill run|scenarios`: breach drills against a live mesh. */
export function registerDrill(program: Command, deps: ProgramDeps): void {
  const drill = program.command('drill').description('breach drills: rehearse a leak against the live mesh and measure containment per instance');
  withExamples(drill, [
    'revmesh drill run --scenario leaked-access-token --audience demo-api --probe-url http://127.0.0.1:8081/_revmesh/probe -j "quarterly drill"',
    'revmesh drill scenarios',
  ]);

  const scenarios = drill
    .command('scenarios')
    .description('list the scenarios')
    .action(
      runs(deps, async (context) => {
        const rows = DRILL_SCENARIO_NAMES.map((name) => ({ name, summary: DRILL_SCENARIOS[name].summary }));
        context.output.result({ scenarios: rows }, () => `${rows.map((r) => `${r.name.padEnd(20)} ${r.summary}`).join('\n')}\n`);
      }),
    );
  withExamples(scenarios, ['revmesh drill scenarios', 'revmesh drill scenarios --json | jq -r ".scenarios[].name"']);

  const run = withWriteOptions(
    drill
      .command('run')
      .description(
        'run a drill: opens an incident of kind drill, creates a canary client (scope revmesh:drill) and a token, checks every --probe-url accepts it, ' +
          '"leaks" it, responds through the normal operator path (an approval waits for a second security-admin unless the policy allows drill self-approval), ' +
          'and measures per instance the time to first rejection, the time to acknowledgement and the requests accepted after the response; ' +
          'then cleans up (canary disabled, scenario undone) and closes the incident. Exits 11 when not contained within the policy\'s drills.containWithinSeconds',
      )
      .addOption(new Option('--scenario <name>', 'what leaks').choices(DRILL_SCENARIO_NAMES).makeOptionMandatory())
      .requiredOption('--audience <audience>', 'the service (audience) under drill: the canary\'s tokens are for it')
      .option('--probe-url <url>', 'a URL taking a bearer token, one per instance (demo-api: http://host:port/_revmesh/probe); repeat it', collect, [])
      .option('--cut-off-url <url>', 'stale-sidecar: a drill switch cutting an instance off the broker (demo-api with REVMESH_DRILL_SWITCH_UNSAFE=true: http://host:port/_revmesh/drill/cut-off); repeat it', collect, [])
      .option('--stale-instance <id>', 'stale-sidecar: an instance you know is cut off already; repeat it', collect, [])
      .addOption(new Option('--approval-timeout <seconds>', 'how long the response waits for a second security-admin (default 900)').argParser(parseSeconds))
      .option('--report-file <file>', 'also write the result (JSON, as --json prints it) to this file (mode 0600)'),
  ).action(
    runs<RunOptions>(deps, async (context, _args, options) => {
      const justification = justificationOf(context, options);
      if (options.probeUrl.length === 0) context.output.warn('no --probe-url: the drill measures acknowledgements only, not whether instances refuse the leaked token');
      // Ctrl-C ends the measurement but not the cleanup (a cut-off instance must be reconnected); a second one stops at once.
      const interrupt = new AbortController();
      const onSigint = () => {
        context.output.note('drill: interrupted; cleaning up (Ctrl-C again stops at once)');
        interrupt.abort();
      };
      process.once('SIGINT', onSigint);
      let result: DrillResult;
      try {
        result = await runDrill(
          {
            scenario: options.scenario,
            audience: options.audience,
            probeUrls: options.probeUrl,
            cutOffUrls: options.cutOffUrl,
            staleInstances: options.staleInstance,
            justification,
            ...(options.approvalTimeout === undefined ? {} : { approvalTimeoutMs: Math.round(options.approvalTimeout * 1000) }),
          },
          {
            authority: createHttpDrillAuthority({ send: drillExchange(context, options.totp), authorityUrl: context.authority().base.href, fetch: context.io.fetch }),
            prober: createHttpProber({ fetch: context.io.fetch }),
            clock: { now: context.io.now, sleep: context.io.sleep },
            progress: (line) => context.output.note(`drill: ${line}`),
            signal: interrupt.signal,
          },
        );
      } catch (error) {
        if (error instanceof DrillError && error.code === 'DRILL_OPTIONS_INVALID') throw new UsageError(error.message, { cause: error });
        if (error instanceof DrillError) throw new DrillAbortedError(`${error.message} (cleanup ran; the incident was closed as aborted)`, error instanceof DrillApprovalNotGivenError, { cause: error });
        throw error;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
      if (options.reportFile !== undefined) {
        try {
          writeFileAtomic(options.reportFile, `${JSON.stringify(result, null, 2)}\n`, PRIVATE_FILE_MODE, { privateDir: false });
        } catch (error) {
          context.output.warn(`cannot write ${options.reportFile}: ${(error as Error).message}`);
        }
      }
      context.output.result(
        result,
        () => `${renderDrillReport(result)}Post-incident report: revmesh incident report ${result.incidentId} --format html --out drill-${result.incidentId}.html\n`,
      );
      if (!result.verdict.passed) context.output.exitWith(EXIT_CODES.DRILL_FAILED);
    }),
  );
  withExamples(run, [
    'revmesh drill run --scenario leaked-access-token --audience demo-api --probe-url http://127.0.0.1:8081/_revmesh/probe --probe-url http://127.0.0.1:8082/_revmesh/probe -j "quarterly drill"',
    'revmesh drill run --scenario stale-sidecar --audience demo-api --probe-url http://127.0.0.1:8081/_revmesh/probe --cut-off-url http://127.0.0.1:8081/_revmesh/drill/cut-off -j "drill"',
    'revmesh drill run --scenario compromised-client --audience orders-api --probe-url https://orders.staging.example.com/v1/orders -j "drill" --json > drill.json || echo "not contained"',
  ]);
}
