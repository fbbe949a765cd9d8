import { z } from 'zod';
import { introspectionPolicySchema, sessionsPolicySchema, tokenExchangePolicySchema } from '../sessions/session-policy';
import { commsPolicySchema } from '../comms/comms-policy';

/**
 * Actions a policy can put behind a second security-admin's approval (two-person rule).
 * The names are stable: they appear in policy files, approvals and the audit log.
 */
export const APPROVABLE_ACTIONS = [
  'kill-switch.engage',
  'kill-switch.lift',
  'keys.compromise',
  'rotations.rollback',
  'clients.disable',
  // A message to customers about an incident: always waits for a second operator, listed or not.
  'comms.customers',
  'revocations.client_id',
  'revocations.sub',
  'policy.update',
  'operators.add-security-admin',
  'operators.raise-role',
  'operators.enable',
  'operators.reset-second-factor',
] as const;
export type ApprovableAction = (typeof APPROVABLE_ACTIONS)[number];

/**
 * The actions that need approval when a policy does not say otherwise. `policy.update` is among
 * them so that one security-admin cannot switch the two-person rule off through the API, and the
 * privilege changes (a new security-admin, a raised role, a re-enabled operator, a reset second
 * factor) so that one security-admin cannot make themselves a second approving identity.
 */
export const DEFAULT_APPROVAL_REQUIRED: readonly ApprovableAction[] = [
  'kill-switch.engage',
  // Disabling a client revokes every token it holds, like a client_id revocation.
  'clients.disable',
  'kill-switch.lift',
  'keys.compromise',
  'revocations.client_id',
  'policy.update',
  'operators.add-security-admin',
  'operators.raise-role',
  'operators.enable',
  'operators.reset-second-factor',
];

/** SSF events a policy can map to revocations (short names of `ssf/set-types.ts`). */
export const SSF_MAPPABLE_EVENTS = [
  'caep.session-revoked',
  'caep.credential-change',
  'risc.credential-compromise',
  'risc.account-disabled',
  'risc.account-purged',
  'risc.sessions-revoked',
] as const;
export type SsfMappableEvent = (typeof SSF_MAPPABLE_EVENTS)[number];
/** What a received SSF event does: revoke its session (else subject), revoke its subject, or nothing. */
export const SSF_EVENT_ACTIONS = ['session', 'subject', 'ignore'] as const;
export type SsfEventAction = (typeof SSF_EVENT_ACTIONS)[number];

/**
 * The default mapping of received SSF events: a revoked session ends that session's tokens; a
 * changed or compromised credential, a disabled or purged account and "all sessions revoked" end
 * every token of the subject issued before the event.
 */
export const DEFAULT_SSF_EVENT_ACTIONS: Readonly<Record<SsfMappableEvent, SsfEventAction>> = {
  'caep.session-revoked': 'session',
  'caep.credential-change': 'subject',
  'risc.credential-compromise': 'subject',
  'risc.account-disabled': 'subject',
  'risc.account-purged': 'subject',
  'risc.sessions-revoked': 'subject',
};

const audienceName = z.string().min(1).max(256);
const int = (min: number, max: number) => z.int().min(min).max(max);

/**
 * The security policy ("policy as code"): a YAML or JSON file (`REVMESH_POLICY_FILE`), changed
 * later through `PUT /v1/policy`, every version kept with who, when and why. Every field has a
 * default, so `{}` is a valid policy; the defaults are documented here and nowhere else.
 */
