import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { openCoreFixture, type CoreFixture } from '../../testing/core-fixture.spec-helper';
import type { AuthorityCore } from '../../authority-core';
import type { PushFetch } from './push-set';
import { RISC_SESSIONS_REVOKED, SESSION_REVOKED, VERIFICATION } from './revocation-sets';
import type { ReceiverIdentity } from './receiver-auth';
import type { SsfTransmitterSettings } from './ssf-transmitter';
import type { StreamConfiguration } from './stream-view';
import { SsfReceiverForbiddenError, SsfReceiverUnauthorizedError, SsfRequestInvalidError, SsfStreamConflictError, SsfStreamNotFoundError, SsfTooManyRequestsError } from './transmitter-errors';

const ISSUER = 'https://authority.test';
const PUSH_URL = 'https://receiver.test/events';
const RX: ReceiverIdentity = { clientId: 'rx-1', scopes: ['ssf.manage'] };
const OTHER: ReceiverIdentity = { clientId: 'rx-2', scopes: ['ssf.manage'] };

/** A receiver endpoint: answers with `answer` (default 202); `pushes` are the SETs it accepted. */
class FakeEndpoint {
  readonly pushes: { url: string; headers: Record<string, string>; body: string }[] = [];
  attempts = 0;
  answer: () => number | Error = () => 202;
  readonly fetch: PushFetch = async (url, init) => {
    this.attempts += 1;
    const answer = this.answer();
    if (answer instanceof Error) throw answer;
    if (answer >= 200 && answer < 300) this.pushes.push({ url, headers: init.headers, body: init.body });
    return { status: answer, text: async () => (answer === 400 ? JSON.stringify({ err: 'invalid_key', description: 'unknown kid' }) : '') };
  };
}

let fixture: CoreFixture;
let core: AuthorityCore;
let endpoint: FakeEndpoint;

async function open(settings: SsfTransmitterSettings = {}): Promise<void> {
  endpoint = new FakeEndpoint();
  // An hour between loop runs: the tests drive deliveries with runOnce().
  fixture = await openCoreFixture({ ssfTransmitter: { intervalMs: 3_600_000, fetch: endpoint.fetch, ...settings } });
  core = fixture.core;
}

afterEach(() => fixture.cleanup());

const revoke = (type: 'jti' | 'sub' | 'sid' | 'client_id', value: string) => core.revocations.revoke({ target: { type, value }, reason: 'test revocation', actor: { kind: 'operator', id: 'alice' } });

function pushStream(eventsRequested: readonly string[] = [SESSION_REVOKED], receiver = RX): StreamConfiguration {
  return core.ssfTransmitter.createStream(receiver, {
    delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: PUSH_URL, authorization_header: 'Bearer receiver-secret' },
    events_requested: eventsRequested,
    description: 'test stream',
  });
}

/** Verifies a SET with the published JWKS, as a receiver would, and returns header and claims. */
async function openSet(jwt: string): Promise<{ header: Record<string, unknown>; claims: Record<string, unknown> }> {
  const keys = createLocalJWKSet(core.ssfTransmitter.jwks() as JSONWebKeySet);
  const { payload } = await compactVerify(jwt, keys, { algorithms: ['ES256'] });
  return { header: decodeProtectedHeader(jwt) as Record<string, unknown>, claims: JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown> };
}

function expectInvalid(f: () => unknown, field: string): void {
  let caught: unknown;
  try {
    f();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SsfRequestInvalidError);
  expect((caught as SsfRequestInvalidError).errors.map((e) => e.field)).toContain(field);
}

