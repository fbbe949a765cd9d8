import type { RevocationTargetType } from '@revmesh/contracts';
import type { AuthorityClient, AuthorityResponse, AuthorityTextResponse } from './authority-client';

/** Paths of the authority API the CLI drives, relative to the authority URL. */
export const API_PATHS = {
  revocations: 'v1/revocations',
  revocationBatch: 'v1/revocations:batch',
  revocation: (id: string) => `v1/revocations/${encodeURIComponent(id)}`,
  coverage: (id: string) => `v1/revocations/${encodeURIComponent(id)}/coverage`,
  instances: 'v1/instances',
  clients: 'v1/clients',
  clientList: (query: string) => (query === '' ? 'v1/clients' : `v1/clients?${query}`),
  client: (id: string) => `v1/clients/${encodeURIComponent(id)}`,
  clientAction: (id: string, action: 'rotate-secret' | 'disable' | 'enable') => `v1/clients/${encodeURIComponent(id)}/${action}`,
  clientDpop: (id: string) => `v1/clients/${encodeURIComponent(id)}/dpop`,
  issuers: 'v1/issuers',
  issuerEnabled: (issuer: string, enabled: boolean) => `v1/issuers/${encodeURIComponent(issuer)}/${enabled ? 'enable' : 'disable'}`,
  ssfTransmitters: 'v1/ssf/transmitters',
  ssfTransmitterAction: (id: string, action: SsfTransmitterAction) => `v1/ssf/transmitters/${encodeURIComponent(id)}/${action}`,
  ssfTransmitterStatus: (id: string) => `v1/ssf/transmitters/${encodeURIComponent(id)}/status`,
  keys: 'v1/keys',
  keyCalendar: 'v1/keys/calendar',
  keyRotate: 'v1/keys/rotate',
  keyCompromise: (kid: string) => `v1/keys/${encodeURIComponent(kid)}/compromise`,
  rotation: (id: string) => `v1/rotations/${encodeURIComponent(id)}`,
  rotationRollback: (id: string) => `v1/rotations/${encodeURIComponent(id)}/rollback`,
  eventSignerRotate: 'v1/event-signers/rotate',
  snapshots: 'v1/snapshots',
  bootstrap: 'v1/bootstrap',
  login: 'v1/login',
  stepUp: 'v1/login/step-up',
  logout: 'v1/logout',
  me: 'v1/me',
  operators: 'v1/operators',
  operatorDisable: (username: string) => `v1/operators/${encodeURIComponent(username)}/disable`,
  operatorAction: (username: string, action: 'role' | 'enable' | 'reset-second-factor' | 'enrolment') => `v1/operators/${encodeURIComponent(username)}/${action}`,
  enrolStart: 'v1/enrol/start',
  enrol: 'v1/enrol',
  approvals: (state?: string) => (state === undefined ? 'v1/approvals' : `v1/approvals?state=${encodeURIComponent(state)}`),
  approval: (id: string) => `v1/approvals/${encodeURIComponent(id)}`,
  approvalApprove: (id: string) => `v1/approvals/${encodeURIComponent(id)}/approve`,
  approvalDeny: (id: string) => `v1/approvals/${encodeURIComponent(id)}/deny`,
  killSwitch: 'v1/kill-switch',
  killSwitchLift: 'v1/kill-switch/lift',
  incidentComms: (id: string) => `v1/incidents/${encodeURIComponent(id)}/comms`,
  incidentCommsPreview: (id: string, query: string) => `v1/incidents/${encodeURIComponent(id)}/comms/preview?${query}`,
  auditExport: 'v1/audit/export',
  policy: 'v1/policy',
  policyChangelog: 'v1/policy/changelog',
  sessions: (query: string) => (query === '' ? 'v1/sessions' : `v1/sessions?${query}`),
  session: (sid: string) => `v1/sessions/${encodeURIComponent(sid)}`,
  sessionRevoke: (sid: string) => `v1/sessions/${encodeURIComponent(sid)}/revoke`,
  incidents: (query: string) => (query === '' ? 'v1/incidents' : `v1/incidents?${query}`),
  incident: (id: string) => `v1/incidents/${encodeURIComponent(id)}`,
  incidentLinks: (id: string) => `v1/incidents/${encodeURIComponent(id)}/links`,
  incidentTimeline: (id: string) => `v1/incidents/${encodeURIComponent(id)}/timeline`,
  incidentReport: (id: string, query: string) => `v1/incidents/${encodeURIComponent(id)}/report${query === '' ? '' : `?${query}`}`,
  incidentFollowUps: (id: string) => `v1/incidents/${encodeURIComponent(id)}/follow-ups`,
  incidentFollowUp: (id: string, followUpId: string) => `v1/incidents/${encodeURIComponent(id)}/follow-ups/${encodeURIComponent(followUpId)}`,
} as const;

