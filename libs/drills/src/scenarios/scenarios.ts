import type { DrillScenario, DrillScenarioName } from './drill-scenario';

const reason = (what: string) => `drill: ${what}`;

/** A leaked access token: revoked by its `jti`. */
const leakedAccessToken: DrillScenario = {
  name: 'leaked-access-token',
  summary: 'an access token leaks; the response revokes its jti',
  response: (c) => [{ type: 'revoke', target: 'jti', value: c.canary.jti, reason: reason('access token leaked'), incident: c.incidentId }],
  undo: () => [],
  expectedAlerts: ['revoked_token_use'],
  needsStaleInstance: false,
};

/** A client's credentials are stolen: every token of the client revoked by `client_id` (two-person rule by default). */
const compromisedClient: DrillScenario = {
  name: 'compromised-client',
  summary: "a client's secret is stolen; the response revokes every token of its client_id",
  response: (c) => [{ type: 'revoke', target: 'client_id', value: c.canary.clientId, reason: reason('client credentials stolen'), incident: c.incidentId }],
  undo: () => [],
  expectedAlerts: ['revoked_token_use'],
  needsStaleInstance: false,
};

/** The signing key leaks: compromised (the standby is promoted, everything it signed is rejected). */
const leakedSigningKey: DrillScenario = {
  name: 'leaked-signing-key',
  summary: 'the token-signing key leaks; the response marks it compromised (the standby key is promoted)',
  response: (c) => [{ type: 'compromise-key', kid: c.canary.kid, reason: reason('signing key leaked'), incident: c.incidentId }],
  undo: () => [],
  expectedAlerts: ['revoked_token_use'],
  needsStaleInstance: false,
  leftBehind:
    'the compromised key stays revoked and the promoted standby keeps signing: keys move on only through the normal rotation schedule (a drill never promotes a key back)',
};

/** Everyone of one service must log in again: kill switch for its audience, without lockdown, lifted afterwards. */
const massLogout: DrillScenario = {
  name: 'mass-logout',
  summary: 'every session of one service must end; the response engages the kill switch for its audience (no lockdown)',
  response: (c) => [{ type: 'kill-switch', audience: c.audience, incident: c.incidentId }],
  undo: (c) => [{ type: 'lift-kill-switch', audience: c.audience, incident: c.incidentId }],
  expectedAlerts: [],
  needsStaleInstance: false,
  leftBehind: 'tokens of the audience issued before the cut stay rejected after the lift: every client of it fetched a new token',
};

/** A leaked token while one instance is cut off from the broker: that instance cannot be contained. */
const staleSidecar: DrillScenario = {
  name: 'stale-sidecar',
  summary: 'an access token leaks while an instance is cut off from the broker; the response revokes its jti',
  response: (c) => [{ type: 'revoke', target: 'jti', value: c.canary.jti, reason: reason('access token leaked (stale instance drill)'), incident: c.incidentId }],
  undo: () => [],
  expectedAlerts: ['revoked_token_use'],
  needsStaleInstance: true,
};

/** Every scenario, by name. */
export const DRILL_SCENARIOS: Readonly<Record<DrillScenarioName, DrillScenario>> = {
  'leaked-access-token': leakedAccessToken,
  'compromised-client': compromisedClient,
  'leaked-signing-key': leakedSigningKey,
  'mass-logout': massLogout,
  'stale-sidecar': staleSidecar,
};