describe('SSF transmitter: metadata and stream management', () => {
  beforeEach(() => open());

  it('publishes SSF 1.0 metadata whose endpoints live under the issuer, and a SET key that is none of the token keys', () => {
    expect(core.ssfTransmitter.metadata()).toEqual({
      spec_version: '1_0',
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/ssf/transmitter/jwks.json`,
      delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
      configuration_endpoint: `${ISSUER}/ssf/transmitter/streams`,
      status_endpoint: `${ISSUER}/ssf/transmitter/status`,
      verification_endpoint: `${ISSUER}/ssf/transmitter/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
    });
    const setKids = (core.ssfTransmitter.jwks().keys as { kid: string }[]).map((k) => k.kid);
    expect(setKids).toHaveLength(1);
    const tokenKids = core.keys.jwks().keys.map((k) => k.kid);
    const signerKids = core.eventSigners.trusted().map((k) => k.kid);
    expect(tokenKids).not.toContain(setKids[0]);
    expect(signerKids).not.toContain(setKids[0]);
  });

  it('refuses invalid create bodies with the field named, and stores nothing', () => {
    expectInvalid(() => core.ssfTransmitter.createStream(RX, { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'http://receiver.test/events' } }), 'delivery.endpoint_url');
    expectInvalid(() => core.ssfTransmitter.createStream(RX, { delivery: { method: 'urn:ietf:rfc:8935' } }), 'delivery.endpoint_url');
    expectInvalid(() => core.ssfTransmitter.createStream(RX, { delivery: { method: 'urn:example:carrier-pigeon' } }), 'delivery.method');
    expectInvalid(() => core.ssfTransmitter.createStream(RX, { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://u:p@receiver.test/' } }), 'delivery.endpoint_url');
    for (const internal of ['https://127.0.0.1/events', 'https://10.1.2.3/events', 'https://169.254.169.254/latest', 'https://[::1]/events', 'https://[::ffff:192.168.1.1]/x', 'https://localhost/events']) {
      expectInvalid(() => core.ssfTransmitter.createStream(RX, { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: internal } }), 'delivery.endpoint_url');
    }
    expectInvalid(() => core.ssfTransmitter.createStream(RX, { stream_id: 'mine' }), '(body)');
    expectInvalid(() => core.ssfTransmitter.createStream(RX, { events_requested: [] }), 'events_requested');
    expectInvalid(() => core.ssfTransmitter.createStream(RX, { description: 'x'.repeat(257) }), 'description');
    expectInvalid(() => core.ssfTransmitter.createStream(RX, { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: PUSH_URL, authorization_header: 'Bearer a\r\nX-Evil: 1' } }), 'delivery.authorization_header');
    expect(() => core.ssfTransmitter.createStream(RX, ['not', 'an', 'object'])).toThrow(SsfRequestInvalidError);
    expect(core.ssfTransmitter.readStreams(RX, undefined)).toEqual([]);
  });

  it('creates a poll stream by default, with the transmitter-supplied members; unknown event types are ignored', () => {
    const stream = core.ssfTransmitter.createStream(RX, { events_requested: [SESSION_REVOKED, 'urn:example:unknown-event'] });
    expect(stream).toEqual({
      stream_id: expect.any(String),
      iss: ISSUER,
      aud: 'rx-1',
      events_supported: [SESSION_REVOKED, RISC_SESSIONS_REVOKED],
      events_requested: [SESSION_REVOKED, 'urn:example:unknown-event'],
      events_delivered: [SESSION_REVOKED],
      delivery: { method: 'urn:ietf:rfc:8936', endpoint_url: `${ISSUER}/ssf/transmitter/poll/${stream.stream_id}` },
      min_verification_interval: 10,
    });
    expect(core.ssfTransmitter.readStreams(RX, stream.stream_id)).toEqual(stream);
    expect(core.ssfTransmitter.readStreams(RX, undefined)).toEqual([stream]);
    expect(core.ssfTransmitter.readStatus(RX, stream.stream_id)).toEqual({ stream_id: stream.stream_id, status: 'enabled' });
  });

  it('never shows one receiver the streams of another, and never echoes the push authorization header', () => {
    const stream = pushStream();
    expect(JSON.stringify(stream)).not.toContain('receiver-secret');
    expect(() => core.ssfTransmitter.readStreams(OTHER, stream.stream_id)).toThrow(SsfStreamNotFoundError);
    expect(() => core.ssfTransmitter.deleteStream(OTHER, stream.stream_id)).toThrow(SsfStreamNotFoundError);
    expect(() => core.ssfTransmitter.updateStatus(OTHER, { stream_id: stream.stream_id, status: 'disabled' })).toThrow(SsfStreamNotFoundError);
    expect(core.ssfTransmitter.readStreams(OTHER, undefined)).toEqual([]);
    expect(core.ssfTransmitter.readStatus(RX, stream.stream_id).status).toBe('enabled');
  });

  it('PATCH changes only what it names, PUT replaces every receiver-supplied member; transmitter-supplied ones must match', () => {
    const stream = pushStream([SESSION_REVOKED]);
    const patched = core.ssfTransmitter.updateStream(RX, { stream_id: stream.stream_id, description: 'renamed', events_delivered: [SESSION_REVOKED] }, false);
    expect(patched).toMatchObject({ description: 'renamed', events_requested: [SESSION_REVOKED], delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: PUSH_URL } });

    expectInvalid(() => core.ssfTransmitter.updateStream(RX, { stream_id: stream.stream_id, aud: 'someone-else' }, false), 'aud');
    expectInvalid(() => core.ssfTransmitter.updateStream(RX, { stream_id: stream.stream_id, events_delivered: [RISC_SESSIONS_REVOKED] }, false), 'events_delivered');
    expectInvalid(() => core.ssfTransmitter.updateStream(RX, { stream_id: stream.stream_id, iss: 'https://elsewhere.test' }, true), 'iss');
    expect(core.ssfTransmitter.readStreams(RX, stream.stream_id)).toEqual(patched);

    const replaced = core.ssfTransmitter.updateStream(RX, { stream_id: stream.stream_id, events_requested: [RISC_SESSIONS_REVOKED] }, true);
    expect(replaced.description).toBeUndefined();
    expect(replaced.events_delivered).toEqual([RISC_SESSIONS_REVOKED]);
    // PUT without delivery: the default, poll.
    expect(replaced.delivery).toEqual({ method: 'urn:ietf:rfc:8936', endpoint_url: `${ISSUER}/ssf/transmitter/poll/${stream.stream_id}` });
    expect(() => core.ssfTransmitter.updateStream(RX, { stream_id: 'no-such-stream' }, false)).toThrow(SsfStreamNotFoundError);
  });

  it('limits the streams of one receiver (409), and deleting one makes room', () => {
    const streams = Array.from({ length: 8 }, () => core.ssfTransmitter.createStream(RX, {}));
    expect(() => core.ssfTransmitter.createStream(RX, {})).toThrow(SsfStreamConflictError);
    core.ssfTransmitter.deleteStream(RX, streams[0]!.stream_id);
    expect(() => core.ssfTransmitter.readStreams(RX, streams[0]!.stream_id)).toThrow(SsfStreamNotFoundError);
    expect(core.ssfTransmitter.createStream(RX, {}).stream_id).toEqual(expect.any(String));
  });

  it('audits stream changes as the receiver client', () => {
    const stream = pushStream();
    core.ssfTransmitter.updateStatus(RX, { stream_id: stream.stream_id, status: 'paused', reason: 'maintenance' });
    core.ssfTransmitter.deleteStream(RX, stream.stream_id);
    const entries = core.audit.list(0, 1000).filter((e) => e.action.startsWith('ssf.streams.'));
    expect(entries.map((e) => [e.action, e.actor, e.target])).toEqual([
      ['ssf.streams.create', { kind: 'client', id: 'rx-1' }, stream.stream_id],
      ['ssf.streams.status', { kind: 'client', id: 'rx-1' }, stream.stream_id],
      ['ssf.streams.delete', { kind: 'client', id: 'rx-1' }, stream.stream_id],
    ]);
    expect(JSON.stringify(entries)).not.toContain('receiver-secret');
  });
});

