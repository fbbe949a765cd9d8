import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, type JWTPayload, type KeyObject } from 'jose';
import { openAuthorityCore, type AuthorityCore } from '../../authority-core';
import { systemAuditContext } from '../../audit/audit-context';
import { rewrapKek } from '../../kek/rewrap-kek';
import { IssuerNotTrustedError } from '../../errors/errors';
import { recordingLogger } from '../../testing/core-fixture.spec-helper';
import { SET_EVENT_TYPES } from '../set-types';
import { createFakeTransmitter, type FakeTransmitter } from './fake-transmitter.spec-helper';
import { SetRefusedError, type SetRefusalCode } from './set-refusal';
import { TransmitterExistsError, TransmitterRequestError } from './transmitter-errors';

const OWN = 'https://authority.test';
const operator = systemAuditContext('ssf-spec', 'receive the provider events, CHG-1');

describe('SSF receiver', () => {
  let dir: string;
  let kek: Buffer;
  let core: AuthorityCore;
  let fake: FakeTransmitter;
  let other: KeyObject;
  const logger = recordingLogger();
  const now = () => Date.now();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-ssf-receiver-'));
    fake = await createFakeTransmitter();
    other = (await generateKeyPair('RS256')).privateKey as KeyObject;
    logger.lines.length = 0;
    kek = randomBytes(32);
    core = await openAuthorityCore({ dataDir: dir, kek, issuer: OWN, accessTokenTtlSeconds: 300, topicPrefix: 'test.', logger, ssfReceiver: { fetch: fake.fetch } });
    core.issuers.add({ issuer: fake.issuer, description: 'fake provider' }, operator);
  });
  afterEach(async () => {
    await core.ssfReceiver.stop();
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const add = (delivery: 'push' | 'poll') =>
    core.ssfReceiver.add({ id: 'acme', configUrl: fake.configUrl, clientId: 'revmesh-receiver', clientSecret: 'receiver-secret', delivery }, operator);
  const authorizationGiven = () => String((fake.created[0]!['delivery'] as Record<string, unknown>)['authorization_header']);
  const claims = (overrides: JWTPayload = {}): JWTPayload => ({
    iss: fake.issuer,
    aud: fake.streamAud,
    iat: Math.floor(now() / 1000),
    jti: `set-${randomBytes(6).toString('hex')}`,
    events: { [SET_EVENT_TYPES['caep.credential-change']]: { event_timestamp: Math.floor(now() / 1000) - 1 } },
    sub_id: { format: 'iss_sub', iss: fake.issuer, sub: 'alice-id' },
    ...overrides,
  });
  const revocationCount = () => (core.store.db.prepare('SELECT COUNT(*) AS n FROM revocations').get() as { n: number }).n;
  async function refusal(run: () => Promise<unknown>): Promise<SetRefusalCode> {
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SetRefusedError);
    return (error as SetRefusedError).code;
  }

  it('registers a push transmitter: a stream to its own push endpoint with a fresh authorization header, stored without it, audited', async () => {
    const added = await add('push');
    expect(fake.created).toEqual([
      expect.objectContaining({
        delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: `${OWN}/ssf/receiver/push/acme`, authorization_header: expect.stringMatching(/^Bearer [A-Za-z0-9_-]{43}$/) },
        events_requested: expect.arrayContaining([SET_EVENT_TYPES['caep.session-revoked'], SET_EVENT_TYPES['risc.account-disabled']]),
      }),
    ]);
    expect(added).toMatchObject({ id: 'acme', issuer: fake.issuer, delivery: 'push', streamId: 'stream-1', status: 'created', createdBy: 'ssf-spec', lastSetAt: null });
    expect(JSON.stringify(core.ssfReceiver.list())).not.toContain(authorizationGiven().slice(7));
    const row = JSON.stringify(core.store.db.prepare('SELECT * FROM ssf_transmitters').all());
    expect(row).not.toContain(authorizationGiven().slice(7));
    expect(row).not.toContain('receiver-secret');
    const audit = core.store.db.prepare("SELECT action, target FROM audit_log WHERE action LIKE 'ssf.%'").all();
    expect(audit).toEqual([{ action: 'ssf.transmitters.create', target: 'acme' }]);
    await expect(add('push')).rejects.toBeInstanceOf(TransmitterExistsError);
    expect(await core.ssfReceiver.refresh('acme')).toMatchObject({ status: 'enabled' });
  });

  it('refuses a transmitter whose issuer is not trusted, and one whose credentials fail, storing nothing', async () => {
    core.issuers.setEnabled(fake.issuer, false, operator);
    await expect(add('push')).rejects.toBeInstanceOf(IssuerNotTrustedError);
    core.issuers.setEnabled(fake.issuer, true, operator);
    await expect(core.ssfReceiver.add({ id: 'acme', configUrl: fake.configUrl, clientId: 'revmesh-receiver', clientSecret: 'wrong', delivery: 'push' }, operator)).rejects.toThrow(
      TransmitterRequestError,
    );
    await expect(core.ssfReceiver.add({ id: 'acme', configUrl: 'https://sso.example.test/elsewhere/.well-known/ssf-configuration', clientId: 'x', clientSecret: 'y', delivery: 'push' }, operator)).rejects.toThrow(
      TransmitterRequestError,
    );
    expect(core.ssfReceiver.list()).toEqual([]);
    expect(fake.created).toEqual([]);
  });

  it('applies a pushed SET as a revocation by the transmitter, with its traceable audit entry, and a replay only once', async () => {
    await add('push');
    const signed = claims({ jti: 'set-once' });
    const set = await fake.sign(signed);
    const receipt = await core.ssfReceiver.receivePush('acme', { authorization: authorizationGiven(), body: set });
    expect(receipt).toEqual({ outcome: 'applied', jti: 'set-once', revocationIds: [expect.any(String)] });
    expect(core.ssfReceiver.get('acme').lastSetAt).toEqual(expect.any(Number));
    const revocation = core.revocations.get(receipt.revocationIds[0]!);
    expect(revocation).toMatchObject({ target: { type: 'sub', value: 'alice-id' }, iss: fake.issuer, actor: { kind: 'system', id: 'ssf:acme' } });
    // The rule covers tokens issued up to the event's own time (read back from the SET: the clock
    // may have passed a second boundary since it was signed).
    const events = signed['events'] as Record<string, { event_timestamp: number }>;
    expect(revocation.notAfterIat).toBe(events[SET_EVENT_TYPES['caep.credential-change']]!.event_timestamp);
    expect(await core.ssfReceiver.receivePush('acme', { authorization: authorizationGiven(), body: set })).toEqual({ outcome: 'duplicate', jti: 'set-once', revocationIds: [] });
    // Two deliveries at once: still one revocation.
    const racing = await fake.sign(claims({ jti: 'set-race' }));
    const both = await Promise.all([1, 2].map(() => core.ssfReceiver.receivePush('acme', { authorization: authorizationGiven(), body: racing })));
    expect(both.map((r) => r.outcome).sort()).toEqual(['applied', 'duplicate']);
    expect(revocationCount()).toBe(2);
    const audit = core.store.db.prepare("SELECT actor_id FROM audit_log WHERE action = 'revocations.create'").all();
    expect(audit).toEqual([{ actor_id: 'ssf:acme' }, { actor_id: 'ssf:acme' }]);
  });

  it('refuses pushes with the RFC 8935 codes, changing nothing and logging no SET content', async () => {
    await add('push');
    const good = await fake.sign(claims());
    const push = (body: unknown, authorization?: string) => () => core.ssfReceiver.receivePush('acme', { authorization: authorization ?? authorizationGiven(), body });
    expect(await refusal(() => core.ssfReceiver.receivePush('acme', { authorization: undefined, body: good }))).toBe('authentication_failed');
    expect(await refusal(push(good, 'Bearer wrong'))).toBe('authentication_failed');
    expect(await refusal(() => core.ssfReceiver.receivePush('nobody', { authorization: authorizationGiven(), body: good }))).toBe('authentication_failed');
    expect(await refusal(push('not a jwt'))).toBe('invalid_request');
    expect(await refusal(push(await fake.sign(claims(), { typ: 'JWT' })))).toBe('invalid_request');
    expect(await refusal(push(await fake.sign(claims(), { signer: other })))).toBe('invalid_key');
    expect(await refusal(push(await fake.sign(claims({ iss: 'https://evil.example.test' }))))).toBe('invalid_issuer');
    expect(await refusal(push(await fake.sign(claims({ aud: 'someone/else' }))))).toBe('invalid_audience');
    expect(await refusal(push(await fake.sign(claims({ iat: Math.floor(now() / 1000) - 2 * 86_400 }))))).toBe('invalid_request');
    expect(revocationCount()).toBe(0);
    expect((core.store.db.prepare('SELECT COUNT(*) AS n FROM ssf_received_sets').get() as { n: number }).n).toBe(0);
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('ssf SET refused');
    expect(logged).not.toContain('alice-id');
    expect(logged).not.toContain(good.split('.')[1]!);
  });

  it('records a verification event and the status of a stream-updated event, revoking nothing', async () => {
    await add('push');
    expect(core.ssfReceiver.get('acme').verifiedAt).toBeNull();
    const { state } = await core.ssfReceiver.requestVerification('acme', operator);
    expect(fake.verifications).toEqual([{ stream_id: 'stream-1', state }]);
    const verification = await fake.sign(claims({ events: { [SET_EVENT_TYPES['ssf.verification']]: { state } }, sub_id: { format: 'opaque', id: 'stream-1' } }));
    expect(await core.ssfReceiver.receivePush('acme', { authorization: authorizationGiven(), body: verification })).toMatchObject({ outcome: 'verification' });
    expect(core.ssfReceiver.get('acme').verifiedAt).toEqual(expect.any(Number));
    const updated = await fake.sign(claims({ events: { [SET_EVENT_TYPES['ssf.stream-updated']]: { status: 'paused' } }, sub_id: { format: 'opaque', id: 'stream-1' } }));
    expect(await core.ssfReceiver.receivePush('acme', { authorization: authorizationGiven(), body: updated })).toMatchObject({ outcome: 'stream-updated' });
    expect(core.ssfReceiver.get('acme').status).toBe('paused');
    expect(revocationCount()).toBe(0);
  });

  it('polls: acknowledges applied SETs, reports refused ones in setErrs, applies a redelivered one once', async () => {
    await add('poll');
    expect(fake.created[0]).toMatchObject({ delivery: { method: 'urn:ietf:rfc:8936' } });
    const good = await fake.sign(claims({ jti: 'p-good' }));
    fake.queue.set('p-good', good);
    fake.queue.set('p-forged', await fake.sign(claims({ jti: 'p-forged' }), { signer: other }));
    expect(await core.ssfReceiver.pollOnce('acme')).toEqual({ received: 2, moreAvailable: false });
    expect(fake.polls[0]).toEqual({ maxEvents: 100, returnImmediately: true });
    expect(revocationCount()).toBe(1);
    // The acknowledgement goes with the next request; the transmitter forgets both then.
    expect(await core.ssfReceiver.pollOnce('acme')).toEqual({ received: 0, moreAvailable: false });
    expect(fake.polls[1]).toEqual({
      maxEvents: 100,
      returnImmediately: true,
      ack: ['p-good'],
      setErrs: { 'p-forged': { err: 'invalid_key', description: 'the signature does not verify' } },
    });
    expect(fake.polls[2]).toBeUndefined();
    // A transmitter that lost our ack delivers it again: acknowledged, not applied twice.
    fake.queue.set('p-good', good);
    await core.ssfReceiver.pollOnce('acme');
    await core.ssfReceiver.pollOnce('acme');
    expect(fake.polls[3]).toMatchObject({ ack: ['p-good'] });
    expect(revocationCount()).toBe(1);
  });

  it('polls in the background once started, and removing the transmitter deletes its stream', async () => {
    await add('poll');
    core.ssfReceiver.start();
    fake.queue.set('bg-1', await fake.sign(claims({ jti: 'bg-1' })));
    for (let i = 0; i < 100 && revocationCount() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(revocationCount()).toBe(1);
    expect(await core.ssfReceiver.remove('acme', operator)).toEqual({ streamDeleted: true });
    expect(fake.deleted).toEqual(['stream-1']);
    expect(core.ssfReceiver.list()).toEqual([]);
    expect(core.store.db.prepare("SELECT action FROM audit_log WHERE action LIKE 'ssf.%' ORDER BY seq").all()).toEqual([
      { action: 'ssf.transmitters.create' },
      { action: 'ssf.transmitters.remove' },
    ]);
  });

  it("keeps the receiver's client secret sealed with the KEK, and re-wrapped by a KEK rotation", async () => {
    await add('poll');
    await core.ssfReceiver.stop();
    core.close();
    const newKek = randomBytes(32);
    rewrapKek({ dataDir: dir, currentKek: kek, newKek, actor: { kind: 'operator', id: 'ops' }, reason: 'yearly KEK rotation' });
    core = await openAuthorityCore({ dataDir: dir, kek: newKek, issuer: OWN, accessTokenTtlSeconds: 300, topicPrefix: 'test.', logger, ssfReceiver: { fetch: fake.fetch } });
    expect(core.admin.recent(1)[0]).toMatchObject({ action: 'kek.rewrap', details: { ssf_receiver_secrets: 1 } });
    // The stream API is called with the secret opened under the new KEK.
    expect(await core.ssfReceiver.refresh('acme')).toMatchObject({ status: 'enabled' });
  });

  it('rotates the push authorization (PATCH of the delivery): the new header opens the endpoint, the old one only for a grace period', async () => {
    await add('push');
    const old = authorizationGiven();
    const rotated = await core.ssfReceiver.rotatePushAuthorization('acme', operator);
    expect(rotated.streamId).toBe('stream-1');
    expect(fake.patches).toEqual([
      { stream_id: 'stream-1', delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: `${OWN}/ssf/receiver/push/acme`, authorization_header: expect.stringMatching(/^Bearer /) } },
    ]);
    const fresh = String((fake.patches[0]!['delivery'] as Record<string, unknown>)['authorization_header']);
    expect(fresh).not.toBe(old);
    expect(JSON.stringify(core.store.db.prepare('SELECT * FROM ssf_transmitters').all())).not.toContain(fresh.slice(7));
    expect(await core.ssfReceiver.receivePush('acme', { authorization: fresh, body: await fake.sign(claims()) })).toMatchObject({ outcome: 'applied' });
    // Pushes already on their way with the old header still get in, for a minute.
    expect(await core.ssfReceiver.receivePush('acme', { authorization: old, body: await fake.sign(claims()) })).toMatchObject({ outcome: 'applied' });
    expect(core.store.db.prepare("SELECT action FROM audit_log WHERE action = 'ssf.transmitters.rotate-push-authorization'").all()).toHaveLength(1);
  });

  it('pauses and resumes the stream at the transmitter (POST status), audited', async () => {
    await add('poll');
    expect(await core.ssfReceiver.setStreamStatus('acme', 'paused', 'maintenance', operator)).toMatchObject({ status: 'paused' });
    expect(await core.ssfReceiver.refresh('acme')).toMatchObject({ status: 'paused' });
    expect(await core.ssfReceiver.setStreamStatus('acme', 'enabled', undefined, operator)).toMatchObject({ status: 'enabled' });
    expect(core.store.db.prepare("SELECT json_extract(details, '$.status') AS status FROM audit_log WHERE action = 'ssf.transmitters.status' ORDER BY seq").all()).toEqual([
      { status: 'paused' },
      { status: 'enabled' },
    ]);
    await expect(core.ssfReceiver.rotatePushAuthorization('acme', operator)).rejects.toBeInstanceOf(TransmitterRequestError);
  });
});
