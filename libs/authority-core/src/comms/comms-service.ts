import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import type { ApprovalGate, SubmitOutcome } from '../approvals/approval-gate';
import type { IncidentService, IncidentWithLinks } from '../incidents/incident-service';
import type { IncidentTimeline } from '../incidents/incident-timeline';
import type { ApprovableAction, PolicySource } from '../policy/policy-document';
import type { AuthorityStore } from '../store/store';
import type { Clock } from '../time/clock';
import { CommsNoWebhookError, CommsSecondOperatorRequiredError, CommsTextChangedError, CommsWebhookUnusableError } from './comms-errors';
import { COMMS_AUDIENCES, MAX_WHAT_TO_DO_LENGTH, type CommsAudience } from './comms-policy';
import { createCommsStore, type CommsMessage, type CommsMessageWithDeliveries } from './comms-store';
import { renderTemplate } from './comms-template';
import { incidentFacts } from './incident-facts';
import { resolveWebhook, type EnvReader } from './webhook-delivery';

/** The approvable action a message to customers waits on (always, whatever the policy's `approvals.requiredFor`). */
export const COMMS_CUSTOMERS_ACTION = 'comms.customers' as const satisfies ApprovableAction;

/**
 * Params of a `comms.customers` approval: the exact text the approver reads and approves, its
 * hash, and how it was made (so it can be made again and compared when it runs).
 */
export const commsCustomersParamsSchema = z.strictObject({
  incident: z.string().min(1),
  audience: z.literal('customers'),
  text: z.string().min(1),
  textSha256: z.string().regex(/^[0-9a-f]{64}$/),
  whatToDo: z.string().min(1).max(MAX_WHAT_TO_DO_LENGTH).optional(),
});
export type CommsCustomersParams = z.infer<typeof commsCustomersParamsSchema>;

/** A message as it would be sent now. */
export interface CommsPreview {
  readonly incidentId: string;
  readonly audience: CommsAudience;
  readonly text: string;
  /** Hex SHA-256 of `text` (UTF-8): pass it back to `send` to send exactly this text. */
  readonly textSha256: string;
  /** Names of the webhooks it would go to. */
  readonly webhooks: readonly string[];
  /** Whether sending waits for a second operator's approval (customers). */
  readonly needsApproval: boolean;
}

export interface CommsSendInput {
  readonly incidentId: string;
  readonly audience: CommsAudience;
  /** `{{whatToDo}}`; default the policy's `comms.whatToDo` for the audience. */
  readonly whatToDo?: string;
  /** The hash of the previewed text: refused (COMMS_TEXT_CHANGED) when the text is no longer that. */
  readonly expectedSha256?: string;
  readonly context: AuditContext;
}

/**
 * Incident communications: messages rendered from the policy's templates with the incident's
 * facts, previewed, sent to the configured webhooks through a durable outbox, and audited with
 * their exact text (each `incidents.comms.send` entry targets the incident, so it is in its
 * timeline). A message to customers waits for a second operator's approval and is sent exactly
 * as approved.
 */
export interface CommsService {
  /**
   * The message as it would be sent now.
   * @throws {IncidentNotFoundError}
   */
  preview(incidentId: string, audience: CommsAudience, options?: { readonly whatToDo?: string }): CommsPreview;
  /**
   * Sends (engineers, security) or asks a second operator to approve (customers: `pending`, with
   * the approval request holding the exact text). Nothing is written when refused.
   * @throws {IncidentNotFoundError}
   * @throws {CommsTextChangedError} when `expectedSha256` is not the text's hash.
   * @throws {CommsNoWebhookError} when no webhook takes the audience.
   * @throws {CommsWebhookUnusableError} when one of them lacks its URL or secret.
   */
  send(input: CommsSendInput): Promise<SubmitOutcome<CommsMessage>>;
  /**
   * Runs an approved `comms.customers` request: renders the message again and sends the approved
   * text only when it is still exactly that.
   * @throws {CommsTextChangedError} when the incident or template changed since the request.
   * @throws {CommsSecondOperatorRequiredError} when the approver is the requester.
   */
  sendApproved(params: unknown, requester: AuditContext, approver: AuditContext | null): CommsMessage;
  /** An incident's messages, oldest first, with each delivery's outcome. @throws {IncidentNotFoundError} */
  list(incidentId: string): CommsMessageWithDeliveries[];
}