describe('SSF transmitter: revocations delivered as SETs', () => {
  beforeEach(() => open());

  it('pushes a jti revocation as a signed CAEP session-revoked SET about the token (jwt_id), per RFC 8417 and SSF 1.0', async () => {
    const stream = pushStream();
    const revocation = await revoke('jti', 'token-123');
    await core.ssfTransmitter.runOnce();

    expect(endpoint.pushes).toHaveLength(1);
    const push = endpoint.pushes[0]!;
    expect(push.url).toBe(PUSH_URL);
    expect(push.headers).toMatchObject({ 'content-type': 'application/secevent+jwt', authorization: 'Bearer receiver-secret' });
    const { header, claims } = await openSet(push.body);
    expect(header).toEqual({ alg: 'ES256', typ: 'secevent+jwt', kid: (core.ssfTransmitter.jwks().keys[0] as { kid: string }).kid });
    expect(claims).toEqual({
      iss: ISSUER,
      aud: stream.aud,
      iat: Math.floor(fixture.time.now / 1000),
      jti: expect.any(String),
      sub_id: { format: 'jwt_id', iss: ISSUER, jti: 'token-123' },
      events: {
        [SESSION_REVOKED]: { event_timestamp: Math.floor(revocation.revokedAt / 1000), initiating_entity: 'admin', reason_admin: { en: 'test revocation' } },
      },
      txn: revocation.id,
    });
    expect(claims).not.toHaveProperty('exp');
    expect(claims).not.toHaveProperty('sub');
  });

  it('turns a sub revocation into session-revoked about the user (iss_sub), plus RISC sessions-revoked only for streams asking for it', async () => {
    pushStream([SESSION_REVOKED]);
    const both = pushStream([SESSION_REVOKED, RISC_SESSIONS_REVOKED], OTHER);
    await revoke('sub', 'user-42');
    await core.ssfTransmitter.runOnce();
    const sets = await Promise.all(endpoint.pushes.map((p) => openSet(p.body)));
    const byAud = (aud: string) => sets.filter((s) => s.claims['aud'] === aud).map((s) => Object.keys(s.claims['events'] as object)[0]);
    expect(byAud('rx-1')).toEqual([SESSION_REVOKED]);
    expect(byAud(both.aud).sort()).toEqual([RISC_SESSIONS_REVOKED, SESSION_REVOKED].sort());
    for (const set of sets) expect(set.claims['sub_id']).toEqual({ format: 'iss_sub', iss: ISSUER, sub: 'user-42' });
    // One underlying revocation: one txn across its SETs.
    expect(new Set(sets.map((s) => s.claims['txn'])).size).toBe(1);
  });

  it('sends sid as a session subject, and nothing for client_id (no SSF subject names all tokens of a client)', async () => {
    pushStream();
    await revoke('client_id', 'some-client');
    await revoke('sid', 'session-9');
    await core.ssfTransmitter.runOnce();
    expect(endpoint.pushes).toHaveLength(1);
    expect((await openSet(endpoint.pushes[0]!.body)).claims['sub_id']).toEqual({ format: 'complex', session: { format: 'opaque', id: 'session-9' } });
  });

  it('retries a failed push from the queue with backoff, in order, and delivers once the receiver answers', async () => {
    pushStream();
    endpoint.answer = () => new Error('connect ECONNREFUSED');
    await revoke('jti', 'first');
    await revoke('jti', 'second');
    await core.ssfTransmitter.runOnce();
    expect(endpoint.pushes).toHaveLength(0);

    // Not due yet: nothing is tried again (the backoff is 0.5..1 s for the first retry).
    endpoint.answer = () => 202;
    await core.ssfTransmitter.runOnce();
    expect(endpoint.pushes).toHaveLength(0);

    fixture.time.now += 1_001;
    await core.ssfTransmitter.runOnce();
    const subjects = await Promise.all(endpoint.pushes.map(async (p) => ((await openSet(p.body)).claims['sub_id'] as { jti: string }).jti));
    expect(subjects).toEqual(['first', 'second']);
    await core.ssfTransmitter.runOnce();
    expect(endpoint.pushes).toHaveLength(2);
  });

  it('backs off exponentially up to the cap while the receiver stays down', async () => {
    fixture.cleanup();
    await open({ backoff: { initialMs: 1000, maxMs: 4000, multiplier: 2 } });
    pushStream();
    let attempts = 0;
    endpoint.answer = () => {
      attempts += 1;
      return 503;
    };
    await revoke('jti', 'tok');
    await core.ssfTransmitter.runOnce();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { next_attempt_at } = core.store.db.prepare<[], { next_attempt_at: number }>("SELECT next_attempt_at FROM ssf_out_deliveries WHERE state = 'pending'").get()!;
      delays.push(next_attempt_at - fixture.time.now);
      fixture.time.now = next_attempt_at;
      await core.ssfTransmitter.runOnce();
    }
    expect(attempts).toBe(6);
    // Equal jitter: each delay lies in [base/2, base], base = 1 s, 2 s, 4 s, then capped at 4 s.
    [1000, 2000, 4000, 4000, 4000].forEach((base, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(base / 2);
      expect(delays[i]).toBeLessThanOrEqual(base);
    });
  });

  it('shows operators each stream with what waits, since when, and the last push error', async () => {
    const stream = pushStream();
    endpoint.answer = () => 503;
    const revocation = await revoke('jti', 'waiting');
    await core.ssfTransmitter.runOnce();
    expect(core.ssfTransmitter.overview()).toEqual([
      {
        stream_id: stream.stream_id,
        client_id: 'rx-1',
        status: 'enabled',
        status_reason: null,
        delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: PUSH_URL },
        events_delivered: [SESSION_REVOKED],
        created_at: expect.any(String),
        pending: 1,
        oldest_pending_at: new Date(fixture.time.now).toISOString(),
        failed: 0,
        last_error: 'HTTP 503',
      },
    ]);
    expect(revocation.revokedAt).toBe(fixture.time.now);
  });

  it('drops a SET the receiver refuses with 400 (RFC 8935 err) and goes on with the next', async () => {
    pushStream();
    let first = true;
    endpoint.answer = () => {
      const answer = first ? 400 : 202;
      first = false;
      return answer;
    };
    await revoke('jti', 'refused');
    await revoke('jti', 'accepted');
    await core.ssfTransmitter.runOnce();
    fixture.time.now += 3_600_000;
    await core.ssfTransmitter.runOnce();
    expect(endpoint.attempts).toBe(2);
    expect(endpoint.pushes).toHaveLength(1);
    expect(((await openSet(endpoint.pushes[0]!.body)).claims['sub_id'] as { jti: string }).jti).toBe('accepted');
    const failed = core.store.db.prepare<[], { last_error: string }>("SELECT last_error FROM ssf_out_deliveries WHERE state = 'failed'").all();
    expect(failed).toEqual([{ last_error: 'invalid_key: unknown kid' }]);
  });

  it('holds SETs while a stream is paused and delivers them when it is enabled; a disabled stream drops them', async () => {
    const stream = pushStream();
    core.ssfTransmitter.updateStatus(RX, { stream_id: stream.stream_id, status: 'paused' });
    await revoke('jti', 'held');
    await core.ssfTransmitter.runOnce();
    expect(endpoint.pushes).toHaveLength(0);

    expect(core.ssfTransmitter.updateStatus(RX, { stream_id: stream.stream_id, status: 'enabled' })).toEqual({ stream_id: stream.stream_id, status: 'enabled' });
    await core.ssfTransmitter.runOnce();
    expect(endpoint.pushes).toHaveLength(1);

    endpoint.answer = () => 503;
    await revoke('jti', 'dropped');
    await core.ssfTransmitter.runOnce();
    core.ssfTransmitter.updateStatus(RX, { stream_id: stream.stream_id, status: 'disabled', reason: 'not needed' });
    await revoke('jti', 'never-queued');
    await core.ssfTransmitter.runOnce();
    endpoint.answer = () => 202;
    core.ssfTransmitter.updateStatus(RX, { stream_id: stream.stream_id, status: 'enabled' });
    fixture.time.now += 3_600_000;
    await core.ssfTransmitter.runOnce();
    expect(endpoint.pushes).toHaveLength(1);
    expectInvalid(() => core.ssfTransmitter.updateStatus(RX, { stream_id: stream.stream_id, status: 'stopped' }), 'status');
  });

  it('does not write its cursor on every commit while nothing is queued (no fsync added to the revocation path)', async () => {
    const cursorInStore = () => core.store.db.prepare<[], { outbox_seq: number }>('SELECT outbox_seq FROM ssf_out_cursor').get()!.outbox_seq;
    const before = cursorInStore();
    await revoke('jti', 'nobody-listens');
    await core.ssfTransmitter.runOnce();
    expect(cursorInStore()).toBe(before);
    fixture.time.now += 5_000;
    await revoke('jti', 'still-nobody');
    await core.ssfTransmitter.runOnce();
    expect(cursorInStore()).toBeGreaterThan(before);
    // A stream created now does not get what was accepted before it.
    pushStream();
    await core.ssfTransmitter.runOnce();
    expect(endpoint.attempts).toBe(0);
  });

  it('keeps queued SETs across a restart (durable queue)', async () => {
    pushStream();
    endpoint.answer = () => 503;
    await revoke('sub', 'user-1');
    await core.ssfTransmitter.runOnce();
    core.close();
    const after = new FakeEndpoint();
    core = await fixture.reopen({ ssfTransmitter: { intervalMs: 3_600_000, fetch: after.fetch } });
    fixture.time.now += 3_600_000;
    await core.ssfTransmitter.runOnce();
    expect(after.pushes).toHaveLength(1);
    expect((await openSet(after.pushes[0]!.body)).claims['sub_id']).toEqual({ format: 'iss_sub', iss: ISSUER, sub: 'user-1' });
  });
});

