import { Argument, Option, type Command } from 'commander';
import { REVOCATION_TARGET_TYPES, type RevocationTargetType } from '@revmesh/contracts';
import { UsageError, WaitTimeoutError } from '../errors';
import { asRevocation } from '../http/api-types';
import { DEFAULT_POLL_INTERVAL_MS } from '../io/cli-io';
import { createProgress } from '../output/progress';
import { coverageSummary, renderCoverage, renderRevocation } from '../output/revocation-view';
import { formatDuration } from '../output/text';
import { waitForCoverage } from '../wait/coverage-wait';
import { parseReason, parseSeconds, runs, withExamples, type ProgramDeps } from './command-kit';

/** `--wait` gives up after this long unless `--wait-timeout` says otherwise, seconds. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 30;

interface RevokeOptions {
  readonly reason: string;
  readonly wait?: boolean;
  readonly waitTimeout?: number;
}

/**
 * `revmesh revoke <target> <value> --reason …`: `POST /v1/revocations`. With `--wait`, polls
 * coverage until every live sidecar enforces it (exit 0) or the wait times out (exit 3); with
 * `--json` the document is then `{ "revocation": …, "coverage": … }`.
 */
export function registerRevoke(program: Command, deps: ProgramDeps): void {
  const revoke = program
    .command('revoke')
    .description('revoke a token (jti), or every token of a subject, client or session issued until now')
    .addArgument(new Argument('<target>', 'what <value> names').choices(REVOCATION_TARGET_TYPES))
    .argument('<value>', 'the jti, sub, client_id or sid to revoke')
    .requiredOption('--reason <text>', 'why (recorded with the revocation and sent to every sidecar)', parseReason)
    .option('--wait', 'wait until every live sidecar instance enforces it, showing progress on stderr')
    .addOption(
      new Option('--wait-timeout <seconds>', `give up waiting after this long (exit 3); default ${DEFAULT_WAIT_TIMEOUT_SECONDS}`).argParser(parseSeconds),
    )
    .action(
      runs<RevokeOptions>(deps, async (context, [target, value], options) => {
        if (options.waitTimeout !== undefined && options.wait !== true) throw new UsageError('--wait-timeout only applies with --wait');
        const api = context.api();
        const created = await api.createRevocation({ target: target as RevocationTargetType, value: value ?? '', reason: options.reason });
        const revocation = asRevocation(created.body, created.url);
        if (options.wait !== true) {
          context.output.result(created.body, () => `${renderRevocation(revocation)}\nEnforcement progress: revmesh revocation status ${revocation.id}\n`);
          return;
        }

        const progress = createProgress(context.io.stderr, context.io.now);
        const timeoutMs = (options.waitTimeout ?? DEFAULT_WAIT_TIMEOUT_SECONDS) * 1000;
        const result = await waitForCoverage({
          api,
          revocationId: revocation.id,
          timeoutMs,
          pollIntervalMs: context.io.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
          now: context.io.now,
          sleep: context.io.sleep,
          onProgress: (text) => progress.update(text),
        }).finally(() => progress.done());

        // The result is written on timeout too: which instances are still pending is the useful part.
        context.output.result({ revocation: created.body, coverage: result.coverageBody ?? null }, () => {
          if (result.coverage === undefined) return `${renderRevocation(revocation)}\ncoverage: not reported yet\n`;
          // The POST answer predates publication; coverage knows when it happened.
          const current =
            result.coverage.publishedAt === null ? revocation : { ...revocation, published: true, published_at: result.coverage.publishedAt };
          return `${renderRevocation(current)}\n${renderCoverage(result.coverage)}`;
        });
        if (result.outcome === 'timeout') {
          const state = result.coverage === undefined ? 'no coverage reported' : coverageSummary(result.coverage);
          throw new WaitTimeoutError(`revocation ${revocation.id} not enforced everywhere after ${formatDuration(timeoutMs)}: ${state}`);
        }
        context.output.note(
          result.coverage?.live === 0
            ? 'No live sidecar instance has reported to the authority: nothing to wait for.'
            : `Enforced by every live instance ${formatDuration(result.elapsedMs)} after the request.`,
        );
      }),
    );
  withExamples(revoke, [
    'revmesh revoke jti 4f1c2a9e-77b0-4c55-9c2e-0d3f1b8a6c11 --reason "token posted in a public ticket"',
    'revmesh revoke sub alice --reason "laptop stolen" --wait',
    'revmesh revoke client_id billing-batch --reason "secret leaked" --wait --wait-timeout 120',
    'revmesh revoke sid 9b2e… --reason "session hijack" --json | jq -r .id',
  ]);
}