/** `POST /v1/revocations`. */
export interface CreateRevocationInput {
  readonly target: RevocationTargetType;
  readonly value: string;
  /** The trusted external issuer whose tokens are targeted; absent: the authority's own. */
  readonly iss?: string;
  /** The open incident the revocation is made for (linked in its transaction). */
  readonly incident?: string;
  readonly reason: string;
}

/** `POST /v1/revocations:batch`: up to 10,000 targets, one reason, all stored or none. */
export interface CreateRevocationBatchInput {
  readonly targets: readonly { readonly target: RevocationTargetType; readonly value: string; readonly iss?: string }[];
  readonly reason: string;
  /** The open incident the batch is made for. */
  readonly incident?: string;
}

/** `POST /v1/incidents` (without the justification). */
export interface OpenIncidentInput {
  readonly title: string;
  readonly severity: string;
  readonly owner?: string;
  readonly kind?: 'incident' | 'drill';
}

/** `PATCH /v1/incidents/:id`: at least one field. */
export interface UpdateIncidentInput {
  readonly status?: string;
  readonly owner?: string;
  readonly severity?: string;
}

/** `POST /v1/issuers` (without the justification). */
export interface AddIssuerInput {
  readonly issuer: string;
  readonly description?: string;
}

/** The bodiless actions on a registered SSF transmitter (`POST /v1/ssf/transmitters/:id/<action>`). */
export type SsfTransmitterAction = 'verify' | 'refresh' | 'remove' | 'rotate-push-authorization';

/** `POST /v1/ssf/transmitters` (without the justification). */
export interface AddSsfTransmitterInput {
  readonly id: string;
  readonly config_url: string;
  readonly client_id: string;
  readonly client_secret: string;
  readonly delivery: 'push' | 'poll';
  readonly scope?: string;
  readonly token_endpoint?: string;
  readonly description?: string;
}

/** `POST /v1/rotations/:id/rollback`. */
export interface RollbackInput {
  readonly reason: string;
  /** What the key being rolled back from becomes; the authority's default is `retired`. */
  readonly newKeyState?: 'retired' | 'revoked';
}

/** `POST /v1/login`. */
export interface LoginInput {
  readonly username: string;
  readonly password: string;
  readonly totp: string;
}

/** `POST /v1/operators` (without the justification, passed separately like every write's). */
/** `POST /v1/operators`: no password, the operator sets their own with the enrolment code. */
export interface AddOperatorInput {
  readonly username: string;
  readonly role: string;
}

/** `POST /v1/enrol`: the enrolment code, the person's own password and a code of the offered TOTP secret. */
export interface EnrolInput {
  readonly code: string;
  readonly password: string;
  readonly totp: string;
}

/** `POST /v1/clients` (without the justification): no `client_id` lets the authority pick one. */
export interface RegisterClientInput {
  readonly client_id?: string;
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
  /** private_key_jwt: the client's public signing keys (JWK Set), or... */
  readonly jwks?: unknown;
  /** ...where it publishes them. */
  readonly jwks_uri?: string;
  /** A public key (JWK) its secrets are sealed to (JWE) instead of being shown. */
  readonly encryption_jwk?: unknown;
}

/** `GET /v1/clients` filters and page. */
export interface ClientFilterInput {
  readonly enabled?: boolean;
  readonly authMethod?: string;
  readonly after?: string;
  readonly limit?: number;
}

/** `POST /v1/kill-switch`: no audience means every audience. */
export interface EngageKillSwitchInput {
  readonly audience?: string;
  readonly lockdown: boolean;
  /** ISO 8601. */
  readonly issuedAtOrBefore?: string;
  /** The open incident it is made for (linked when it runs, after the approval). */
  readonly incident?: string;
}

/** `POST /v1/incidents/:id/comms` (without the justification). */
export interface SendIncidentCommsInput {
  readonly audience: string;
  readonly whatToDo?: string;
  readonly expectedSha256?: string;
}

