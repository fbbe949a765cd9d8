import { Argument, Option, type Command } from 'commander';
import { REVOCATION_TARGET_TYPES, type RevocationTargetType } from '@revmesh/contracts';
import { UsageError, WaitTimeoutError } from '../errors';
import { asRevocation } from '../http/api-types';
import { DEFAULT_POLL_INTERVAL_MS } from '../io/cli-io';
import { createProgress } from '../output/progress';
import { coverageSummary, renderCoverage, renderRevocation } from '../output/revocation-view';
import { formatDuration } from '../output/text';
import { waitForCoverage } from '../wait/coverage-wait';
import { approvedLine, DEFAULT_APPROVAL_WAIT_SECONDS, performWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { MAX_TARGETS_PER_BATCH, revokeFromFile } from './revoke-batch';
import type { RevocationListFormat } from '../io/revocation-list';
import { parseReason, parseSeconds, runs, withExamples, type ProgramDeps } from './command-kit';

/** `--wait` gives up after this long unless `--wait-timeout` says otherwise, seconds. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 30;

interface RevokeOptions extends WriteOptions {
  readonly reason: string;
  readonly iss?: string;
  readonly fromFile?: string;
  readonly format?: RevocationListFormat;
  readonly jkt?: string;
  readonly incident?: string;
}

/**
 * `revmesh revoke <target> <value> --reason … -j …`: `POST /v1/revocations`. When the policy
 * puts it behind an approval, prints the approval (exit 8), or with `--wait` waits for it first.
 * With `--wait`, polls coverage until every live sidecar enforces it (exit 0) or the wait times
 * out (exit 3); with `--json` the document is then `{ "revocation": …, "coverage": … }` (plus
 * `"approval"` when one was waited for).
 */
export function registerRevoke(program: Command, deps: ProgramDeps): void {
  const revoke = program
    .command('revoke')
    .description('revoke a token (jti), or every token of a subject, client, session or DPoP key (jkt) issued until now')
    .addArgument(new Argument('[target]', 'what <value> names (not with --from-file)').choices(REVOCATION_TARGET_TYPES))
    .argument('[value]', 'the jti, sub, client_id, sid or jkt to revoke')
    .option('--jkt <thumbprint>', 'revoke every token bound to a stolen DPoP client key: its RFC 7638 thumbprint (the tokens\' cnf.jkt); same as "jkt <thumbprint>"')
    .option(
      '--from-file <file>',
      `revoke every target listed in <file> ("-" for stdin): JSON lines {"target":"jti","value":"…"[,"iss":"…"]} or CSV target,value[,iss]; sent in batches of ${MAX_TARGETS_PER_BATCH}, each stored whole or not at all; prints one "<id> <target> <value>" line per revocation`,
    )
    .addOption(new Option('--format <format>', 'format of --from-file (default: by extension, .csv or .jsonl; else by content)').choices(['jsonl', 'csv']))
    .requiredOption('--reason <text>', 'why (recorded with the revocation and sent to every sidecar)', parseReason)
    .option('--iss <issuer>', "the trusted external issuer whose tokens are targeted (see 'revmesh issuers list'); default: the authority's own tokens")
    .option('--incident <id>', "link the revocation(s) to this open incident (see 'revmesh incident list'), in the same transaction")
    .option('--wait', 'wait for the approval if one is needed, then until every live sidecar instance enforces it (progress on stderr)')
    .addOption(
      new Option(
        '--wait-timeout <seconds>',
        `give up waiting after this long (exit 3); default ${DEFAULT_WAIT_TIMEOUT_SECONDS} for coverage, ${DEFAULT_APPROVAL_WAIT_SECONDS} for an approval`,
      ).argParser(parseSeconds),
    );
  withWriteOptions(revoke).action(
    runs<RevokeOptions>(deps, async (context, positional, options) => {
      if (options.jkt !== undefined && positional[0] !== undefined) throw new UsageError('give either <target> <value> or --jkt <thumbprint>, not both');
      const [target, value] = options.jkt === undefined ? positional : ['jkt', options.jkt];
      if (options.waitTimeout !== undefined && options.wait !== true) throw new UsageError('--wait-timeout only applies with --wait');
      if (options.fromFile !== undefined) {
        if (target !== undefined) throw new UsageError('give either <target> <value> or --from-file, not both');
        if (options.wait === true) throw new UsageError('--wait applies to one revocation; follow a batch with revmesh revocation status <id>');
        await revokeFromFile(context, options, options.fromFile);
        return;
      }
      if (options.format !== undefined) throw new UsageError('--format only applies with --from-file');
      if (target === undefined || value === undefined) throw new UsageError('missing <target> <value> (or --from-file <file>); see revmesh revoke --help');
      const written = await performWrite(context, options, (api, justification) =>
        api.createRevocation(
          {
            target: target as RevocationTargetType,
            value,
            ...(options.iss === undefined ? {} : { iss: options.iss }),
            reason: options.reason,
            ...(options.incident === undefined ? {} : { incident: options.incident }),
          },
          justification,
        ),
      );
      if (written.kind === 'pending') return;
      const createdBody = written.kind === 'done' ? written.body : written.result;
      const revocation = asRevocation(createdBody, written.kind === 'done' ? written.url : 'the approved revocation');
      const approval = written.kind === 'approved' ? { approval: written.approval } : {};
      const approvedNote = written.kind === 'approved' ? `${approvedLine(written.approval)}\n` : '';
      if (options.wait !== true) {
        context.output.result(createdBody, () => `${renderRevocation(revocation)}\nEnforcement progress: revmesh revocation status ${revocation.id}\n`);
        return;
      }
      const api = context.api();

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
      context.output.result({ ...approval, revocation: createdBody, coverage: result.coverageBody ?? null }, () => {
        if (result.coverage === undefined) return `${approvedNote}${renderRevocation(revocation)}\ncoverage: not reported yet\n`;
        // The POST answer predates publication; coverage knows when it happened.
        const current =
          result.coverage.publishedAt === null ? revocation : { ...revocation, published: true, published_at: result.coverage.publishedAt };
        return `${approvedNote}${renderRevocation(current)}\n${renderCoverage(result.coverage)}`;
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
    'revmesh revoke jti 4f1c2a9e-77b0-4c55-9c2e-0d3f1b8a6c11 --reason "token posted in a public ticket" -j "INC-204: token pasted in a support ticket"',
    'revmesh revoke sub alice --reason "laptop stolen" -j "alice reported her laptop stolen, INC-205" --wait',
    'revmesh revoke client_id billing-batch --reason "secret leaked" -j "secret in a public gist, INC-206" --wait --wait-timeout 900',
    'revmesh revoke sub 6f1c0e2a-… --iss https://sso.example.com/realms/acme --reason "account takeover" -j "SSO account of bob taken over, INC-208" --wait',
    'REVMESH_JUSTIFICATION="session hijack, INC-207" revmesh revoke sid 9b2e… --reason "session hijack" --json | jq -r .id',
    'revmesh revoke --from-file leaked-jtis.jsonl --reason "token dump on a paste site" -j "INC-209: 4,000 tokens leaked"',
    'jq -c \'{target:"sub",value:.user}\' users.json | revmesh revoke --from-file - --reason "phished" -j "INC-210"',
  ]);
}