describe('SSF transmitter: poll delivery (RFC 8936) and verification', () => {
  beforeEach(() => open());

  it('returns pending SETs up to maxEvents, forgets acknowledged ones and those reported in setErrs', async () => {
    const stream = core.ssfTransmitter.createStream(RX, { events_requested: [SESSION_REVOKED] });
    for (const jti of ['a', 'b', 'c']) await revoke('jti', jti);
    await core.ssfTransmitter.runOnce();

    const first = await core.ssfTransmitter.poll(RX, stream.stream_id, { maxEvents: 2, returnImmediately: true });
    expect(Object.keys(first.sets)).toHaveLength(2);
    expect(first.moreAvailable).toBe(true);
    const [ackJti, errJti] = Object.keys(first.sets);
    const second = await core.ssfTransmitter.poll(RX, stream.stream_id, { ack: [ackJti!], setErrs: { [errJti!]: { err: 'invalid_audience', description: 'not for us' } }, returnImmediately: true });
    expect(Object.keys(second.sets)).toHaveLength(1);
    expect(second.moreAvailable).toBe(false);
    const last = (await openSet(Object.values(second.sets)[0]!)).claims['sub_id'];
    expect(last).toEqual({ format: 'jwt_id', iss: ISSUER, jti: 'c' });
    const third = await core.ssfTransmitter.poll(RX, stream.stream_id, { ack: Object.keys(second.sets), returnImmediately: true });
    expect(third).toEqual({ sets: {}, moreAvailable: false });
  });

  it('refuses malformed polls and polls of push streams; a paused poll stream returns nothing', async () => {
    const poll = core.ssfTransmitter.createStream(RX, { events_requested: [SESSION_REVOKED] });
    const push = pushStream();
    await expect(core.ssfTransmitter.poll(RX, poll.stream_id, { maxEvents: -1 })).rejects.toThrow(SsfRequestInvalidError);
    await expect(core.ssfTransmitter.poll(RX, poll.stream_id, { ack: 'a' })).rejects.toThrow(SsfRequestInvalidError);
    await expect(core.ssfTransmitter.poll(RX, poll.stream_id, { wait: true })).rejects.toThrow(SsfRequestInvalidError);
    await expect(core.ssfTransmitter.poll(RX, push.stream_id, {})).rejects.toThrow(SsfRequestInvalidError);
    await expect(core.ssfTransmitter.poll(OTHER, poll.stream_id, {})).rejects.toThrow(SsfStreamNotFoundError);

    core.ssfTransmitter.updateStatus(RX, { stream_id: poll.stream_id, status: 'paused' });
    await revoke('jti', 'x');
    await core.ssfTransmitter.runOnce();
    expect(await core.ssfTransmitter.poll(RX, poll.stream_id, { returnImmediately: true })).toEqual({ sets: {}, moreAvailable: false });
  });

  it('a long poll returns as soon as a SET is queued for its stream', async () => {
    const stream = core.ssfTransmitter.createStream(RX, { events_requested: [SESSION_REVOKED] });
    const waiting = core.ssfTransmitter.poll(RX, stream.stream_id, {});
    await revoke('jti', 'while-polling');
    await core.ssfTransmitter.runOnce();
    const answer = await waiting;
    expect(Object.keys(answer.sets)).toHaveLength(1);
  });

  it('a long poll answers at once when the transmitter stops (a server closing is not held for 10 s)', async () => {
    const stream = core.ssfTransmitter.createStream(RX, { events_requested: [SESSION_REVOKED] });
    const waiting = core.ssfTransmitter.poll(RX, stream.stream_id, {});
    await core.ssfTransmitter.stop();
    expect(await waiting).toEqual({ sets: {}, moreAvailable: false });
  });

  it('sends a verification SET about the stream with the state, at most once per min_verification_interval', async () => {
    const stream = pushStream();
    await core.ssfTransmitter.verify(RX, { stream_id: stream.stream_id, state: 'state-1' });
    await core.ssfTransmitter.runOnce();
    const { claims } = await openSet(endpoint.pushes[0]!.body);
    expect(claims).toMatchObject({ iss: ISSUER, aud: 'rx-1', sub_id: { format: 'opaque', id: stream.stream_id }, events: { [VERIFICATION]: { state: 'state-1' } } });
    expect(claims).not.toHaveProperty('txn');

    await expect(core.ssfTransmitter.verify(RX, { stream_id: stream.stream_id })).rejects.toThrow(SsfTooManyRequestsError);
    fixture.time.now += 10_000;
    await core.ssfTransmitter.verify(RX, { stream_id: stream.stream_id });
    await expect(core.ssfTransmitter.verify(RX, {})).rejects.toThrow(SsfRequestInvalidError);
    core.ssfTransmitter.updateStatus(RX, { stream_id: stream.stream_id, status: 'disabled' });
    fixture.time.now += 10_000;
    await expect(core.ssfTransmitter.verify(RX, { stream_id: stream.stream_id })).rejects.toThrow(/disabled/);
  });
});