/** Filters of `revmesh sessions list`. */
export interface SessionFilterInput {
  readonly sub?: string;
  readonly clientId?: string;
  readonly active?: boolean;
  readonly limit?: number;
}

/**
 * One method per authority operation; bodies are returned as parsed, to be narrowed by the
 * caller. Every write takes the `justification` the authority records in its audit log.
 */
export interface AuthorityApi {
  createRevocation(input: CreateRevocationInput, justification: string): Promise<AuthorityResponse>;
  createRevocationBatch(input: CreateRevocationBatchInput, justification: string): Promise<AuthorityResponse>;
  getRevocation(id: string): Promise<AuthorityResponse>;
  getCoverage(id: string): Promise<AuthorityResponse>;
  listInstances(): Promise<AuthorityResponse>;
  registerClient(input: RegisterClientInput, justification: string): Promise<AuthorityResponse>;
  /** Clients by id: `GET /v1/clients` with the filters given. */
  listClients(filter: ClientFilterInput): Promise<AuthorityResponse>;
  getClient(clientId: string): Promise<AuthorityResponse>;
  /** A new secret; the old one stays valid `overlapSeconds` more (default: the policy's). */
  rotateClientSecret(clientId: string, overlapSeconds: number | undefined, justification: string): Promise<AuthorityResponse>;
  /** Disables the client and revokes its tokens by client_id (may wait for an approval). */
  /** `incident`: the open incident the disabling is made for (its approval belongs to it). */
  disableClient(clientId: string, reason: string | undefined, justification: string, incident?: string): Promise<AuthorityResponse>;
  enableClient(clientId: string, justification: string): Promise<AuthorityResponse>;
  /** `PUT /v1/clients/:id/dpop`: whether the client must send a DPoP proof with every token request. */
  setClientDpop(clientId: string, required: boolean, justification: string): Promise<AuthorityResponse>;
  listIssuers(): Promise<AuthorityResponse>;
  addIssuer(input: AddIssuerInput, justification: string): Promise<AuthorityResponse>;
  setIssuerEnabled(issuer: string, enabled: boolean, justification: string): Promise<AuthorityResponse>;
  /** Sessions (token exchange), newest first: `GET /v1/sessions` with the filters given. */
  listSessions(filter: SessionFilterInput): Promise<AuthorityResponse>;
  getSession(sid: string): Promise<AuthorityResponse>;
  /** Ends a session everywhere: its refresh tokens and, by a `sid` revocation, its access tokens. */
  revokeSession(sid: string, reason: string, justification: string): Promise<AuthorityResponse>;
  listKeys(): Promise<AuthorityResponse>;
  keyCalendar(): Promise<AuthorityResponse>;
  /** `incident`: the open incident the rotation is made for (linked when it starts). */
  rotateKeys(reason: string, justification: string, incident?: string): Promise<AuthorityResponse>;
  /** `incident`: the open incident the compromise is made for (linked when it runs, after any approval). */
  compromiseKey(kid: string, reason: string, justification: string, incident?: string): Promise<AuthorityResponse>;
  rollbackRotation(id: string, input: RollbackInput, justification: string): Promise<AuthorityResponse>;
  getRotation(id: string): Promise<AuthorityResponse>;
  rotateEventSigner(reason: string, justification: string): Promise<AuthorityResponse>;
  publishSnapshot(reason: string, justification: string): Promise<AuthorityResponse>;
  login(input: LoginInput): Promise<AuthorityResponse>;
  stepUp(totp: string): Promise<AuthorityResponse>;
  logout(): Promise<AuthorityResponse>;
  me(): Promise<AuthorityResponse>;
  listOperators(): Promise<AuthorityResponse>;
  addOperator(input: AddOperatorInput, justification: string): Promise<AuthorityResponse>;
  disableOperator(username: string, justification: string): Promise<AuthorityResponse>;
  setOperatorRole(username: string, role: string, justification: string): Promise<AuthorityResponse>;
  enableOperator(username: string, justification: string): Promise<AuthorityResponse>;
  resetSecondFactor(username: string, justification: string): Promise<AuthorityResponse>;
  issueEnrolmentCode(username: string, justification: string): Promise<AuthorityResponse>;
  /** Public: the enrolment code is the credential. */
  startEnrolment(code: string): Promise<AuthorityResponse>;
  /** Public: answers like a login. */
  enrol(input: EnrolInput): Promise<AuthorityResponse>;
  listApprovals(state?: string): Promise<AuthorityResponse>;
  getApproval(id: string): Promise<AuthorityResponse>;
  approve(id: string, justification: string): Promise<AuthorityResponse>;
  deny(id: string, justification: string): Promise<AuthorityResponse>;
  killSwitchStatus(): Promise<AuthorityResponse>;
  engageKillSwitch(input: EngageKillSwitchInput, justification: string): Promise<AuthorityResponse>;
  /** `incident`: the open incident the lift is made for. */
  liftKillSwitch(audience: string | undefined, justification: string, incident?: string): Promise<AuthorityResponse>;
  /** The exact message for an audience, as it would be sent now. */
  previewIncidentComms(id: string, audience: string, whatToDo?: string): Promise<AuthorityResponse>;
  /** Sends it (customers: 202, waits for a second operator); `expectedSha256`: the previewed text's hash. */
  sendIncidentComms(id: string, input: SendIncidentCommsInput, justification: string): Promise<AuthorityResponse>;
  /** Messages sent for the incident, with each delivery's outcome. */
  listIncidentComms(id: string): Promise<AuthorityResponse>;
  auditExport(): Promise<AuthorityTextResponse>;
  getPolicy(): Promise<AuthorityResponse>;
  policyChangelog(): Promise<AuthorityResponse>;
  putPolicy(policy: unknown, justification: string): Promise<AuthorityResponse>;
  /** SSF transmitters revmesh receives CAEP/RISC events from. */
  listSsfTransmitters(): Promise<AuthorityResponse>;
  addSsfTransmitter(input: AddSsfTransmitterInput, justification: string): Promise<AuthorityResponse>;
  ssfTransmitterAction(id: string, action: SsfTransmitterAction, justification: string): Promise<AuthorityResponse>;
  /** Asks the transmitter to pause (hold SETs) or enable the stream. */
  setSsfStreamStatus(id: string, status: 'enabled' | 'paused', reason: string | undefined, justification: string): Promise<AuthorityResponse>;
  /** Incidents, newest first (`?status=`). */
  listIncidents(status?: string): Promise<AuthorityResponse>;
  getIncident(id: string): Promise<AuthorityResponse>;
  openIncident(input: OpenIncidentInput, justification: string): Promise<AuthorityResponse>;
  updateIncident(id: string, input: UpdateIncidentInput, justification: string): Promise<AuthorityResponse>;
  /** Links an existing action (`kind`: revocation, revocation-batch, key-compromise, rotation, kill-switch, approval). */
  linkIncident(id: string, kind: string, actionId: string, justification: string): Promise<AuthorityResponse>;
  incidentTimeline(id: string): Promise<AuthorityResponse>;
  /** The post-incident report model; `lateAfterMs`: the lateness threshold (authority default otherwise). */
  incidentReport(id: string, lateAfterMs?: number): Promise<AuthorityResponse>;
  listIncidentFollowUps(id: string): Promise<AuthorityResponse>;
  addIncidentFollowUp(id: string, input: { readonly text: string; readonly owner?: string }, justification: string): Promise<AuthorityResponse>;
  /** `done`, or `open` to reopen. */
  setIncidentFollowUpStatus(id: string, followUpId: string, status: 'open' | 'done', justification: string): Promise<AuthorityResponse>;
}


