import type { RevocationTarget } from '@revmesh/contracts';
import { DEFAULT_SSF_EVENT_ACTIONS, SSF_MAPPABLE_EVENTS, type PolicyDocument, type SsfEventAction, type SsfMappableEvent } from '../../policy/policy-document';
import { SET_EVENT_TYPES, type SetPayload, type SimpleSubject, type SubjectIdentifier } from '../set-types';
import type { Seconds } from '../../time/clock';

/** Keycloak names "every session of the user" as a session subject with this id. */
export const ALL_SESSIONS_ID = 'ALL';

/** What one event of a verified SET asks revmesh to do. */
export type SetAction =
  | {
      readonly kind: 'revoke';
      readonly event: SsfMappableEvent;
      readonly target: RevocationTarget;
      /** The issuer whose tokens it targets: the transmitter's. */
      readonly iss: string;
      /** Deny tokens issued up to this second (the event's time); undefined: up to now. */
      readonly issuedUpTo?: Seconds;
      readonly reason: string;
    }
  | { readonly kind: 'verification'; readonly state?: string }
  | { readonly kind: 'stream-updated'; readonly status?: string; readonly reason?: string }
  | { readonly kind: 'ignored'; readonly eventType: string; readonly why: string };

export interface MappingContext {
  /** The transmitter's issuer: subjects of another issuer are not its to revoke. */
  readonly issuer: string;
  /** The transmitter's id, named in the revocation's reason. */
  readonly transmitterId: string;
  readonly policy: PolicyDocument['ssf'];
  /** Now, epoch seconds (bounds the event time). */
  readonly now: Seconds;
}

const EVENT_NAMES = new Map<string, string>(Object.entries(SET_EVENT_TYPES).map(([name, uri]) => [uri, name]));
const MAX_VALUE = 512;

const isMappable = (name: string | undefined): name is SsfMappableEvent => (SSF_MAPPABLE_EVENTS as readonly (string | undefined)[]).includes(name);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= MAX_VALUE ? value : undefined);

/** The policy's action for a mappable event (its default when the policy leaves it out). */
export function eventAction(policy: PolicyDocument['ssf'], event: SsfMappableEvent): SsfEventAction {
  return policy.events[event] ?? DEFAULT_SSF_EVENT_ACTIONS[event];
}

/**
 * Turns each event of a verified SET into an action, per the policy's `ssf` section:
 * - `session`: the session the subject names (a complex subject's `session`, opaque id) becomes a
 *   `sid` revocation; a subject naming no session (or Keycloak's session `ALL`) a `sub` revocation;
 * - `subject`: a `sub` revocation of tokens issued up to the event (`event_timestamp`, else the
 *   SET's `iat`, never after now); a `jwt_id` subject a `jti` revocation;
 * - verification and stream-updated events are returned as such; anything else is ignored.
 * Every target is scoped to the transmitter's issuer; a subject of another issuer, an `email`
 * subject (unless the policy maps it to `sub`) or an unknown format is ignored, with why.
 */
export function mapSetEvents(payload: SetPayload, context: MappingContext): SetAction[] {
  return Object.entries(payload.events).map(([eventType, event]) => mapEvent(payload, eventType, event, context));
}

