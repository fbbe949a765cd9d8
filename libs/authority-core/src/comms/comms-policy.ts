import { MAX_COMMS_TEMPLATE_LENGTH } from '@revmesh/contracts';
import { z } from 'zod';
import { templateErrors } from './comms-template';

/**
 * The policy section of incident communications (`comms` in the policy file): a Markdown
 * template and a default "what to do" per audience, and the webhooks messages are delivered to.
 * Defaults are documented here and nowhere else; `deploy/policy.example.yaml` shows them.
 */

/** Who a message is for. A message to `customers` always waits for a second operator's approval. */
export const COMMS_AUDIENCES = ['engineers', 'security', 'customers'] as const;
export type CommsAudience = (typeof COMMS_AUDIENCES)[number];

/** How a webhook receives messages: Slack-compatible `{ "text": … }`, or a signed JSON body (README "Incident communications"). */
export const COMMS_WEBHOOK_KINDS = ['slack', 'signed'] as const;
export type CommsWebhookKind = (typeof COMMS_WEBHOOK_KINDS)[number];

/** Longest template, characters: shared with the template-file resolver, which refuses a longer file. */
export { MAX_COMMS_TEMPLATE_LENGTH };
/** Longest "what to do" text, characters. */
export const MAX_WHAT_TO_DO_LENGTH = 2_000;

export const DEFAULT_COMMS_TEMPLATES: Readonly<Record<CommsAudience, string>> = {
  engineers: [
    '**[{{severity}}] {{title}}** (incident `{{incidentId}}`, {{status}})',
    '',
    '- Affected services: {{#affectedAudiences}}{{affectedAudiences}}{{/affectedAudiences}}{{^affectedAudiences}}none known yet{{/affectedAudiences}}',
    '- Opened: {{openedAt}}',
    '- Contained: {{#containedAt}}{{containedAt}}{{/containedAt}}{{^containedAt}}not yet{{/containedAt}}',
    '- Owner: {{owner}}',
    '',
    '**What to do:** {{whatToDo}}',
    '',
  ].join('\n'),
  security: [
    '**[{{severity}}] {{title}}** (incident `{{incidentId}}`, {{status}}, owner {{owner}})',
    '',
    '- Opened: {{openedAt}}',
    '- Contained: {{#containedAt}}{{containedAt}}{{/containedAt}}{{^containedAt}}not yet: see `revmesh incident show {{incidentId}}`{{/containedAt}}',
    '- Resolved: {{#resolvedAt}}{{resolvedAt}}{{/resolvedAt}}{{^resolvedAt}}not yet{{/resolvedAt}}',
    '- Affected services: {{#affectedAudiences}}{{affectedAudiences}}{{/affectedAudiences}}{{^affectedAudiences}}none known yet{{/affectedAudiences}}',
    '',
    '**What to do:** {{whatToDo}}',
    '',
  ].join('\n'),
  customers: [
    '**Security notice**',
    '',
    'On {{openedAt}} we detected a security incident affecting {{#affectedAudiences}}{{affectedAudiences}}{{/affectedAudiences}}{{^affectedAudiences}}some of our services{{/affectedAudiences}}.',
    '{{#containedAt}}It was contained at {{containedAt}}.{{/containedAt}}{{^containedAt}}We are containing it now.{{/containedAt}}',
    '',
    '**What you should do:** {{whatToDo}}',
    '',
  ].join('\n'),
};

export const DEFAULT_WHAT_TO_DO: Readonly<Record<CommsAudience, string>> = {
  engineers: 'nothing, unless your service is listed: then check that its sidecars acknowledged the containing actions, and expect 401 TOKEN_REVOKED for the revoked credentials.',
  security: 'follow the incident timeline and approve pending requests of the response.',
  customers: 'no action is needed. If you are asked to sign in again, please do.',
};

