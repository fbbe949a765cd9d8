import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { incidentReportSchema, type IncidentReportModel } from '@revmesh/contracts';
import { INCIDENT_REPORT_FORMATS, renderIncidentReport, type IncidentReportFormat } from '@revmesh/incident-report';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../config/private-files';
import { UnexpectedResponseError, UsageError } from '../errors';
import { isJsonObject, type JsonObject } from '../http/api-types';
import { clean, formatTime } from '../output/text';
import { performWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseMilliseconds, runs, withExamples, type ProgramDeps } from './command-kit';

interface ReportOptions {
  readonly format: IncidentReportFormat;
  readonly out?: string;
  readonly lateAfterMs?: number;
}

interface AddOptions extends WriteOptions {
  readonly owner?: string;
}

function followUpIn(body: unknown, url: string): JsonObject {
  const followUp = isJsonObject(body) ? body['follow_up'] : undefined;
  if (!isJsonObject(followUp) || typeof followUp['id'] !== 'string') throw new UnexpectedResponseError(`${url} answered without a follow-up`);
  return followUp;
}

function renderFollowUp(f: JsonObject): string {
  const owner = typeof f['owner'] === 'string' ? `, owner ${clean(f['owner'])}` : '';
  const done = f['status'] === 'done' ? `, done ${formatTime(f['done_at'] as number)} by ${clean(String(f['done_by']))}` : '';
  return `follow-up ${clean(String(f['id']))} [${clean(String(f['status']))}${owner}${done}]: ${clean(String(f['text']))}\n`;
}

/**
 * `revmesh incident report` (the post-incident review, rendered by `renderIncidentReport`) and
 * `revmesh incident follow-up add|done|reopen|list` (what is left to do, recorded and audited).
 */
export function registerIncidentReport(incident: Command, deps: ProgramDeps): void {
  const report = incident
    .command('report')
    .description('the post-incident report from recorded data: summary, timeline, decisions and approvals, containment per service (charts), anomalies, what was overlooked, follow-ups')
    .argument('<id>', 'incident id')
    .addOption(new Option('--format <format>', 'md (Markdown), html (one self-contained page, opens offline) or json (the model)').choices(INCIDENT_REPORT_FORMATS).default('md'))
    .option('-o, --out <file>', 'write it to this file (mode 0600) and print its path, instead of stdout')
    .option('--late-after-ms <ms>', 'list instances that took longer than this to apply as late (authority default: 1000)', parseMilliseconds)
    .action(
      runs<ReportOptions>(deps, async (context, [id], options) => {
        if (options.out === undefined && context.output.json) throw new UsageError('with --json, name a file with --out <file> (or use --format json)');
        const { body, url } = await context.api().incidentReport(id ?? '', options.lateAfterMs);
        const parsed = incidentReportSchema.safeParse(body);
        if (!parsed.success) throw new UnexpectedResponseError(`${url} answered with no report this CLI understands: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        const model: IncidentReportModel = parsed.data;
        const text = await renderIncidentReport(model, options.format);
        if (options.out === undefined) {
          context.io.stdout.write(text);
          return;
        }
        const out = resolve(options.out);
        try {
          writeFileAtomic(out, text, PRIVATE_FILE_MODE, { privateDir: false });
        } catch (error) {
          throw new UsageError(`cannot write ${out}: ${(error as Error).message}`, { cause: error });
        }
        context.output.result({ file: out, format: options.format, bytes: Buffer.byteLength(text), incident: model.incident.id }, () => `Wrote the ${options.format} report of incident ${clean(model.incident.id)} to ${clean(out)}\n`);
      }),
    );
  withExamples(report, ['revmesh incident report 3c9a… --format html --out incident-3c9a.html', 'revmesh incident report 3c9a… > review.md', 'revmesh incident report 3c9a… --format json | jq .overlooked']);

  const followUp = incident.command('follow-up').description('follow-ups of an incident for its review: add, mark done, reopen, list (each change audited)');
  withExamples(followUp, ['revmesh incident follow-up add 3c9a… "alert when an instance stops acknowledging" --owner sre -j "review of INC-311"']);

  const add = withWriteOptions(
    followUp
      .command('add')
      .description('add a follow-up (also to a resolved incident)')
      .argument('<id>', 'incident id')
      .argument('<text>', 'what is to be done')
      .option('--owner <who>', 'who does it: a person or a team'),
  ).action(
    runs<AddOptions>(deps, async (context, [id, text], options) => {
      const result = await performWrite(context, options, (api, justification) => api.addIncidentFollowUp(id ?? '', { text: text ?? '', ...(options.owner === undefined ? {} : { owner: options.owner }) }, justification));
      if (result.kind !== 'done') return;
      context.output.result(result.body, () => renderFollowUp(followUpIn(result.body, result.url)));
    }),
  );
  withExamples(add, ['revmesh incident follow-up add 3c9a… "rotate the CI secret store" --owner platform -j "INC-311 review"']);

  for (const [name, status, description] of [
    ['done', 'done', 'mark a follow-up done (who and when are recorded)'],
    ['reopen', 'open', 'open a follow-up marked done again'],
  ] as const) {
    const command = withWriteOptions(followUp.command(name).description(description).argument('<id>', 'incident id').argument('<follow-up-id>', 'follow-up id (incident follow-up list)')).action(
      runs<WriteOptions>(deps, async (context, [id, followUpId], options) => {
        const result = await performWrite(context, options, (api, justification) => api.setIncidentFollowUpStatus(id ?? '', followUpId ?? '', status, justification));
        if (result.kind !== 'done') return;
        context.output.result(result.body, () => renderFollowUp(followUpIn(result.body, result.url)));
      }),
    );
    withExamples(command, [`revmesh incident follow-up ${name} 3c9a… 7b1e… -j "INC-311 review"`]);
  }

  const list = followUp
    .command('list')
    .description('list the follow-ups of an incident, oldest first')
    .argument('<id>', 'incident id')
    .action(
      runs(deps, async (context, [id]) => {
        const { body, url } = await context.api().listIncidentFollowUps(id ?? '');
        const items = isJsonObject(body) && Array.isArray(body['follow_ups']) ? body['follow_ups'].filter(isJsonObject) : undefined;
        if (items === undefined) throw new UnexpectedResponseError(`${url} answered without follow-ups`);
        context.output.result(body, () => (items.length === 0 ? 'No follow-ups.\n' : items.map(renderFollowUp).join('')));
      }),
    );
  withExamples(list, ['revmesh incident follow-up list 3c9a…']);
}