function mapEvent(payload: SetPayload, eventType: string, event: Readonly<Record<string, unknown>>, context: MappingContext): SetAction {
  const name = EVENT_NAMES.get(eventType);
  if (name === 'ssf.verification') return { kind: 'verification', ...(text(event['state']) === undefined ? {} : { state: text(event['state'])! }) };
  if (name === 'ssf.stream-updated') {
    // SSF 1.0 §8.1.5: `status` is a string; Keycloak 26.7 sends the status object ({stream_id, status, reason}).
    const raw = event['status'];
    const status = text(raw) ?? (raw !== null && typeof raw === 'object' ? text((raw as Record<string, unknown>)['status']) : undefined);
    return { kind: 'stream-updated', ...(status === undefined ? {} : { status }), ...(text(event['reason']) ? { reason: text(event['reason'])! } : {}) };
  }
  if (!isMappable(name)) return { kind: 'ignored', eventType, why: 'event type not mapped' };
  const action = eventAction(context.policy, name);
  if (action === 'ignore') return { kind: 'ignored', eventType, why: 'the policy ignores it' };
  // SSF 1.0 puts the subject in sub_id; CAEP/RISC drafts before it put it in the event.
  const subject = (payload.sub_id ?? event['subject']) as SubjectIdentifier | undefined;
  if (subject === undefined || subject === null || typeof subject !== 'object') return { kind: 'ignored', eventType, why: 'no subject' };
  const eventTime = typeof event['event_timestamp'] === 'number' && Number.isFinite(event['event_timestamp']) ? Math.floor(event['event_timestamp']) : payload.iat;
  const issuedUpTo = Math.min(eventTime, context.now);
  const reason = `ssf ${name} from ${context.transmitterId} (SET ${payload.jti})`.slice(0, 1000);
  const mapped = subjectTargets(subject, context);
  if ('why' in mapped) return { kind: 'ignored', eventType, why: mapped.why };
  const base = { kind: 'revoke' as const, event: name, iss: context.issuer, reason };
  if (action === 'session' && mapped.session !== undefined) return { ...base, target: { type: 'sid', value: mapped.session } };
  if (mapped.jti !== undefined) return { ...base, target: { type: 'jti', value: mapped.jti } };
  if (mapped.sub !== undefined) return { ...base, target: { type: 'sub', value: mapped.sub }, issuedUpTo };
  return { kind: 'ignored', eventType, why: 'the subject names no user, session or token' };
}

interface Targets {
  readonly sub?: string;
  readonly session?: string;
  readonly jti?: string;
}

/** The revmesh targets a subject identifier names, all under the transmitter's issuer; or why none. */
export function subjectTargets(subject: SubjectIdentifier, context: Pick<MappingContext, 'issuer' | 'policy'>): Targets | { readonly why: string } {
  if (subject.format === 'complex') {
    const complex = subject as { user?: SimpleSubject; session?: SimpleSubject };
    const user = complex.user === undefined ? undefined : simpleTarget(complex.user, context);
    if (user !== undefined && 'why' in user) return user;
    const session = complex.session;
    let sid: string | undefined;
    if (session !== undefined) {
      const id = session.format === 'opaque' ? text(session['id']) : undefined;
      if (id === undefined) return { why: `session subject format ${String(session.format)} not supported` };
      // Keycloak's "log out all sessions": every session of the user, not a session named ALL.
      if (id !== ALL_SESSIONS_ID) sid = id;
    }
    if (sid === undefined && user?.sub === undefined && user?.jti === undefined) return { why: 'complex subject without user or session' };
    return { ...(user ?? {}), ...(sid === undefined ? {} : { session: sid }) };
  }
  return simpleTarget(subject as SimpleSubject, context);
}

function simpleTarget(subject: SimpleSubject, context: Pick<MappingContext, 'issuer' | 'policy'>): Targets | { readonly why: string } {
  switch (subject.format) {
    case 'iss_sub': {
      if (subject['iss'] !== context.issuer) return { why: 'subject of another issuer' };
      const sub = text(subject['sub']);
      return sub === undefined ? { why: 'iss_sub without sub' } : { sub };
    }
    case 'jwt_id': {
      if (subject['iss'] !== context.issuer) return { why: 'token of another issuer' };
      const jti = text(subject['jti']);
      return jti === undefined ? { why: 'jwt_id without jti' } : { jti };
    }
    case 'email': {
      if (context.policy.emailSubjects === 'ignore') return { why: 'email subjects are ignored (policy ssf.emailSubjects)' };
      const email = text(subject['email']);
      return email === undefined ? { why: 'email subject without email' } : { sub: email };
    }
    case 'opaque': {
      if (context.policy.opaqueSubjects === 'ignore') return { why: 'opaque subjects are ignored (policy ssf.opaqueSubjects)' };
      const id = text(subject['id']);
      return id === undefined ? { why: 'opaque subject without id' } : { sub: id };
    }
    default:
      return { why: `subject format ${String(subject.format)} not supported` };
  }
}