const template = z.string().min(1).max(MAX_COMMS_TEMPLATE_LENGTH);
const whatToDo = z.string().min(1).max(MAX_WHAT_TO_DO_LENGTH);
/** An environment variable of the authority that holds a secret (never the secret itself). */
const envName = z
  .string()
  .max(128)
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the name of an environment variable (A-Z, 0-9, _)');

const webhookSchema = z.strictObject({
  /** Stable name: deliveries and the audit log name the webhook by it. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1..64 lowercase letters, digits or -'),
  kind: z.enum(COMMS_WEBHOOK_KINDS),
  /** The URL in clear. A Slack incoming-webhook URL is itself a secret: prefer `urlEnv`. */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional(),
  /** The environment variable holding the URL (exactly one of `url`, `urlEnv`). */
  urlEnv: envName.optional(),
  /** `signed` only: the environment variable holding the signing secret (`whsec_` + base64). */
  secretEnv: envName.optional(),
  /** Which audiences' messages go here. */
  audiences: z.array(z.enum(COMMS_AUDIENCES)).min(1).max(COMMS_AUDIENCES.length),
});
export type CommsWebhook = z.infer<typeof webhookSchema>;

export const commsPolicySchema = z
  .strictObject({
    /**
     * Markdown template per audience, with named placeholders (`{{affectedAudiences}}`,
     * `{{whatToDo}}`, `{{containedAt}}`, ...: see `COMMS_PLACEHOLDERS`) filled from the incident.
     * An unknown placeholder is a policy error naming it. Default: {@link DEFAULT_COMMS_TEMPLATES}.
     */
    templates: z
      .strictObject({
        engineers: template.default(DEFAULT_COMMS_TEMPLATES.engineers),
        security: template.default(DEFAULT_COMMS_TEMPLATES.security),
        customers: template.default(DEFAULT_COMMS_TEMPLATES.customers),
      })
      .default({ ...DEFAULT_COMMS_TEMPLATES }),
    /** `{{whatToDo}}` when the sender gives none, per audience. Default: {@link DEFAULT_WHAT_TO_DO}. */
    whatToDo: z
      .strictObject({
        engineers: whatToDo.default(DEFAULT_WHAT_TO_DO.engineers),
        security: whatToDo.default(DEFAULT_WHAT_TO_DO.security),
        customers: whatToDo.default(DEFAULT_WHAT_TO_DO.customers),
      })
      .default({ ...DEFAULT_WHAT_TO_DO }),
    /** Where messages are delivered; each audience's message goes to every webhook listing it. Default: none. */
    webhooks: z.array(webhookSchema).max(20).default([]),
  })
  .default({ templates: { ...DEFAULT_COMMS_TEMPLATES }, whatToDo: { ...DEFAULT_WHAT_TO_DO }, webhooks: [] });
export type CommsPolicy = z.infer<typeof commsPolicySchema>;

/** Rules the schema cannot say: template placeholders, one URL source per webhook, secrets where needed, unique names. */
export function commsPolicyErrors(comms: CommsPolicy): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  for (const audience of COMMS_AUDIENCES) {
    for (const message of templateErrors(comms.templates[audience])) errors.push({ field: `comms.templates.${audience}`, message });
  }
  const seen = new Set<string>();
  comms.webhooks.forEach((webhook, i) => {
    const field = `comms.webhooks[${i}]`;
    if ((webhook.url === undefined) === (webhook.urlEnv === undefined)) errors.push({ field, message: 'must give exactly one of url, urlEnv' });
    if (webhook.kind === 'signed' && webhook.secretEnv === undefined) {
      errors.push({ field: `${field}.secretEnv`, message: 'is required for a signed webhook (the environment variable holding its secret)' });
    }
    if (webhook.kind === 'slack' && webhook.secretEnv !== undefined) errors.push({ field: `${field}.secretEnv`, message: 'is only for signed webhooks' });
    if (seen.has(webhook.name)) errors.push({ field: `${field}.name`, message: `is used by another webhook (${webhook.name})` });
    seen.add(webhook.name);
  });
  return errors;
}
