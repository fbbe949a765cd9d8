import type { Command } from 'commander';
import { nameTemplateFiles, type PolicyTemplateFile } from '@revmesh/contracts';
import { stringify as stringifyYaml } from 'yaml';
import { isJsonObject, listIn } from '../http/api-types';
import { readPolicyFile } from '../io/policy-file';
import { renderPairs } from '../output/table';
import { renderRecords, type Column } from '../output/record-view';
import { clean, formatValue } from '../output/text';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { ApiProblemError, UsageError } from '../errors';
import { runs, withExamples, type ProgramDeps } from './command-kit';

const CHANGELOG_COLUMNS: readonly Column[] = [
  { header: 'version', keys: ['version'] },
  { header: 'at', keys: ['at'] },
  { header: 'actor', keys: ['actor'] },
  { header: 'source', keys: ['source'] },
  { header: 'justification', keys: ['justification'] },
  { header: 'changes', keys: ['changes'] },
];

/** `alice (operator)` for an actor `{kind, id}`; anything else as it is. */
function actorText(actor: unknown): string {
  if (isJsonObject(actor) && typeof actor['id'] === 'string') return typeof actor['kind'] === 'string' ? `${actor['id']} (${actor['kind']})` : actor['id'];
  return formatValue('actor', actor);
}

/** `approvals.windowSeconds: 3600 → 7200; …` for a changelog entry's `changes`. */
function changesText(changes: unknown): unknown {
  if (!Array.isArray(changes)) return changes;
  const value = (v: unknown) => (v === null || v === undefined ? 'default' : JSON.stringify(v));
  if (changes.length === 0) return null;
  return changes
    .map((c) => (isJsonObject(c) && typeof c['field'] === 'string' ? `${c['field']}: ${value(c['old'])} → ${value(c['new'])}` : JSON.stringify(c)))
    .join('; ');
}

/** A policy version: its metadata as pairs, then the document as YAML. */
function renderPolicy(body: unknown): string {
  if (!isJsonObject(body)) return `${JSON.stringify(body)}\n`;
  const pairs = ['version', 'updatedAt', 'updatedBy', 'source']
    .filter((k) => k in body)
    .map((k): [string, string] => [k.replace(/([A-Z])/g, ' $1').toLowerCase(), clean(k === 'updatedBy' ? actorText(body[k]) : formatValue(k, body[k]))]);
  const document = body['policy'];
  const yaml = stringifyYaml(document ?? {}).trimEnd().split('\n').map(clean).join('\n');
  return `${renderPairs(pairs)}\n${yaml}\n`;
}

/** The authority's 422 POLICY_INVALID with each error about a template read from a file naming that file. */
function namingTemplateFiles(error: unknown, files: readonly PolicyTemplateFile[]): unknown {
  if (!(error instanceof ApiProblemError) || error.problem.code !== 'POLICY_INVALID' || files.length === 0 || error.problem.errors === undefined) return error;
  const problem = { ...error.problem, errors: nameTemplateFiles(error.problem.errors, files) };
  return new ApiProblemError(problem, error.url, { retryAfterSeconds: error.retryAfterSeconds, requestId: error.requestId });
}

interface ApplyOptions extends WriteOptions {
  readonly file?: string;
}

/** `revmesh policy show|changelog|apply`: the security policy as code. */
export function registerPolicy(program: Command, deps: ProgramDeps): void {
  const policy = program.command('policy').description('the security policy: token lifetimes, rotation, approvals, justification, retention, owners');
  withExamples(policy, ['revmesh policy show', 'revmesh policy apply --file policy.yaml -j "approvals for sub revocations, SEC-12"']);

  const show = policy
    .command('show')
    .description('show the current policy version and its document (YAML; --json: as the authority sends it)')
    .action(
      runs(deps, async (context) => {
        const { body } = await context.api().getPolicy();
        context.output.result(body, () => renderPolicy(body));
      }),
    );
  withExamples(show, ['revmesh policy show', 'revmesh policy show --json | jq .policy > policy.json']);

  const changelog = policy
    .command('changelog')
    .description('every policy version: when, who, why, from where (api or file), and what changed')
    .action(
      runs(deps, async (context) => {
        const { body, url } = await context.api().policyChangelog();
        const items = listIn(body, ['versions', 'changelog'], url);
        const rows = items.map((item) => (isJsonObject(item) ? { ...item, actor: actorText(item['actor']), changes: changesText(item['changes']) } : item));
        context.output.result(body, () => (rows.length === 0 ? 'No policy versions.\n' : renderRecords(rows, CHANGELOG_COLUMNS)));
      }),
    );
  withExamples(changelog, ['revmesh policy changelog', 'revmesh policy changelog --json']);

  const apply = withWriteOptions(
    policy
      .command('apply')
      .description('make a policy file (YAML or JSON) the new version, with the message templates it names as files ({ file: comms/customers.md }, relative to it) inlined; the authority names each invalid field')
      .argument('[file]', 'the policy document, as --file')
      .option('-f, --file <path>', 'the policy document (.yaml, .yml or .json; the output of policy show --json works too)'),
    { wait: true },
  ).action(
    runs<ApplyOptions>(deps, async (context, [positional], options) => {
      if (positional !== undefined && options.file !== undefined && positional !== options.file) throw new UsageError('give the policy file once: as an argument or with --file');
      const file = positional ?? options.file;
      if (file === undefined || file.trim() === '') throw new UsageError('name the policy file: revmesh policy apply <file> (or --file <file>)');
      // Read before any request: a broken file costs nothing.
      const { document, templateFiles } = readPolicyFile(file);
      const result = await performWrite(context, options, (api, justification) => api.putPolicy(document, justification)).catch((error: unknown) => {
        throw namingTemplateFiles(error, templateFiles);
      });
      showWrite(context, result, (body) => `Policy applied.\n${renderPolicy(body)}`);
    }),
  );
  withExamples(apply, [
    'revmesh policy apply --file policy.yaml -j "two-person rule for subject revocations, SEC-12"',
    'revmesh policy apply deploy/policy-repo/policy.yaml -j "customer notice reviewed, SEC-40"',
  ]);
}