describe('SSF transmitter: receiver authentication', () => {
  beforeEach(() => open());

  async function tokenFor(clientId: string, scopes: readonly string[], audience = ISSUER): Promise<string> {
    const client = core.clients.register({ clientId, audiences: [audience], scopes: [...scopes] });
    return (await core.tokens.issueClientCredentials(client, { scope: scopes.join(' '), audience })).accessToken;
  }

  it('accepts this authority’s client-credentials tokens with ssf.manage (all) or ssf.read (reads only)', async () => {
    const manage = await tokenFor('rx-manage', ['ssf.manage']);
    expect(await core.ssfTransmitter.authenticate(`Bearer ${manage}`, 'manage')).toEqual({ clientId: 'rx-manage', scopes: ['ssf.manage'] });
    const read = await tokenFor('rx-read', ['ssf.read']);
    expect((await core.ssfTransmitter.authenticate(`Bearer ${read}`, 'read')).clientId).toBe('rx-read');
    await expect(core.ssfTransmitter.authenticate(`Bearer ${read}`, 'manage')).rejects.toThrow(SsfReceiverForbiddenError);
    const none = await tokenFor('rx-none', ['orders:read']);
    await expect(core.ssfTransmitter.authenticate(`Bearer ${none}`, 'read')).rejects.toThrow(SsfReceiverForbiddenError);
  });

  it('refuses missing, malformed, foreign-audience, expired and revoked tokens', async () => {
    await expect(core.ssfTransmitter.authenticate(undefined, 'read')).rejects.toThrow(SsfReceiverUnauthorizedError);
    await expect(core.ssfTransmitter.authenticate('Basic cng6c2VjcmV0', 'read')).rejects.toThrow(SsfReceiverUnauthorizedError);
    await expect(core.ssfTransmitter.authenticate('Bearer not.a.token', 'read')).rejects.toThrow(SsfReceiverUnauthorizedError);
    const elsewhere = await tokenFor('rx-api', ['ssf.manage'], 'orders-api');
    await expect(core.ssfTransmitter.authenticate(`Bearer ${elsewhere}`, 'read')).rejects.toThrow(/aud/);

    const token = await tokenFor('rx-revoked', ['ssf.manage']);
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
    await revoke('jti', jti);
    await expect(core.ssfTransmitter.authenticate(`Bearer ${token}`, 'read')).rejects.toThrow(/revoked/);

    const old = await tokenFor('rx-expired', ['ssf.manage']);
    fixture.time.now += 3_600_000;
    await expect(core.ssfTransmitter.authenticate(`Bearer ${old}`, 'read')).rejects.toThrow(/expired/);
  });
});