export interface CommsServiceOptions {
  readonly store: AuthorityStore;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly policy: PolicySource;
  /** The incident, its coverage and its containment, computed now. */
  readonly timeline: (incidentId: string) => { readonly incident: IncidentWithLinks } & Pick<IncidentTimeline, 'coverage' | 'containment'>;
  readonly incidents: Pick<IncidentService, 'get'>;
  readonly approvals: ApprovalGate;
  /** Webhook URLs and secrets named by the policy. */
  readonly env: EnvReader;
  readonly clock: Clock;
  /** A message was written: wake the dispatcher. */
  readonly onQueued: () => void;
  readonly newId?: () => string;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const sameActor = (a: AuditContext, b: AuditContext): boolean => a.actor.kind === b.actor.kind && a.actor.id.toLowerCase() === b.actor.id.toLowerCase();

export function createCommsService(options: CommsServiceOptions): CommsService {
  const { store, audit, policy, timeline, approvals, env, clock } = options;
  const newId = options.newId ?? randomUUID;
  const messages = createCommsStore(store);

  const render = (incidentId: string, audience: CommsAudience, whatToDo: string | undefined): { text: string; textSha256: string } => {
    const comms = policy.current().comms;
    const text = renderTemplate(comms.templates[audience], incidentFacts(timeline(incidentId), audience, whatToDo ?? comms.whatToDo[audience]));
    return { text, textSha256: sha256(text) };
  };

  /** The webhooks of an audience, each usable now; refuses before anything is written. */
  const webhooksFor = (audience: CommsAudience): string[] => {
    const webhooks = policy.current().comms.webhooks.filter((w) => w.audiences.includes(audience));
    if (webhooks.length === 0) throw new CommsNoWebhookError(audience);
    const unusable = webhooks.map((w) => resolveWebhook(w, env)).flatMap((r) => ('unusable' in r ? [r.unusable] : []));
    if (unusable.length > 0) throw new CommsWebhookUnusableError(unusable);
    return webhooks.map((w) => w.name);
  };

  /** Writes the message and its deliveries with the audit entry that records its exact text. */
  const write = (incidentId: string, audience: CommsAudience, rendered: { text: string; textSha256: string }, sender: AuditContext, approver: AuditContext | null, approvalDetails: Record<string, unknown>): CommsMessage => {
    const webhooks = webhooksFor(audience);
    const now = clock.now();
    const message: CommsMessage = {
      id: newId(),
      incidentId,
      audience,
      text: rendered.text,
      textSha256: rendered.textSha256,
      sentBy: sender.actor.id,
      approvedBy: approver?.actor.id ?? null,
      createdAt: now,
    };
    store.transaction(() => {
      messages.insert(message, webhooks, now);
      audit.append({
        action: 'incidents.comms.send',
        outcome: 'succeeded',
        target: incidentId,
        context: sender,
        details: { messageId: message.id, audience, text: message.text, textSha256: message.textSha256, webhooks, ...approvalDetails },
      });
    });
    options.onQueued();
    return message;
  };

  return {
    preview(incidentId, audience, previewOptions = {}) {
      const rendered = render(incidentId, audience, previewOptions.whatToDo);
      const webhooks = policy.current().comms.webhooks.filter((w) => w.audiences.includes(audience)).map((w) => w.name);
      return { incidentId, audience, ...rendered, webhooks, needsApproval: audience === 'customers' };
    },

    async send(input) {
      if (!COMMS_AUDIENCES.includes(input.audience)) throw new TypeError(`audience must be one of ${COMMS_AUDIENCES.join(', ')}`);
      const rendered = render(input.incidentId, input.audience, input.whatToDo);
      if (input.expectedSha256 !== undefined && input.expectedSha256 !== rendered.textSha256) throw new CommsTextChangedError(input.expectedSha256, rendered.textSha256);
      if (input.audience !== 'customers') return { kind: 'executed', result: write(input.incidentId, input.audience, rendered, input.context, null, {}) };
      // Checked now so a request that could never be delivered is refused before anyone approves it.
      webhooksFor('customers');
      const params: CommsCustomersParams = {
        incident: input.incidentId,
        audience: 'customers',
        ...rendered,
        ...(input.whatToDo === undefined ? {} : { whatToDo: input.whatToDo }),
      };
      return approvals.submit<CommsMessage>({ action: COMMS_CUSTOMERS_ACTION, target: input.incidentId, params, context: input.context, requireApproval: true });
    },

    sendApproved(params, requester, approver) {
      const parsed = commsCustomersParamsSchema.safeParse(params);
      if (!parsed.success) throw new TypeError(`invalid params for ${COMMS_CUSTOMERS_ACTION}: ${parsed.error.message}`);
      const p = parsed.data;
      if (approver === null || sameActor(requester, approver)) throw new CommsSecondOperatorRequiredError();
      // The approver read `p.text`: that, and only that, is sent, and only while it is still what the incident says.
      const now = render(p.incident, 'customers', p.whatToDo);
      if (now.textSha256 !== p.textSha256 || now.text !== p.text) throw new CommsTextChangedError(p.textSha256, now.textSha256);
      return write(p.incident, 'customers', { text: p.text, textSha256: p.textSha256 }, requester, approver, { approvedBy: approver.actor.id });
    },

    list(incidentId) {
      options.incidents.get(incidentId);
      return messages.listByIncident(incidentId);
    },
  };
}
