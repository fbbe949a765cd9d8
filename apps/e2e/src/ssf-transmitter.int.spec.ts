import { randomBytes } from 'node:crypto';
import type { Sidecar } from '@revmesh/sidecar';
import { adminApi, claimsOf, issueToken, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import {
  clientCredentialsToken,
  discoverTransmitter,
  managementCall,
  poll,
  setVerifier,
  SpecPushReceiver,
  type TransmitterConfiguration,
  type VerifiedSet,
} from './support/ssf-spec-receiver';
import { eventually, uniquePrefix } from './support/wait';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';

const subjectOf = (set: VerifiedSet): Record<string, unknown> | undefined => set.sub_id;

/**
 * Interop the other way: revmesh as an SSF transmitter, subscribed to by a receiver built only
 * from the specifications (./support/ssf-spec-receiver.ts: node:http + jose). The authority is a
 * real process on the real broker; a sidecar shows that revocations reach services whatever the
 * receivers do.
 */
describe('revmesh as an SSF transmitter, seen by a receiver written from the specifications', () => {
  let authority: AuthorityHandle;
  let sidecar: Sidecar;
  let metadata: TransmitterConfiguration;
  let token: string;
  let receiver: SpecPushReceiver;
  const clientId = `spec-receiver-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: uniquePrefix('ssf-transmitter'),
      // The receiver listens on loopback http; retries at most a second apart.
      extraEnv: { REVMESH_SSF_ALLOW_INSECURE_PUSH: 'true', REVMESH_SSF_PUSH_BACKOFF_MAX_MS: '1000' },
    });
    [sidecar] = (await startSidecars(authority, 1)) as [Sidecar];
    // An operator registers the receiver as an OAuth client whose tokens are meant for the transmitter.
    const registered = await adminApi(authority, 'POST', '/v1/clients', { client_id: clientId, audiences: [authority.url], scopes: ['ssf.manage', 'ssf.read'] });
    expect(registered.status).toBe(201);
    metadata = await discoverTransmitter(authority.url);
    token = await clientCredentialsToken(authority.url, clientId, String(registered.body['client_secret']), 'ssf.manage ssf.read');
    receiver = new SpecPushReceiver(`Bearer ${randomBytes(16).toString('base64url')}`);
    await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await sidecar?.close();
    await authority?.process.stop();
  });

  const receivedAbout = (predicate: (subject: Record<string, unknown>) => boolean): VerifiedSet | undefined =>
    receiver.received.find((set) => set.events[SESSION_REVOKED] !== undefined && predicate(subjectOf(set) ?? {}));

  it('discovers the transmitter, creates a push stream and receives the verification SET it asked for', async () => {
    expect(metadata).toMatchObject({ spec_version: '1_0', delivery_methods_supported: expect.arrayContaining(['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936']) });
    const created = await managementCall('POST', metadata.configuration_endpoint, token, {
      delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url, authorization_header: receiver.authorization },
      events_requested: [SESSION_REVOKED],
      description: 'spec receiver, push',
    });
    expect(created.status).toBe(201);
    const stream = created.body as { stream_id: string; iss: string; aud: string; events_delivered: string[] };
    expect(stream.iss).toBe(metadata.issuer);
    expect(stream.events_delivered).toEqual([SESSION_REVOKED]);
    receiver.verify = setVerifier(metadata, stream.aud);

    const state = randomBytes(12).toString('base64url');
    expect((await managementCall('POST', metadata.verification_endpoint, token, { stream_id: stream.stream_id, state })).status).toBe(204);
    await eventually('verification SET received', () => receiver.received.some((set) => set.events[VERIFICATION]?.['state'] === state));
    const verification = receiver.received.find((set) => set.events[VERIFICATION] !== undefined)!;
    expect(verification.sub_id).toEqual({ format: 'opaque', id: stream.stream_id });
    expect(receiver.refusals).toEqual([]);
  });

  it('receives a jti and a sub revocation as valid CAEP session-revoked SETs', async () => {
    const revokedToken = await issueToken(authority);
    const jti = String(claimsOf(revokedToken)['jti']);
    const revokedAt = Date.now();
    const byJti = await revoke(authority, 'jti', jti);
    const bySub = await revoke(authority, 'sub', 'alice@example.test');
    expect([byJti.status, bySub.status]).toEqual([202, 202]);

    await eventually('jti SET received', () => receivedAbout((s) => s['format'] === 'jwt_id' && s['jti'] === jti) !== undefined);
    await eventually('sub SET received', () => receivedAbout((s) => s['format'] === 'iss_sub' && s['sub'] === 'alice@example.test') !== undefined);
    const jtiSet = receivedAbout((s) => s['jti'] === jti)!;
    // A figure for the record, not an assertion: revocation request sent → SET verified at the receiver.
    console.log(`SSF push: revocation request → SET verified by the receiver in ${receiver.receivedAt[receiver.received.indexOf(jtiSet)]! - revokedAt} ms`);
    expect(jtiSet.sub_id).toEqual({ format: 'jwt_id', iss: authority.url, jti });
    expect(jtiSet.txn).toBe(byJti.body.id);
    expect(jtiSet.events[SESSION_REVOKED]).toMatchObject({ event_timestamp: expect.any(Number), initiating_entity: 'admin' });
    expect(receivedAbout((s) => s['sub'] === 'alice@example.test')!.sub_id).toEqual({ format: 'iss_sub', iss: authority.url, sub: 'alice@example.test' });
    expect(receiver.refusals).toEqual([]);
  });

  it('gets the same by polling (RFC 8936), acknowledging what it processed', async () => {
    const created = await managementCall('POST', metadata.configuration_endpoint, token, { delivery: { method: 'urn:ietf:rfc:8936' }, events_requested: [SESSION_REVOKED] });
    expect(created.status).toBe(201);
    const stream = created.body as { aud: string; delivery: { endpoint_url: string } };
    const verify = setVerifier(metadata, stream.aud);
    const revokedToken = await issueToken(authority);
    const jti = String(claimsOf(revokedToken)['jti']);
    await revoke(authority, 'jti', jti);

    let pending: Record<string, string> = {};
    await eventually('SET available by poll', async () => {
      pending = (await poll(stream.delivery.endpoint_url, token, { returnImmediately: true })).sets;
      return Object.keys(pending).length > 0;
    });
    const sets = await Promise.all(Object.values(pending).map(verify));
    expect(sets.map(subjectOf)).toContainEqual({ format: 'jwt_id', iss: authority.url, jti });
    const afterAck = await poll(stream.delivery.endpoint_url, token, { ack: Object.keys(pending), returnImmediately: true });
    expect(afterAck.sets).toEqual({});
  });

  it('while the receiver is down a revocation still reaches the sidecar, and the receiver gets the queued SET once it is back', async () => {
    const revokedToken = await issueToken(authority);
    expect(await sidecar.verify(revokedToken)).toMatchObject({ ok: true });
    const jti = String(claimsOf(revokedToken)['jti']);

    await receiver.stop();
    const { status } = await revoke(authority, 'jti', jti);
    expect(status).toBe(202);
    // The sidecar learns it through Kafka, independently of the unreachable receiver.
    await eventually('revocation applied by the sidecar', async () => !(await sidecar.verify(revokedToken)).ok);
    expect(await sidecar.verify(revokedToken)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(receivedAbout((s) => s['jti'] === jti)).toBeUndefined();

    // Back, but still unavailable: the transmitter keeps retrying from its queue...
    receiver.mode = 'unavailable';
    await receiver.start();
    await eventually('a retry while the receiver answers 503', () => receiver.unavailableAnswers > 0);
    expect(receivedAbout((s) => s['jti'] === jti)).toBeUndefined();
    // ...and delivers once it accepts again.
    receiver.mode = 'accepting';
    await eventually('queued SET delivered after the receiver came back', () => receivedAbout((s) => s['jti'] === jti) !== undefined);
    expect(receiver.refusals).toEqual([]);
  });
});