/** `{audience}` when one is given, else nothing (the whole mesh). */
const audienceOf = (audience: string | undefined) => (audience === undefined ? {} : { audience });

/** Binds the operations to a client. */
/** The `incident` member of a write's body, when the operator named one. */
function incidentOf(incident: string | undefined): { incident?: string } {
  return incident === undefined ? {} : { incident };
}

export function createAuthorityApi(client: AuthorityClient): AuthorityApi {
  return {
    createRevocation: (input, justification) => client.request('POST', API_PATHS.revocations, { ...input, justification }),
    createRevocationBatch: (input, justification) => client.request('POST', API_PATHS.revocationBatch, { ...input, justification }),
    getRevocation: (id) => client.request('GET', API_PATHS.revocation(id)),
    getCoverage: (id) => client.request('GET', API_PATHS.coverage(id)),
    listInstances: () => client.request('GET', API_PATHS.instances),
    registerClient: (input, justification) => client.request('POST', API_PATHS.clients, { ...input, justification }),
    listClients: (filter) => {
      const query = new URLSearchParams();
      if (filter.enabled !== undefined) query.set('enabled', String(filter.enabled));
      if (filter.authMethod !== undefined) query.set('auth_method', filter.authMethod);
      if (filter.after !== undefined) query.set('after', filter.after);
      if (filter.limit !== undefined) query.set('limit', String(filter.limit));
      return client.request('GET', API_PATHS.clientList(query.toString()));
    },
    getClient: (clientId) => client.request('GET', API_PATHS.client(clientId)),
    rotateClientSecret: (clientId, overlapSeconds, justification) =>
      client.request('POST', API_PATHS.clientAction(clientId, 'rotate-secret'), { ...(overlapSeconds === undefined ? {} : { overlap_seconds: overlapSeconds }), justification }),
    disableClient: (clientId, reason, justification, incident) =>
      client.request('POST', API_PATHS.clientAction(clientId, 'disable'), { ...(reason === undefined ? {} : { reason }), ...incidentOf(incident), justification }),
    enableClient: (clientId, justification) => client.request('POST', API_PATHS.clientAction(clientId, 'enable'), { justification }),
    setClientDpop: (clientId, required, justification) => client.request('PUT', API_PATHS.clientDpop(clientId), { dpop_bound_access_tokens: required, justification }),
    listIssuers: () => client.request('GET', API_PATHS.issuers),
    addIssuer: (input, justification) => client.request('POST', API_PATHS.issuers, { ...input, justification }),
    setIssuerEnabled: (issuer, enabled, justification) => client.request('POST', API_PATHS.issuerEnabled(issuer, enabled), { justification }),
    listSessions: (filter) => {
      const query = new URLSearchParams();
      if (filter.sub !== undefined) query.set('sub', filter.sub);
      if (filter.clientId !== undefined) query.set('client_id', filter.clientId);
      if (filter.active === true) query.set('active', 'true');
      if (filter.limit !== undefined) query.set('limit', String(filter.limit));
      return client.request('GET', API_PATHS.sessions(query.toString()));
    },
    getSession: (sid) => client.request('GET', API_PATHS.session(sid)),
    revokeSession: (sid, reason, justification) => client.request('POST', API_PATHS.sessionRevoke(sid), { reason, justification }),
    listKeys: () => client.request('GET', API_PATHS.keys),
    keyCalendar: () => client.request('GET', API_PATHS.keyCalendar),
    rotateKeys: (reason, justification, incident) => client.request('POST', API_PATHS.keyRotate, { reason, ...incidentOf(incident), justification }),
    compromiseKey: (kid, reason, justification, incident) => client.request('POST', API_PATHS.keyCompromise(kid), { reason, ...incidentOf(incident), justification }),
    rollbackRotation: (id, input, justification) =>
      client.request('POST', API_PATHS.rotationRollback(id), {
        reason: input.reason,
        ...(input.newKeyState === undefined ? {} : { new_key_state: input.newKeyState }),
        justification,
      }),
    getRotation: (id) => client.request('GET', API_PATHS.rotation(id)),
    rotateEventSigner: (reason, justification) => client.request('POST', API_PATHS.eventSignerRotate, { reason, justification }),
    publishSnapshot: (reason, justification) => client.request('POST', API_PATHS.snapshots, { reason, justification }),
    login: (input) => client.request('POST', API_PATHS.login, input),
    stepUp: (totp) => client.request('POST', API_PATHS.stepUp, { totp }),
    logout: () => client.request('POST', API_PATHS.logout),
    me: () => client.request('GET', API_PATHS.me),
    listOperators: () => client.request('GET', API_PATHS.operators),
    addOperator: (input, justification) => client.request('POST', API_PATHS.operators, { ...input, justification }),
    disableOperator: (username, justification) => client.request('POST', API_PATHS.operatorDisable(username), { justification }),
    setOperatorRole: (username, role, justification) => client.request('POST', API_PATHS.operatorAction(username, 'role'), { role, justification }),
    enableOperator: (username, justification) => client.request('POST', API_PATHS.operatorAction(username, 'enable'), { justification }),
    resetSecondFactor: (username, justification) => client.request('POST', API_PATHS.operatorAction(username, 'reset-second-factor'), { justification }),
    issueEnrolmentCode: (username, justification) => client.request('POST', API_PATHS.operatorAction(username, 'enrolment'), { justification }),
    startEnrolment: (code) => client.request('POST', API_PATHS.enrolStart, { code }),
    enrol: (input) => client.request('POST', API_PATHS.enrol, { ...input }),
    listApprovals: (state) => client.request('GET', API_PATHS.approvals(state)),
    getApproval: (id) => client.request('GET', API_PATHS.approval(id)),
    approve: (id, justification) => client.request('POST', API_PATHS.approvalApprove(id), { justification }),
    deny: (id, justification) => client.request('POST', API_PATHS.approvalDeny(id), { justification }),
    killSwitchStatus: () => client.request('GET', API_PATHS.killSwitch),
    engageKillSwitch: (input, justification) =>
      client.request('POST', API_PATHS.killSwitch, {
        ...audienceOf(input.audience),
        lockdown: input.lockdown,
        ...(input.issuedAtOrBefore === undefined ? {} : { issuedAtOrBefore: input.issuedAtOrBefore }),
        ...incidentOf(input.incident),
        justification,
      }),
    liftKillSwitch: (audience, justification, incident) => client.request('POST', API_PATHS.killSwitchLift, { ...audienceOf(audience), ...incidentOf(incident), justification }),
    previewIncidentComms: (id, audience, whatToDo) =>
      client.request('GET', API_PATHS.incidentCommsPreview(id, new URLSearchParams({ audience, ...(whatToDo === undefined ? {} : { what_to_do: whatToDo }) }).toString())),
    sendIncidentComms: (id, input, justification) =>
      client.request('POST', API_PATHS.incidentComms(id), {
        audience: input.audience,
        ...(input.whatToDo === undefined ? {} : { what_to_do: input.whatToDo }),
        ...(input.expectedSha256 === undefined ? {} : { expected_sha256: input.expectedSha256 }),
        justification,
      }),
    listIncidentComms: (id) => client.request('GET', API_PATHS.incidentComms(id)),
    auditExport: () => client.requestText('GET', API_PATHS.auditExport),
    getPolicy: () => client.request('GET', API_PATHS.policy),
    policyChangelog: () => client.request('GET', API_PATHS.policyChangelog),
    putPolicy: (policy, justification) => client.request('PUT', API_PATHS.policy, { policy, justification }),
    listSsfTransmitters: () => client.request('GET', API_PATHS.ssfTransmitters),
    addSsfTransmitter: (input, justification) => client.request('POST', API_PATHS.ssfTransmitters, { ...input, justification }),
    ssfTransmitterAction: (id, action, justification) => client.request('POST', API_PATHS.ssfTransmitterAction(id, action), { justification }),
    setSsfStreamStatus: (id, status, reason, justification) =>
      client.request('POST', API_PATHS.ssfTransmitterStatus(id), { status, ...(reason === undefined ? {} : { reason }), justification }),
    listIncidents: (status) => client.request('GET', API_PATHS.incidents(status === undefined ? '' : new URLSearchParams({ status }).toString())),
    getIncident: (id) => client.request('GET', API_PATHS.incident(id)),
    openIncident: (input, justification) => client.request('POST', API_PATHS.incidents(''), { ...input, justification }),
    updateIncident: (id, input, justification) => client.request('PATCH', API_PATHS.incident(id), { ...input, justification }),
    linkIncident: (id, kind, actionId, justification) => client.request('POST', API_PATHS.incidentLinks(id), { kind, id: actionId, justification }),
    incidentTimeline: (id) => client.request('GET', API_PATHS.incidentTimeline(id)),
    incidentReport: (id, lateAfterMs) => client.request('GET', API_PATHS.incidentReport(id, lateAfterMs === undefined ? '' : new URLSearchParams({ late_after_ms: String(lateAfterMs) }).toString())),
    listIncidentFollowUps: (id) => client.request('GET', API_PATHS.incidentFollowUps(id)),
    addIncidentFollowUp: (id, input, justification) => client.request('POST', API_PATHS.incidentFollowUps(id), { ...input, justification }),
    setIncidentFollowUpStatus: (id, followUpId, status, justification) => client.request('PATCH', API_PATHS.incidentFollowUp(id, followUpId), { status, justification }),
  };
}
