import { Argument, Option, type Command } from 'commander';
import { registerIncidentComms } from './incident-comms';
import type { CommandContext } from '../context';
import { UnexpectedResponseError } from '../errors';
import type { UpdateIncidentInput } from '../http/authority-api';
import { isJsonObject, listIn, type JsonObject } from '../http/api-types';
import { renderRecords, type Column } from '../output/record-view';
import { clean, formatDuration, formatTime } from '../output/text';
import { performWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { runs, withExamples, type ProgramDeps } from './command-kit';
import { registerIncidentReport } from './incident-report';

/** The closed sets of the authority (`INCIDENT_SEVERITIES`, …), for `--help` and early errors. */
export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const INCIDENT_STATUSES = ['open', 'contained', 'resolved'] as const;
export const INCIDENT_LINK_KINDS = ['revocation', 'revocation-batch', 'key-compromise', 'rotation', 'kill-switch', 'approval'] as const;

const INCIDENT_COLUMNS: readonly Column[] = [
  { header: 'id', keys: ['id'] },
  { header: 'status', keys: ['status'] },
  { header: 'severity', keys: ['severity'] },
  { header: 'kind', keys: ['kind'] },
  { header: 'owner', keys: ['owner'] },
  { header: 'opened', keys: ['created_at'] },
  { header: 'title', keys: ['title'] },
];

interface OpenOptions extends WriteOptions {
  readonly title: string;
  readonly severity: string;
  readonly owner?: string;
  readonly drill?: boolean;
}

interface UpdateOptions extends WriteOptions {
  readonly status?: string;
  readonly owner?: string;
  readonly severity?: string;
}

function incidentIn(body: unknown, url: string): JsonObject {
  const incident = isJsonObject(body) ? body['incident'] : undefined;
  if (!isJsonObject(incident) || typeof incident['id'] !== 'string') throw new UnexpectedResponseError(`${url} answered without an incident`);
  return incident;
}

function str(value: unknown): string {
  return typeof value === 'string' ? clean(value) : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '-';
}

function renderIncident(incident: JsonObject): string {
  const lines = [
    `incident ${str(incident['id'])}: ${str(incident['title'])}`,
    `  status ${str(incident['status'])}, severity ${str(incident['severity'])}, kind ${str(incident['kind'])}, owner ${str(incident['owner'])}`,
    `  opened ${formatTime(incident['created_at'] as number)}, updated ${formatTime(incident['updated_at'] as number)}`,
  ];
  const links = Array.isArray(incident['links']) ? incident['links'].filter(isJsonObject) : [];
  if (links.length > 0) lines.push('  linked:', ...links.map((l) => `    ${str(l['kind'])} ${str(l['id'])}`));
  return `${lines.join('\n')}\n`;
}

function describeEntry(entry: JsonObject): string {
  switch (entry['type']) {
    case 'audit':
      return `${str(entry['action'])} (${str(entry['outcome'])}) by ${isJsonObject(entry['actor']) ? str(entry['actor']['id']) : '-'}${entry['target'] === null ? '' : ` on ${str(entry['target'])}`}`;
    case 'approval.requested':
    case 'approval.decided':
      return `${str(entry['type'])} ${str(entry['approval_id'])} (${str(entry['action'])}, ${str(entry['state'])}) by ${str(entry['by'])}`;
    case 'event.published':
      return `${str(entry['kind'])} ${str(entry['action_id'])} published (event ${str(entry['event_id'])})`;
    case 'instance.applied':
      return `${str(entry['instance_id'])} applied ${str(entry['kind'])} ${str(entry['action_id'])}`;
    case 'blocked':
      return `${str(entry['instance_id'])} rejected the revoked credential ${str(entry['count'])}× (${str(entry['code'])})`;
    case 'alert':
      return `alert ${str(entry['kind'])} (${str(entry['severity'])}): ${str(entry['summary'])}`;
    default:
      return str(entry['type']);
  }
}

/** The timeline, coverage per service and containment, for a terminal. */
export function renderTimeline(body: JsonObject, url: string): string {
  const incident = incidentIn(body, url);
  const created = typeof incident['created_at'] === 'number' ? incident['created_at'] : 0;
  const entries = Array.isArray(body['entries']) ? body['entries'].filter(isJsonObject) : [];
  const out = [renderIncident(incident), 'Timeline:'];
  for (const entry of entries) {
    const at = typeof entry['at'] === 'number' ? entry['at'] : 0;
    out.push(`  ${formatTime(at)}  +${formatDuration(Math.max(0, at - created))}  ${describeEntry(entry)}`);
  }
  if (entries.length === 0) out.push('  (nothing recorded yet)');
  const coverage = Array.isArray(body['coverage']) ? body['coverage'].filter(isJsonObject) : [];
  if (coverage.length > 0) {
    out.push('', 'Coverage per service (first / last acknowledgement):');
    for (const service of coverage) {
      out.push(`  ${str(service['audience'])}`);
      for (const i of Array.isArray(service['instances']) ? service['instances'].filter(isJsonObject) : []) {
        const pending = Array.isArray(i['pending']) && i['pending'].length > 0 ? `  pending: ${i['pending'].map(str).join(', ')}` : '';
        // Absent (an older authority) or null (an older sidecar): not counted.
        const count = i['accepted_after_revocation'];
        const accepted = `  accepted after revocation: ${typeof count === 'number' ? count : 'unknown'}`;
        out.push(`    ${str(i['instance_id'])}  ${i['first_applied_at'] === null ? '-' : formatTime(i['first_applied_at'] as number)} / ${i['last_applied_at'] === null ? '-' : formatTime(i['last_applied_at'] as number)}${accepted}${pending}`);
      }
    }
  }
  const containment = isJsonObject(body['containment']) ? body['containment'] : {};
  const containedAt = containment['contained_at'];
  out.push(
    '',
    typeof containedAt === 'number'
      ? `Contained at ${formatTime(containedAt)} (${formatDuration(Math.max(0, containedAt - created))} after the incident was opened).`
      : `Not contained: ${str(containment['why'])}`,
  );
  const accepted = isJsonObject(containment['accepted_after_revocation']) ? containment['accepted_after_revocation'] : {};
  out.push(accepted['known'] === true ? `Requests accepted with the credential after its revocation: ${str(accepted['count'])}` : `Requests accepted after the revocation: unknown (${str(accepted['why'])})`);
  return `${out.join('\n')}\n`;
}

/** `revmesh incident open|list|show|link|update|close`: incidents as records. */
export function registerIncident(program: Command, deps: ProgramDeps): void {
  const incident = program.command('incident').description('incidents as records: open, list, show (timeline and containment), link actions, update, close');
  withExamples(incident, [
    'revmesh incident open --title "token leaked in a CI log" --severity high -j "INC-311 opened by on-call"',
    'revmesh revoke jti 4f1c… --reason "leaked in CI log" --incident <id> -j "INC-311"',
    'revmesh incident show <id>',
  ]);
  registerIncidentComms(incident, deps);

  const open = withWriteOptions(
    incident
      .command('open')
      .description('open an incident (status open); you own it unless --owner names another operator')
      .requiredOption('--title <text>', 'what happened, in a line')
      .addOption(new Option('--severity <level>', 'how bad').choices(INCIDENT_SEVERITIES).makeOptionMandatory())
      .option('--owner <username>', 'the operator who owns the response (default: you)')
      .option('--drill', 'a rehearsal (kind drill), not a real incident'),
  ).action(
    runs<OpenOptions>(deps, async (context, _args, options) => {
      const result = await performWrite(context, options, (api, justification) =>
        api.openIncident(
          { title: options.title, severity: options.severity, ...(options.owner === undefined ? {} : { owner: options.owner }), ...(options.drill === true ? { kind: 'drill' as const } : {}) },
          justification,
        ),
      );
      if (result.kind !== 'done') return;
      const opened = incidentIn(result.body, result.url);
      context.output.result(result.body, () => `${renderIncident(opened)}Link actions to it with --incident ${str(opened['id'])}\n`);
    }),
  );
  withExamples(open, ['revmesh incident open --title "signing key on a stolen laptop" --severity critical -j "INC-312"', 'revmesh incident open --title "quarterly drill" --severity low --drill -j "drill" --json | jq -r .incident.id']);

  const list = incident
    .command('list')
    .description('list incidents, newest first')
    .addOption(new Option('--status <status>', 'only incidents in this status').choices(INCIDENT_STATUSES))
    .action(
      runs<{ readonly status?: string }>(deps, async (context, _args, options) => {
        const { body, url } = await context.api().listIncidents(options.status);
        const items = listIn(body, ['incidents'], url);
        context.output.result(body, () => (items.length === 0 ? 'No incidents.\n' : renderRecords(items, INCIDENT_COLUMNS)));
      }),
    );
  withExamples(list, ['revmesh incident list --status open']);

  const show = incident
    .command('show')
    .description('show an incident: its links, its timeline (audit, approvals, acks per instance, alerts, blocked reports), coverage per service and containment')
    .argument('<id>', 'incident id')
    .action(
      runs(deps, async (context, [id]) => {
        const { body, url } = await context.api().incidentTimeline(id ?? '');
        if (!isJsonObject(body)) throw new UnexpectedResponseError(`${url} answered without a timeline`);
        context.output.result(body, () => renderTimeline(body, url));
      }),
    );
  withExamples(show, ['revmesh incident show 3c9a…', 'revmesh incident show 3c9a… --json | jq .containment']);

  const link = withWriteOptions(
    incident
      .command('link')
      .description('link an action made earlier to the incident (a kill switch by the seq of its audit entry)')
      .argument('<id>', 'incident id')
      .addArgument(new Argument('<kind>', 'what kind of action').choices(INCIDENT_LINK_KINDS))
      .argument('<action-id>', 'the action: revocation or batch id, kid, rotation id, audit seq of a kill switch, approval id'),
  ).action(
    runs<WriteOptions>(deps, async (context, [id, kind, actionId], options) => {
      const result = await performWrite(context, options, (api, justification) => api.linkIncident(id ?? '', kind ?? '', actionId ?? '', justification));
      if (result.kind !== 'done') return;
      context.output.result(result.body, () => renderIncident(incidentIn(result.body, result.url)));
    }),
  );
  withExamples(link, ['revmesh incident link 3c9a… revocation 0f4e… -j "revoked before the incident was opened"']);

  const patch = async (context: CommandContext, id: string, input: UpdateIncidentInput, options: WriteOptions) => {
    const result = await performWrite(context, options, (api, justification) => api.updateIncident(id, input, justification));
    if (result.kind !== 'done') return;
    context.output.result(result.body, () => renderIncident(incidentIn(result.body, result.url)));
  };

  const update = withWriteOptions(
    incident
      .command('update')
      .description('change status (forward only: open → contained → resolved), owner or severity')
      .argument('<id>', 'incident id')
      .addOption(new Option('--status <status>', 'new status').choices(INCIDENT_STATUSES))
      .option('--owner <username>', 'new owner')
      .addOption(new Option('--severity <level>', 'new severity').choices(INCIDENT_SEVERITIES)),
  ).action(
    runs<UpdateOptions>(deps, async (context, [id], options) => {
      const input: UpdateIncidentInput = {
        ...(options.status === undefined ? {} : { status: options.status }),
        ...(options.owner === undefined ? {} : { owner: options.owner }),
        ...(options.severity === undefined ? {} : { severity: options.severity }),
      };
      await patch(context, id ?? '', input, options);
    }),
  );
  withExamples(update, ['revmesh incident update 3c9a… --status contained -j "every instance acknowledged"']);

  const close = withWriteOptions(incident.command('close').description('resolve the incident: nothing more can be linked to it').argument('<id>', 'incident id')).action(
    runs<WriteOptions>(deps, async (context, [id], options) => {
      await patch(context, id ?? '', { status: 'resolved' }, options);
    }),
  );
  withExamples(close, ['revmesh incident close 3c9a… -j "post-incident review done"']);
  registerIncidentReport(incident, deps);
}
