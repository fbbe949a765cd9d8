import { DEFAULT_POLICY, policyDocumentSchema } from '../../policy/policy-document';
import { SET_EVENT_TYPES, type SetPayload, type SubjectIdentifier } from '../set-types';
import { mapSetEvents, type MappingContext } from './event-mapping';

const ISS = 'http://127.0.0.1:18080/realms/revmesh-demo';
const NOW = 1_900_000_000;
const USER = { format: 'iss_sub', iss: ISS, sub: 'alice-id' } as const;

const context = (policy: unknown = {}): MappingContext => ({
  issuer: ISS,
  transmitterId: 'keycloak',
  policy: policyDocumentSchema.parse({ ssf: policy }).ssf,
  now: NOW,
});

const set = (event: keyof typeof SET_EVENT_TYPES, subject: SubjectIdentifier | undefined, members: Record<string, unknown> = { event_timestamp: NOW - 2 }): SetPayload => ({
  iss: ISS,
  aud: 'revmesh/stream',
  iat: NOW - 1,
  jti: 'set-1',
  events: { [SET_EVENT_TYPES[event]]: members },
  ...(subject === undefined ? {} : { sub_id: subject }),
});

describe('mapSetEvents (policy ssf section, defaults)', () => {
  it('documents the defaults: sessions revoke their session, the other CAEP/RISC events the subject', () => {
    expect(DEFAULT_POLICY.ssf).toEqual({
      events: {
        'caep.session-revoked': 'session',
        'caep.credential-change': 'subject',
        'risc.credential-compromise': 'subject',
        'risc.account-disabled': 'subject',
        'risc.account-purged': 'subject',
        'risc.sessions-revoked': 'subject',
      },
      emailSubjects: 'ignore',
      opaqueSubjects: 'sub',
      maxSetAgeSeconds: 86_400,
      futureSkewSeconds: 60,
    });
  });

  it("maps Keycloak's logout (complex subject with a session) to a sid revocation scoped to its issuer", () => {
    const actions = mapSetEvents(set('caep.session-revoked', { format: 'complex', user: USER, session: { format: 'opaque', id: 'sid-1' } }), context());
    expect(actions).toEqual([
      { kind: 'revoke', event: 'caep.session-revoked', target: { type: 'sid', value: 'sid-1' }, iss: ISS, reason: 'ssf caep.session-revoked from keycloak (SET set-1)' },
    ]);
  });

  it("maps session ALL (Keycloak's admin logout) and a subject without session to the user's tokens issued up to the event", () => {
    const all = mapSetEvents(set('caep.session-revoked', { format: 'complex', user: USER, session: { format: 'opaque', id: 'ALL' } }), context());
    expect(all).toEqual([expect.objectContaining({ kind: 'revoke', target: { type: 'sub', value: 'alice-id' }, issuedUpTo: NOW - 2 })]);
    expect(mapSetEvents(set('caep.session-revoked', USER), context())).toEqual([expect.objectContaining({ target: { type: 'sub', value: 'alice-id' } })]);
  });

  it.each(['caep.credential-change', 'risc.credential-compromise', 'risc.account-disabled', 'risc.account-purged', 'risc.sessions-revoked'] as const)(
    '%s revokes the subject up to event_timestamp (else iat), never after now',
    (event) => {
      expect(mapSetEvents(set(event, USER), context())).toEqual([expect.objectContaining({ kind: 'revoke', event, target: { type: 'sub', value: 'alice-id' }, iss: ISS, issuedUpTo: NOW - 2 })]);
      expect(mapSetEvents(set(event, USER, {}), context())[0]).toMatchObject({ issuedUpTo: NOW - 1 });
      expect(mapSetEvents(set(event, USER, { event_timestamp: NOW + 500 }), context())[0]).toMatchObject({ issuedUpTo: NOW });
      // A complex subject's session does not narrow a subject-wide event.
      expect(mapSetEvents(set(event, { format: 'complex', user: USER, session: { format: 'opaque', id: 's' } }), context())[0]).toMatchObject({ target: { type: 'sub' } });
    },
  );

  it('maps jwt_id to a jti revocation and opaque to sub; email only when the policy says so', () => {
    expect(mapSetEvents(set('caep.session-revoked', { format: 'jwt_id', iss: ISS, jti: 'tok-1' }), context())[0]).toMatchObject({ target: { type: 'jti', value: 'tok-1' } });
    expect(mapSetEvents(set('caep.credential-change', { format: 'opaque', id: 'u-9' }), context())[0]).toMatchObject({ target: { type: 'sub', value: 'u-9' } });
    expect(mapSetEvents(set('caep.credential-change', { format: 'opaque', id: 'u-9' }), context({ opaqueSubjects: 'ignore' }))[0]).toMatchObject({ kind: 'ignored' });
    expect(mapSetEvents(set('caep.credential-change', { format: 'email', email: 'a@example.test' }), context())[0]).toMatchObject({ kind: 'ignored', why: expect.stringContaining('emailSubjects') });
    expect(mapSetEvents(set('caep.credential-change', { format: 'email', email: 'a@example.test' }), context({ emailSubjects: 'sub' }))[0]).toMatchObject({
      target: { type: 'sub', value: 'a@example.test' },
    });
    // CAEP drafts before SSF 1.0 carried the subject inside the event.
    expect(mapSetEvents(set('caep.credential-change', undefined, { subject: USER }), context())[0]).toMatchObject({ target: { type: 'sub', value: 'alice-id' } });
  });

  it("ignores subjects of another issuer, unknown formats, unmapped events and what the policy turns off", () => {
    const other = { format: 'iss_sub', iss: 'https://evil.example.test', sub: 'alice-id' };
    expect(mapSetEvents(set('caep.credential-change', other), context())).toEqual([expect.objectContaining({ kind: 'ignored', why: 'subject of another issuer' })]);
    expect(mapSetEvents(set('caep.session-revoked', { format: 'complex', user: other, session: { format: 'opaque', id: 's' } }), context())[0]).toMatchObject({ kind: 'ignored' });
    expect(mapSetEvents(set('caep.session-revoked', { format: 'jwt_id', iss: 'https://evil.example.test', jti: 't' }), context())[0]).toMatchObject({ kind: 'ignored' });
    expect(mapSetEvents(set('caep.credential-change', { format: 'phone_number', phone_number: '+1' }), context())[0]).toMatchObject({ kind: 'ignored' });
    expect(mapSetEvents(set('caep.credential-change', undefined), context())[0]).toMatchObject({ kind: 'ignored', why: 'no subject' });
    const unknown: SetPayload = { ...set('caep.credential-change', USER), events: { 'https://example.test/event/x': {} } };
    expect(mapSetEvents(unknown, context())).toEqual([{ kind: 'ignored', eventType: 'https://example.test/event/x', why: 'event type not mapped' }]);
    expect(mapSetEvents(set('caep.session-revoked', USER), context({ events: { 'caep.session-revoked': 'ignore' } }))[0]).toMatchObject({ kind: 'ignored' });
    // An event the policy leaves out keeps its default.
    expect(mapSetEvents(set('caep.credential-change', USER), context({ events: { 'caep.session-revoked': 'ignore' } }))[0]).toMatchObject({ kind: 'revoke' });
    // session-revoked mapped to 'subject': the whole user even when a session is named.
    expect(
      mapSetEvents(set('caep.session-revoked', { format: 'complex', user: USER, session: { format: 'opaque', id: 's' } }), context({ events: { 'caep.session-revoked': 'subject' } }))[0],
    ).toMatchObject({ target: { type: 'sub', value: 'alice-id' } });
  });

  it('returns verification and stream-updated events as such', () => {
    expect(mapSetEvents(set('ssf.verification', { format: 'opaque', id: 'stream' }, { state: 'st-1' }), context())).toEqual([{ kind: 'verification', state: 'st-1' }]);
    expect(mapSetEvents(set('ssf.stream-updated', undefined, { status: 'paused', reason: 'maintenance' }), context())).toEqual([
      { kind: 'stream-updated', status: 'paused', reason: 'maintenance' },
    ]);
    // Keycloak 26.7 sends the status object instead of the status string.
    expect(mapSetEvents(set('ssf.stream-updated', undefined, { status: { stream_id: 's', status: 'enabled' } }), context())).toEqual([{ kind: 'stream-updated', status: 'enabled' }]);
  });

  it('refuses a policy with an unknown event or action', () => {
    expect(policyDocumentSchema.safeParse({ ssf: { events: { 'caep.nope': 'subject' } } }).success).toBe(false);
    expect(policyDocumentSchema.safeParse({ ssf: { events: { 'caep.credential-change': 'revoke-all' } } }).success).toBe(false);
  });
});