export const policyDocumentSchema = z.strictObject({
  tokens: z
    .strictObject({
      /**
       * Access-token lifetime per audience, seconds. An audience not listed gets
       * REVMESH_ACCESS_TOKEN_TTL_SECONDS, which is also the ceiling of every value here (key
       * retirement waits for the longest token).
       */
      audiences: z.record(audienceName, z.strictObject({ lifetimeSeconds: int(1, 86_400) })).default({}),
      /**
       * Longest access-token lifetime (`exp - iat`) the authority ever issues, seconds. Default
       * 86400 (1 day). Every audience lifetime and REVMESH_ACCESS_TOKEN_TTL_SECONDS must fit in
       * it; sidecars reject longer tokens when their `maxTokenLifetimeSeconds` is set to it.
       */
      maxLifetimeSeconds: int(60, 86_400).default(86_400),
    })
    .default({ audiences: {}, maxLifetimeSeconds: 86_400 }),
  clients: z
    .strictObject({
      /**
       * After a secret rotation the old secret stays valid this long beside the new one, unless the
       * request names its own overlap, seconds. Default 86400 (1 day); 0 ends the old secret at once.
       */
      secretOverlapSeconds: int(0, 30 * 86_400).default(86_400),
      /** Longest overlap a rotation request may ask for, seconds. Default 604800 (7 days). */
      maxSecretOverlapSeconds: int(0, 30 * 86_400).default(604_800),
    })
    .default({ secretOverlapSeconds: 86_400, maxSecretOverlapSeconds: 604_800 }),
  rotation: z
    .strictObject({
      /** Token-signing key rotation cadence, seconds. Absent: REVMESH_KEY_ROTATION_PERIOD_SECONDS. */
      periodSeconds: int(60, 366 * 86_400).optional(),
    })
    .default({}),
  approvals: z
    .strictObject({
      /** Which actions wait for a second security-admin. Default {@link DEFAULT_APPROVAL_REQUIRED}. */
      requiredFor: z.array(z.enum(APPROVABLE_ACTIONS)).default([...DEFAULT_APPROVAL_REQUIRED]),
      /** How long a request may wait for its approval before it expires, seconds. Default 1 hour. */
      windowSeconds: int(60, 7 * 86_400).default(3_600),
      /**
       * An operator created, given a higher role, re-enabled or handed an enrolment code by
       * someone cannot approve that person's requests for this long afterwards, seconds.
       * Checked when the approval is decided. Default 86400 (24 hours); 0 turns the check off.
       */
      coolingOffSeconds: int(0, 30 * 86_400).default(86_400),
    })
    .default({ requiredFor: [...DEFAULT_APPROVAL_REQUIRED], windowSeconds: 3_600, coolingOffSeconds: 86_400 }),
  justification: z
    .strictObject({
      /** Minimum length of the justification every write action requires. Default 10. */
      minLength: int(1, 500).default(10),
    })
    .default({ minLength: 10 }),
  /** Sessions started by token exchange: access-token lifetime, idle and absolute ends, refresh reuse grace. */
  sessions: sessionsPolicySchema,
  /** Which clients may exchange which issuers' tokens for which audiences (RFC 8693); deny by default. */
  tokenExchange: tokenExchangePolicySchema,
  /** Which clients may introspect tokens (RFC 7662); none by default. */
  introspection: introspectionPolicySchema,
  /** Incident communications: a Markdown template and a default "what to do" per audience, and the webhooks messages go to. */
  comms: commsPolicySchema,
  operators: z
    .strictObject({
      /** Lifetime of an operator token, seconds. Default 1 hour. */
      sessionSeconds: int(60, 86_400).default(3_600),
      /** Write actions need a second factor at most this old (`auth_time`), seconds. Default 10 minutes. */
      stepUpWindowSeconds: int(30, 86_400).default(600),
      /** Failed logins (per username and per address) before a lockout. Default 5. */
      maxFailedLogins: int(1, 100).default(5),
      /** First lockout, seconds; doubles with each further failure, capped at 1 hour. Default 60. */
      lockoutSeconds: int(1, 3_600).default(60),
      /** How long an enrolment code (new operator, reset second factor) stays usable, seconds. Default 3600 (1 hour). */
      enrolmentCodeSeconds: int(300, 7 * 86_400).default(3_600),
      /**
       * How many security-admins the bootstrap token may create in all (the first with a
       * password, the others as enrolment codes): the initial admins who approve each other.
       * Default 2; further security-admins need an approval.
       */
      bootstrapAdmins: int(1, 5).default(2),
    })
    .default({ sessionSeconds: 3_600, stepUpWindowSeconds: 600, maxFailedLogins: 5, lockoutSeconds: 60, enrolmentCodeSeconds: 3_600, bootstrapAdmins: 2 }),
  audit: z
    .strictObject({
      /** Audit entries older than this are purged behind a signed checkpoint, days. Default 400. */
      retentionDays: int(1, 36_500).default(400),
    })
    .default({ retentionDays: 400 }),
  ssf: z
    .strictObject({
      /**
       * What each received Shared Signals event does (SSF receiver), by short event name:
       * `session` revokes the session the subject names (`sid`, scoped to the transmitter's
       * issuer), or the whole subject when it names none; `subject` revokes every token of the
       * subject issued up to the event's `event_timestamp`; `ignore` acknowledges and does nothing.
       * Default: {@link DEFAULT_SSF_EVENT_ACTIONS}; an event left out keeps its default. Other event
       * types are acknowledged and ignored.
       */
      events: z.partialRecord(z.enum(SSF_MAPPABLE_EVENTS), z.enum(SSF_EVENT_ACTIONS)).default({ ...DEFAULT_SSF_EVENT_ACTIONS }),
      /**
       * How an `email` subject maps: `ignore` (default: revmesh cannot know which `sub` an email
       * belongs to) or `sub` (the provider's tokens carry the email as `sub`).
       */
      emailSubjects: z.enum(['ignore', 'sub']).default('ignore'),
      /** How a top-level `opaque` subject maps: `sub` of the transmitter's issuer (default) or `ignore`. */
      opaqueSubjects: z.enum(['ignore', 'sub']).default('sub'),
      /** Oldest SET accepted (`iat` in the past), seconds. Default 86400 (1 day): received `jti`s are kept that long. */
      maxSetAgeSeconds: int(60, 7 * 86_400).default(86_400),
      /** Tolerated `iat` in the future (transmitter clock ahead), seconds. Default 60. */
      futureSkewSeconds: int(0, 600).default(60),
    })
    .default({ events: { ...DEFAULT_SSF_EVENT_ACTIONS }, emailSubjects: 'ignore', opaqueSubjects: 'sub', maxSetAgeSeconds: 86_400, futureSkewSeconds: 60 }),
  drills: z
    .strictObject({
      /**
       * The containment objective a breach drill (`revmesh drill run`) is judged against, seconds:
       * every live instance must refuse the drill's leaked credential and acknowledge the
       * containing action within this long after the authority accepted it. Default 30.
       */
      containWithinSeconds: int(1, 3_600).default(30),
      /**
       * Lets an operator approve their own request when it names an incident of kind `drill`
       * (audited as a drill self-approval), so a drill can run unattended, e.g. in CI. It never
       * applies to a real incident's actions. Default false: a drill waits for a second
       * security-admin like any other request.
       */
      allowSelfApproval: z.boolean().default(false),
    })
    .default({ containWithinSeconds: 30, allowSelfApproval: false }),
  /** Owners per area (e.g. `keys: [alice, bob]`): who to call; shown, not enforced. */
  owners: z.record(z.string().min(1).max(64), z.array(z.string().min(1).max(256)).max(50)).default({}),
});

/** A validated policy with every default filled in. */
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;

/** The policy when none was ever given. */
export const DEFAULT_POLICY: PolicyDocument = policyDocumentSchema.parse({});

/**
 * Where the rest of the core reads the policy: always the current version, so an approved
 * change applies to the next request without a restart.
 */
export interface PolicySource {
  current(): PolicyDocument;
}
