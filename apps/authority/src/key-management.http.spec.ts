import { encodeSidecarReport, SIDECAR_ACK, SIDECAR_HEARTBEAT, type SidecarHeartbeat } from '@revmesh/contracts';
import { decodeProtectedHeader } from 'jose';
import { systemAuditContext } from '@revmesh/authority-core';
import { startTestAuthority, type AuthorityFixture } from './testing/authority-fixture.spec-helper';

type Injected = Awaited<ReturnType<AuthorityFixture['authority']['app']['inject']>>;
type Method = 'GET' | 'POST';

describe('key management HTTP API', () => {
  let f: AuthorityFixture;
  beforeEach(async () => {
    f = await startTestAuthority();
    // These tests are about the key operations themselves: none waits for a second admin here
    // (approvals have their own tests).
    f.authority.core.securityPolicy.update({ approvals: { requiredFor: [] } }, systemAuditContext('test', 'no approvals in key tests'));
  });
  afterEach(() => f.close());

  /** As the fixture's security-admin (writes justified), or with explicit headers only. */
  const call = (method: Method, url: string, payload?: unknown, headers?: Record<string, string>) =>
    f.request({ method, url, payload, ...(headers === undefined ? {} : { as: null, headers }) });
  const json = (res: Injected): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;
  const core = () => f.authority.core;
  const activeKid = (): string => core().keyStates().find((k) => k.state === 'active')!.kid;
  const standbyKid = (): string => core().keyStates().find((k) => k.state === 'pending')!.kid;
  const waitFor = async (condition: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  const tokenKid = async (): Promise<string> => {
    const res = await f.authority.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('demo-client:demo-secret-0123456789').toString('base64')}`,
      },
      payload: 'grant_type=client_credentials',
    });
    return decodeProtectedHeader(json(res)['access_token'] as string).kid as string;
  };
  function expectProblem(res: Injected, status: number, code: string): Record<string, unknown> {
    expect({ status: res.statusCode, type: res.headers['content-type'] }).toEqual({ status, type: expect.stringMatching(/^application\/problem\+json/) });
    const body = json(res);
    expect(body).toMatchObject({ status, code });
    return body;
  }
  const fields = (body: Record<string, unknown>): string[] => (body['errors'] as { field: string }[]).map((e) => e.field).sort();
  const heartbeat = (instanceId: string, keySetVersion = 0, extra: Partial<SidecarHeartbeat> = {}): void => {
    const now = Date.now();
    core().reports.recordRaw(
      encodeSidecarReport({
        type: SIDECAR_HEARTBEAT,
        version: 1,
        instance_id: instanceId,
        sent_at: now,
        key_set_version: keySetVersion,
        started_at: now - 60_000,
        ready: true,
        audiences: ['demo-api'],
        heartbeat_interval_ms: 60_000,
        ...extra,
      }),
    );
    core().reports.flush();
  };

  describe('operator token', () => {
    const routes: [Method, string, unknown][] = [
      ['GET', '/v1/keys', undefined],
      ['GET', '/v1/keys/calendar', undefined],
      ['POST', '/v1/keys/rotate', { reason: 'r' }],
      ['POST', '/v1/keys/KID/compromise', { reason: 'r' }],
      ['GET', '/v1/rotations', undefined],
      ['GET', '/v1/rotations/some-id', undefined],
      ['POST', '/v1/rotations/some-id/rollback', { reason: 'r' }],
      ['GET', '/v1/revocations/some-id/coverage', undefined],
      ['GET', '/v1/instances', undefined],
      ['GET', '/v1/event-signers', undefined],
      ['POST', '/v1/event-signers/rotate', { reason: 'r' }],
      ['GET', '/v1/admin-actions', undefined],
    ];
    it.each(routes)('%s %s without an operator token → 401, nothing changed', async (method, url, payload) => {
      const version = core().keyEvents.version();
      const res = await call(method, url.replace('KID', activeKid()), payload, {});
      expectProblem(res, 401, 'UNAUTHORIZED');
      const wrong = await call(method, url.replace('KID', activeKid()), payload, { authorization: `Bearer ${'w'.repeat(48)}` });
      expectProblem(wrong, 401, 'UNAUTHORIZED');
      expect(core().keyEvents.version()).toBe(version);
      expect(core().keyStates().filter((k) => k.state === 'revoked')).toEqual([]);
    });

    it('serves the event signers publicly', async () => {
      const res = await f.authority.app.inject({ method: 'GET', url: '/.well-known/revmesh-event-signers.json' });
      expect(res.statusCode).toBe(200);
      expect(json(res)).toEqual({ keys: [{ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', x: expect.any(String), kid: core().eventSigners.currentKid() }] });
    });
  });

  describe('validation (400 naming the field, nothing changed)', () => {
    const cases: [string, Method, string, unknown, string[]][] = [
      ['rotate without a reason', 'POST', '/v1/keys/rotate', {}, ['reason']],
      ['rotate with a blank reason', 'POST', '/v1/keys/rotate', { reason: '  ' }, ['reason']],
      ['rotate with an unknown field', 'POST', '/v1/keys/rotate', { reason: 'r', kid: 'x' }, ['kid']],
      ['compromise with a reason too long', 'POST', '/v1/keys/KID/compromise', { reason: 'x'.repeat(1001) }, ['reason']],
      ['rollback with a bad new_key_state', 'POST', '/v1/rotations/ID/rollback', { reason: 'r', new_key_state: 'active' }, ['new_key_state']],
      ['signer rotation with an empty body', 'POST', '/v1/event-signers/rotate', {}, ['reason']],
      ['a bad limit', 'GET', '/v1/rotations?limit=0', undefined, ['limit']],
      ['a bad all flag', 'GET', '/v1/instances?all=yes', undefined, ['all']],
    ];
    it.each(cases)('%s', async (_label, method, url, payload, expected) => {
      const rotation = json(await call('POST', '/v1/keys/rotate', { reason: 'setup' }));
      const version = core().keyEvents.version();
      const res = await call(method, url.replace('KID', activeKid()).replace('ID', rotation['id'] as string), payload);
      expect(fields(expectProblem(res, 400, 'INVALID_REQUEST'))).toEqual(expected);
      expect(core().keyEvents.version()).toBe(version);
    });
  });

  describe('keys and rotations', () => {
    it('GET /v1/keys lists keys with states and no private material; the calendar shows what comes next', async () => {
      const res = await call('GET', '/v1/keys');
      expect(res.statusCode).toBe(200);
      const body = json(res) as { key_set_version: number; keys: Record<string, unknown>[] };
      expect(body.key_set_version).toBe(3);
      expect(body.keys.map((k) => k['state']).sort()).toEqual(['active', 'pending']);
      expect(res.body).not.toMatch(/"d"|sealed|wrapped/);
      const calendar = json(await call('GET', '/v1/keys/calendar'));
      const active = body.keys.find((k) => k['state'] === 'active')!;
      expect(calendar).toMatchObject({
        active_kid: active['kid'],
        standby_kid: standbyKid(),
        next_rotation_at: (active['activated_at'] as number) + 3600_000,
        rotation_period_seconds: 3600,
        prepublish_lead_seconds: 60,
        upcoming_retirements: [],
        rotation_in_progress: false,
      });
    });

    it('POST /v1/keys/rotate → 201 rotation record; tokens switch to the new key at once', async () => {
      const [from, to] = [activeKid(), standbyKid()];
      const res = await call('POST', '/v1/keys/rotate', { reason: 'manual test' });
      expect(res.statusCode).toBe(201);
      const record = json(res);
      expect(res.headers['location']).toBe(`/v1/rotations/${record['id'] as string}`);
      expect(record).toMatchObject({ kind: 'manual', status: 'completed', from_kid: from, to_kid: to, gate_outcome: 'confirmed', actor: { kind: 'operator', id: 'admin' }, reason: 'manual test' });
      expect(await tokenKid()).toBe(to);
      const calendar = json(await call('GET', '/v1/keys/calendar'));
      expect(calendar['upcoming_retirements']).toEqual([{ kid: from, retire_after: (record['promoted_at'] as number) + 120_000 + 60_000 }]);
      const actions = json(await call('GET', '/v1/admin-actions?limit=1'))['actions'] as Record<string, unknown>[];
      expect(actions[0]).toMatchObject({ action: 'keys.rotate', reason: 'manual test', actor: { kind: 'operator', id: 'admin' } });
    });

    it('answers 409 ROTATION_IN_PROGRESS while a rotation waits at its gate, and lists who never confirmed', async () => {
      heartbeat('never-confirms');
      const [first, second] = await Promise.all([call('POST', '/v1/keys/rotate', { reason: 'a' }), call('POST', '/v1/keys/rotate', { reason: 'b' })]);
      expect(first.statusCode).toBe(201);
      expect(json(first)).toMatchObject({ gate_outcome: 'timed_out', unconfirmed_instances: ['never-confirms'] });
      expectProblem(second, 409, 'ROTATION_IN_PROGRESS');
    });

    it('POST /v1/keys/:kid/compromise → 201 with each step timed; again → 409 KEY_STATE_CONFLICT naming the state; unknown → 404', async () => {
      const [compromised, standby] = [activeKid(), standbyKid()];
      const res = await call('POST', `/v1/keys/${compromised}/compromise`, { reason: 'leaked' });
      expect(res.statusCode).toBe(201);
      const record = json(res);
      expect(record).toMatchObject({ kind: 'emergency', from_kid: compromised, to_kid: standby, from_key_state: 'revoked', gate_outcome: 'skipped' });
      for (const step of ['requested_at', 'promoted_at', 'from_key_changed_at', 'standby_created_at', 'completed_at']) expect(record[step]).toEqual(expect.any(Number));
      expect(await tokenKid()).toBe(standby);
      const jwks = json(await f.authority.app.inject({ method: 'GET', url: '/.well-known/jwks.json' }))['keys'] as { kid: string }[];
      expect(jwks.map((k) => k.kid)).not.toContain(compromised);

      const again = expectProblem(await call('POST', `/v1/keys/${compromised}/compromise`, { reason: 'again' }), 409, 'KEY_STATE_CONFLICT');
      expect(again).toMatchObject({ kid: compromised, current_state: 'revoked', requested_state: 'revoked' });
      expect(again['detail']).toContain('is revoked');
      expectProblem(await call('POST', '/v1/keys/no-such-kid/compromise', { reason: 'r' }), 404, 'NOT_FOUND');
    });

    it('GET /v1/rotations/:id shows the record and per-instance confirmation of each key event', async () => {
      heartbeat('a');
      const record = json(await call('POST', '/v1/keys/rotate', { reason: 'r' }));
      await waitFor(() => core().outbox.pendingCount() === 0);
      const events = core().rotations.events(record['id'] as string);
      core().reports.recordRaw(
        encodeSidecarReport({ type: SIDECAR_ACK, version: 1, instance_id: 'a', sent_at: Date.now(), key_set_version: events[0]!.version, event_id: events[0]!.eventId, event_type: 'key.state-changed', applied_at: Date.now() }),
      );
      core().reports.flush();
      const res = await call('GET', `/v1/rotations/${record['id'] as string}`);
      expect(res.statusCode).toBe(200);
      const body = json(res) as { id: string; events: Record<string, unknown>[] };
      expect(body.id).toBe(record['id']);
      expect(body.events.map((e) => e['state'])).toEqual(['retiring', 'active', 'pending']);
      expect(body.events[0]).toMatchObject({ kid: record['from_kid'], live_instances: 1, applied: [{ instance_id: 'a', via: 'ack' }], pending: [], complete: true });
      expect(body.events[1]).toMatchObject({ kid: record['to_kid'], applied: [], pending: [{ instance_id: 'a' }], complete: false });
      const list = json(await call('GET', '/v1/rotations'))['rotations'] as { id: string }[];
      expect(list.map((r) => r.id)).toEqual([record['id']]);
      expectProblem(await call('GET', '/v1/rotations/unknown'), 404, 'NOT_FOUND');
    });

    it('POST /v1/rotations/:id/rollback restores the previous key (201); onto a revoked key → 409 ROLLBACK_TARGET_REVOKED; unknown → 404', async () => {
      const from = activeKid();
      const rotation = json(await call('POST', '/v1/keys/rotate', { reason: 'r' }));
      const res = await call('POST', `/v1/rotations/${rotation['id'] as string}/rollback`, { reason: 'new key misbehaves' });
      expect(res.statusCode).toBe(201);
      expect(json(res)).toMatchObject({ kind: 'rollback', rollback_of: rotation['id'], to_kid: from, from_kid: rotation['to_kid'], from_key_state: 'retired' });
      expect(await tokenKid()).toBe(from);
      expectProblem(await call('POST', `/v1/rotations/${rotation['id'] as string}/rollback`, { reason: 'twice' }), 409, 'ROTATION_NOT_ROLLBACKABLE');

      const emergency = json(await call('POST', `/v1/keys/${activeKid()}/compromise`, { reason: 'leak' }));
      const refused = expectProblem(await call('POST', `/v1/rotations/${emergency['id'] as string}/rollback`, { reason: 'undo' }), 409, 'ROLLBACK_TARGET_REVOKED');
      expect(refused['detail']).toContain('revoked');
      expectProblem(await call('POST', '/v1/rotations/unknown/rollback', { reason: 'r' }), 404, 'NOT_FOUND');
    });
  });

  describe('instances and coverage', () => {
    it('GET /v1/instances lists live instances from heartbeats', async () => {
      heartbeat('svc-1', 3);
      const body = json(await call('GET', '/v1/instances'));
      expect(body).toMatchObject({ live_instances: 1, instances: [{ instance_id: 'svc-1', live: true, ready: true, key_set_version: 3, audiences: ['demo-api'], heartbeat_interval_ms: 60_000, staleness: null }] });
    });

    it('GET /v1/instances shows the staleness a heartbeat reports: stale, default policy, fail-open acceptances', async () => {
      heartbeat('svc-open', 3, { staleness: { stale: true, policy: 'fail-open-UNSAFE', fail_open_accepted: 9 } });
      const body = json(await call('GET', '/v1/instances'));
      expect(body['instances']).toEqual([expect.objectContaining({ instance_id: 'svc-open', staleness: { stale: true, policy: 'fail-open-UNSAFE', fail_open_accepted: 9 } })]);
    });

    it('GET /v1/revocations/:id/coverage → applied / covered_at_start / pending; 404 for an unknown id', async () => {
      heartbeat('svc-1');
      heartbeat('svc-2');
      const revocation = json(await call('POST', '/v1/revocations', { target: 'sub', value: 'alice', reason: 'r' }));
      await waitFor(() => core().outbox.pendingCount() === 0);
      const eventId = core().revocations.get(revocation['id'] as string).eventId!;
      core().reports.recordRaw(
        encodeSidecarReport({ type: SIDECAR_ACK, version: 1, instance_id: 'svc-1', sent_at: Date.now(), key_set_version: 3, event_id: eventId, event_type: 'revocation.issued', applied_at: Date.now() }),
      );
      core().reports.flush();
      const res = await call('GET', `/v1/revocations/${revocation['id'] as string}/coverage`);
      expect(res.statusCode).toBe(200);
      expect(json(res)).toEqual({
        revocation_id: revocation['id'],
        event_id: eventId,
        published_at: expect.any(Number),
        live_instances: 2,
        applied: [{ instance_id: 'svc-1', applied_at: expect.any(Number), via: 'ack' }],
        covered_at_start: [],
        pending: [{ instance_id: 'svc-2', last_heartbeat_at: expect.any(Number) }],
        complete: false,
      });
      expectProblem(await call('GET', '/v1/revocations/unknown/coverage'), 404, 'NOT_FOUND');
    });
  });

  describe('event signers', () => {
    it('POST /v1/event-signers/rotate → 201; both signers trusted during the overlap', async () => {
      const previous = core().eventSigners.currentKid();
      const res = await call('POST', '/v1/event-signers/rotate', { reason: 'yearly' });
      expect(res.statusCode).toBe(201);
      const body = json(res);
      expect(body).toMatchObject({ previous_kid: previous, current_kid: expect.any(String), gate: { outcome: 'confirmed' } });
      const wellKnown = json(await f.authority.app.inject({ method: 'GET', url: '/.well-known/revmesh-event-signers.json' }))['keys'] as { kid: string }[];
      expect(wellKnown.map((k) => k.kid).sort()).toEqual([previous, body['current_kid']].sort());
      const list = json(await call('GET', '/v1/event-signers'));
      expect(list).toMatchObject({ current_kid: body['current_kid'] });
      expect((list['signers'] as { state: string }[]).map((s) => s.state).sort()).toEqual(['active', 'overlap']);
    });
  });
});
