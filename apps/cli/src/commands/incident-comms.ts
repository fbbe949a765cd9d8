import { Option, type Command } from 'commander';
import { ApiProblemError, UnexpectedResponseError } from '../errors';
import type { AuthorityApi } from '../http/authority-api';
import { isJsonObject, listIn, type JsonObject } from '../http/api-types';
import { clean, formatTime } from '../output/text';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** Who a message is for (the authority's `COMMS_AUDIENCES`). */
export const COMMS_AUDIENCES = ['engineers', 'security', 'customers'] as const;

interface AudienceOptions {
  readonly audience: string;
  readonly whatToDo?: string;
}

const str = (value: unknown): string => (typeof value === 'string' ? clean(value) : typeof value === 'number' ? String(value) : '-');

/** A message's text for a terminal: exactly as sent, line by line, control characters but newlines replaced. */
function textLines(text: unknown, indent: string): string {
  return (typeof text === 'string' ? text : '')
    .split('\n')
    .map((line) => `${indent}${clean(line)}`)
    .join('\n');
}

function previewIn(body: unknown, url: string): JsonObject {
  if (!isJsonObject(body) || typeof body['text'] !== 'string' || typeof body['text_sha256'] !== 'string') throw new UnexpectedResponseError(`${url} answered without a message`);
  return body;
}

/** The preview: the exact text between two rulers, with where it goes. */
export function renderCommsPreview(preview: JsonObject): string {
  const webhooks = Array.isArray(preview['webhooks']) ? preview['webhooks'].map(str) : [];
  const to = webhooks.length === 0 ? 'no webhook takes this audience yet (policy comms.webhooks)' : `to ${webhooks.join(', ')}`;
  const approval = preview['needs_approval'] === true ? '; sending it needs a second operator\'s approval' : '';
  return [
    `Message for ${str(preview['audience'])} (sha256 ${str(preview['text_sha256'])}), ${to}${approval}:`,
    '-----',
    textLines(preview['text'], ''),
    '-----',
    '',
  ].join('\n');
}

/** The approval action a message to customers waits on (the authority's `COMMS_CUSTOMERS_ACTION`). */
const COMMS_CUSTOMERS_ACTION = 'comms.customers';

/**
 * The incident's messages to customers waiting for a second operator: its pending
 * `comms.customers` approvals (`GET /v1/approvals?state=pending`, newest first), each holding the
 * exact text that approving sends.
 */
export async function pendingCustomerMessages(api: AuthorityApi, incidentId: string): Promise<JsonObject[]> {
  const { body, url } = await api.listApprovals('pending');
  return listIn(body, ['approvals'], url)
    .filter(isJsonObject)
    .filter((a) => a['action'] === COMMS_CUSTOMERS_ACTION && a['state'] === 'pending')
    .filter((a) => a['target'] === incidentId || (isJsonObject(a['params']) && a['params']['incident'] === incidentId));
}

/** A customer message waiting for its approval: who asked, until when, how to approve, and the exact text. */
function renderAwaiting(approval: JsonObject): string {
  const params = isJsonObject(approval['params']) ? approval['params'] : {};
  const requestedBy = isJsonObject(approval['requestedBy']) ? approval['requestedBy'] : {};
  return [
    `${str(approval['requestedAt'])}  customers  approval ${str(approval['id'])} requested by ${str(requestedBy['username'])}, waiting for a second operator until ${str(approval['expiresAt'])} (sha256 ${str(params['textSha256'])})`,
    `    read it: revmesh approvals show ${str(approval['id'])}; send it: revmesh approvals approve ${str(approval['id'])} -j "…"`,
    textLines(params['text'], '  | '),
    '',
  ].join('\n');
}

/**
 * Messages sent for an incident, each with its deliveries and its exact text; then the messages
 * to customers still waiting for their approval (`awaiting_approval`, when the list holds it).
 */
export function renderCommsList(body: JsonObject): string {
  const awaiting = Array.isArray(body['awaiting_approval']) ? body['awaiting_approval'].filter(isJsonObject) : [];
  const waiting = awaiting.length === 0 ? '' : `\nWaiting for approval (${awaiting.length}):\n${awaiting.map(renderAwaiting).join('\n')}\n`;
  return `${renderSent(body)}${waiting}`;
}

function renderSent(body: JsonObject): string {
  const messages = Array.isArray(body['messages']) ? body['messages'].filter(isJsonObject) : [];
  if (messages.length === 0) return 'No message sent for this incident.\n';
  const out: string[] = [];
  for (const m of messages) {
    const approved = m['approved_by'] === null || m['approved_by'] === undefined ? '' : `, approved by ${str(m['approved_by'])}`;
    out.push(`${formatTime(m['created_at'] as number)}  ${str(m['audience'])}  message ${str(m['id'])} sent by ${str(m['sent_by'])}${approved} (sha256 ${str(m['text_sha256'])})`);
    for (const d of Array.isArray(m['deliveries']) ? m['deliveries'].filter(isJsonObject) : []) {
      const status = d['last_status'] === null ? '' : ` HTTP ${str(d['last_status'])}`;
      const error = d['last_error'] === null || d['state'] === 'delivered' ? '' : `: ${str(d['last_error'])}`;
      const when = d['state'] === 'pending' ? `, next attempt ${formatTime(d['next_attempt_at'] as number)}` : d['finished_at'] === null ? '' : ` at ${formatTime(d['finished_at'] as number)}`;
      out.push(`    ${str(d['webhook'])}: ${str(d['state'])} after ${str(d['attempts'])} attempt(s)${status}${when}${error}`);
    }
    out.push(textLines(m['text'], '  | '), '');
  }
  return `${out.join('\n')}\n`;
}

/** The 201 body `{message}`, or after an approval the approved action's result (the message as the core records it). */
function sentLine(body: unknown): string {
  const message = isJsonObject(body) && isJsonObject(body['message']) ? body['message'] : isJsonObject(body) ? body : {};
  const incident = message['incident_id'] ?? message['incidentId'];
  return `Sent message ${str(message['id'])} to ${str(message['audience'])}; its delivery: revmesh incident comms list ${str(incident)}\n`;
}

/** `revmesh incident comms preview|send|list`: incident communications. */
export function registerIncidentComms(incident: Command, deps: ProgramDeps): void {
  const comms = incident.command('comms').description('messages about an incident to engineers, security staff and customers: preview the exact text, send it, list what was sent and delivered');
  withExamples(comms, ['revmesh incident comms preview <id> --audience customers', 'revmesh incident comms send <id> --audience engineers -j "INC-311 status update"', 'revmesh incident comms list <id>']);
  const audience = () => new Option('--audience <audience>', 'who the message is for').choices(COMMS_AUDIENCES).makeOptionMandatory();
  const whatToDo = () => new Option('--what-to-do <text>', "fills {{whatToDo}} (default: the policy's comms.whatToDo for the audience)");

  const preview = comms
    .command('preview')
    .description("show the exact text that would be sent now (the policy's template for the audience, filled from the incident)")
    .argument('<id>', 'incident id')
    .addOption(audience())
    .addOption(whatToDo())
    .action(
      runs<AudienceOptions>(deps, async (context, [id], options) => {
        const { body, url } = await context.api().previewIncidentComms(id ?? '', options.audience, options.whatToDo);
        context.output.result(body, () => renderCommsPreview(previewIn(body, url)));
      }),
    );
  withExamples(preview, ['revmesh incident comms preview 3c9a… --audience customers --what-to-do "sign in again"', 'revmesh incident comms preview 3c9a… --audience engineers --json | jq -r .text']);

  const send = withWriteOptions(
    comms
      .command('send')
      .description('send the message shown by preview to the audience\'s webhooks; to customers only once a second operator approved the exact text (exit 8 until then, or --wait)')
      .argument('<id>', 'incident id')
      .addOption(audience())
      .addOption(whatToDo()),
    { wait: true },
  ).action(
    runs<AudienceOptions & WriteOptions>(deps, async (context, [id], options) => {
      const incidentId = id ?? '';
      // The text shown here is the text sent: the authority refuses it (COMMS_TEXT_CHANGED) if it changed since.
      const shown = await context.api().previewIncidentComms(incidentId, options.audience, options.whatToDo);
      const preview = previewIn(shown.body, shown.url);
      context.output.note(renderCommsPreview(preview).trimEnd());
      const result = await performWrite(context, options, (api, justification) =>
        api.sendIncidentComms(incidentId, { audience: options.audience, ...(options.whatToDo === undefined ? {} : { whatToDo: options.whatToDo }), expectedSha256: String(preview['text_sha256']) }, justification),
      );
      showWrite(context, result, sentLine);
    }),
  );
  withExamples(send, ['revmesh incident comms send 3c9a… --audience security -j "status update for the security team"', 'revmesh incident comms send 3c9a… --audience customers -j "notify customers" --wait']);

  const list = comms
    .command('list')
    .description('messages sent for the incident: the exact text, who sent and approved it, and each webhook delivery (delivered, pending with its next attempt, failed and why); then messages to customers waiting for approval')
    .argument('<id>', 'incident id')
    .action(
      runs(deps, async (context, [id]) => {
        const incidentId = id ?? '';
        const { body, url } = await context.api().listIncidentComms(incidentId);
        if (!isJsonObject(body)) throw new UnexpectedResponseError(`${url} answered without messages`);
        let listed: JsonObject = body;
        try {
          listed = { ...body, awaiting_approval: await pendingCustomerMessages(context.api(), incidentId) };
        } catch (error) {
          // The messages sent are the answer; the approvals are extra (an older authority, a narrower role).
          if (!(error instanceof ApiProblemError)) throw error;
          context.output.note(`Customer messages waiting for approval not shown: ${error.message} (code ${error.problem.code}).`);
        }
        context.output.result(listed, () => renderCommsList(listed));
      }),
    );
  withExamples(list, ['revmesh incident comms list 3c9a…', 'revmesh incident comms list 3c9a… --json | jq ".messages[].deliveries"', 'revmesh incident comms list 3c9a… --json | jq -r ".awaiting_approval[].id"']);
}
