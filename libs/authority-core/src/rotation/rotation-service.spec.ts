import type { KeyStateChangedEvent } from '@revmesh/contracts';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  KeyNotFoundError,
  KeyStateConflictError,
  RollbackTargetRevokedError,
  RotationInProgressError,
  RotationNotFoundError,
  RotationNotRollbackableError,
} from '../errors/errors';
import { ack, heartbeat, openCoreFixture, openOutbox, publishAll, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';

const ADMIN = { kind: 'admin-key' as const, id: 'admin' };

describe('rotation service', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await openCoreFixture();
    publishAll(f.core, f.time.now);
    // The relay: whatever is queued reaches the broker while the code under test waits.
    f.time.onSleep = (now) => publishAll(f.core, now);
  });
  afterEach(() => f.cleanup());

  const state = (kid: string | null): string | undefined => f.core.keyStates().find((k) => k.kid === kid)?.state;
  const statesByRole = () => {
    const keys = f.core.keyStates();
    return {
      active: keys.filter((k) => k.state === 'active').map((k) => k.kid),
      pending: keys.filter((k) => k.state === 'pending').map((k) => k.kid),
    };
  };
  const keyEventsAfter = async (seq: number): Promise<KeyStateChangedEvent[]> =>
    (await openOutbox(f.core, trustIn(f.core.eventSigners.trusted()), 'test.keys.v1'))
      .filter((row) => row.seq > seq)
      .map((row) => row.event as KeyStateChangedEvent);
  const lastSeq = (): number => (f.core.store.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM outbox').pluck().get() as number);
  const client = () => f.core.clients.ensure({ clientId: 'svc', clientSecret: 'secret-secret-secret', audiences: ['api'], scopes: [] });
  const tokenKid = async (): Promise<string> =>
    decodeProtectedHeader((await f.core.tokens.issueClientCredentials(client(), {})).accessToken).kid as string;

  describe('staged rotation (manual and scheduled)', () => {
    it('promotes the standby, retires the old key with retire_after, pre-publishes a new standby; tokens switch at once', async () => {
      const { active: [oldKid], pending: [standby] } = statesByRole();
      expect(await tokenKid()).toBe(oldKid);
      const seq = lastSeq();
      const record = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'quarterly' });
      expect(record).toMatchObject({
        kind: 'manual',
        status: 'completed',
        fromKid: oldKid,
        toKid: standby,
        gateOutcome: 'confirmed',
        unconfirmedInstances: [],
        fromKeyState: 'retiring',
        actor: ADMIN,
        reason: 'quarterly',
      });
      expect(record.newStandbyKid).toEqual(expect.any(String));
      expect(state(oldKid!)).toBe('retiring');
      expect(state(standby!)).toBe('active');
      expect(state(record.newStandbyKid)).toBe('pending');
      expect(await tokenKid()).toBe(standby);
      const retiring = f.core.keyStates().find((k) => k.kid === oldKid)!;
      expect(retiring.retireAfter).toBe(record.promotedAt! + 300_000 + 60_000);

      const events = await keyEventsAfter(seq);
      expect(events.map((e) => [e.payload.kid, e.payload.state])).toEqual([
        [oldKid, 'retiring'],
        [standby, 'active'],
        [record.newStandbyKid, 'pending'],
      ]);
      expect(events.every((e) => e.payload.rotation_id === record.id && e.payload.reason === 'quarterly')).toBe(true);
      expect(events[0]!.payload.retire_after).toBe(retiring.retireAfter);
      expect(f.core.admin.recent(1)[0]).toMatchObject({ action: 'keys.rotate', target: oldKid, actor: ADMIN, reason: 'quarterly' });
    });

    it('new tokens verify against the JWKS, which shows the retiring key too (old tokens keep verifying)', async () => {
      const old = (await f.core.tokens.issueClientCredentials(client(), {})).accessToken;
      await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
      const fresh = (await f.core.tokens.issueClientCredentials(client(), {})).accessToken;
      const jwks = createLocalJWKSet({ keys: [...f.core.keys.jwks().keys] });
      for (const token of [old, fresh]) {
        await expect(jwtVerify(token, jwks, { currentDate: new Date(f.time.now) })).resolves.toBeDefined();
      }
      expect(f.core.keys.jwks().keys).toHaveLength(3);
    });

    it('refuses a second staged rotation while one waits at its gate', async () => {
      f.core.reports.recordReport(heartbeat('slow', { sent_at: f.time.now }));
      f.core.reports.flush();
      const first = f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'one' });
      await expect(f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'two' })).rejects.toBeInstanceOf(RotationInProgressError);
      await first;
    });
  });

  describe('promotion gate', () => {
    it('waits until every live instance acknowledged the standby, then promotes', async () => {
      const { pending: [standby] } = statesByRole();
      const pendingEvent = f.core.keyEvents.latest(standby!, 'pending')!;
      const start = f.time.now;
      // Two instances started before the standby was published: not covered at start.
      for (const id of ['a', 'b']) {
        f.core.reports.recordReport(heartbeat(id, { sent_at: start, started_at: start - 10_000, heartbeat_interval_ms: 60_000 }));
      }
      f.core.reports.flush();
      f.time.onSleep = (now) => {
        if (now >= start + 300) f.core.reports.recordReport(ack('a', pendingEvent.eventId, { sent_at: now, key_set_version: pendingEvent.version }));
        // b proves it by its key-set version alone, in a heartbeat.
        if (now >= start + 700) f.core.reports.recordReport(heartbeat('b', { sent_at: now, started_at: start - 10_000, heartbeat_interval_ms: 60_000, key_set_version: pendingEvent.version }));
        f.core.reports.flush();
      };
      const record = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'gate' });
      expect(record.gateOutcome).toBe('confirmed');
      expect(record.gateCompletedAt! - start).toBeGreaterThanOrEqual(700);
      expect(record.gateCompletedAt! - start).toBeLessThan(1000);
      expect(record.promotedAt).toBeGreaterThanOrEqual(record.gateCompletedAt!);
      expect(state(standby!)).toBe('active');
    });

    it('times out after the configured bound, promotes anyway, and lists the instances that never confirmed', async () => {
      const start = f.time.now;
      f.core.reports.recordReport(heartbeat('silent', { sent_at: start, started_at: start - 10_000, heartbeat_interval_ms: 60_000 }));
      f.core.reports.recordReport(heartbeat('fine', { sent_at: start, started_at: start - 10_000, heartbeat_interval_ms: 60_000, key_set_version: 99 }));
      f.core.reports.flush();
      const record = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'gate' });
      expect(record).toMatchObject({ status: 'completed', gateOutcome: 'timed_out', unconfirmedInstances: ['silent'] });
      expect(record.gateCompletedAt! - record.gateStartedAt!).toBe(5_000);
    });

    it('does not wait for gone instances (no heartbeat for 3 intervals)', async () => {
      const start = f.time.now;
      f.core.reports.recordReport(heartbeat('gone', { sent_at: start - 3_000, started_at: start - 60_000, heartbeat_interval_ms: 1_000 }));
      f.core.reports.flush();
      expect(f.core.instances.live(start)).toEqual([]);
      const record = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'gate' });
      expect(record.gateOutcome).toBe('confirmed');
      expect(record.gateCompletedAt).toBe(start);
    });

    it('stops waiting for an instance that goes silent during the gate', async () => {
      const start = f.time.now;
      f.core.reports.recordReport(heartbeat('dying', { sent_at: start, started_at: start - 60_000, heartbeat_interval_ms: 500 }));
      f.core.reports.flush();
      const record = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'gate' });
      expect(record.gateOutcome).toBe('confirmed');
      expect(record.gateCompletedAt! - start).toBe(1_500);
    });

    it('counts an instance that started (ready) after the standby was published as covered at start', async () => {
      const start = f.time.now;
      f.core.reports.recordReport(heartbeat('fresh', { sent_at: start, started_at: start, heartbeat_interval_ms: 60_000 }));
      f.core.reports.flush();
      const record = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'gate' });
      expect(record.gateOutcome).toBe('confirmed');
    });

    it('never promotes a standby the broker has not acknowledged (broker down): aborted after the gate', async () => {
      const { active: [active], pending: [standby] } = statesByRole();
      f.time.onSleep = undefined; // the broker is down
      f.core.store.db.exec('UPDATE outbox SET published_at = NULL');
      const record = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'gate' });
      expect(record).toMatchObject({ status: 'aborted', gateOutcome: 'timed_out', abortedReason: expect.stringContaining('not published') });
      expect(statesByRole()).toEqual({ active: [active], pending: [standby] });
      // Published later: the next rotation goes through.
      publishAll(f.core, f.time.now);
      expect(await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'gate' })).toMatchObject({ status: 'completed' });
    });
  });

  describe('emergency compromise', () => {
    it('of the active key: standby promoted at once, old key revoked, new standby; events in order with increasing versions', async () => {
      const { active: [compromised], pending: [standby] } = statesByRole();
      const seq = lastSeq();
      const versionBefore = f.core.keyEvents.version();
      // A live instance that would hold up a staged rotation does not delay an emergency.
      f.core.reports.recordReport(heartbeat('slow', { sent_at: f.time.now, started_at: f.time.now - 10_000, heartbeat_interval_ms: 60_000 }));
      f.core.reports.flush();
      const startedAt = f.time.now;
      const record = await f.core.rotations.compromise(compromised!, { actor: ADMIN, reason: 'leaked in a log' });
      expect(f.time.now).toBe(startedAt);
      expect(record).toMatchObject({
        kind: 'emergency',
        status: 'completed',
        fromKid: compromised,
        toKid: standby,
        gateOutcome: 'skipped',
        fromKeyState: 'revoked',
        reason: 'leaked in a log',
      });
      for (const step of ['requestedAt', 'promotedAt', 'fromKeyChangedAt', 'standbyCreatedAt', 'completedAt'] as const) {
        expect(record[step]).toEqual(expect.any(Number));
      }
      expect(state(compromised!)).toBe('revoked');
      expect(state(standby!)).toBe('active');
      expect(state(record.newStandbyKid)).toBe('pending');
      expect(await tokenKid()).toBe(standby);
      expect(f.core.keys.jwks().keys.map((k) => k.kid)).not.toContain(compromised);

      const events = await keyEventsAfter(seq);
      expect(events.map((e) => [e.payload.kid, e.payload.state])).toEqual([
        [compromised, 'revoked'],
        [standby, 'active'],
        [record.newStandbyKid, 'pending'],
      ]);
      expect(events.map((e) => e.payload.key_set_version)).toEqual([versionBefore + 1, versionBefore + 2, versionBefore + 3]);
      expect(f.core.keyEvents.version()).toBe(versionBefore + 3);
      expect(f.core.admin.recent(1)[0]).toMatchObject({ action: 'keys.compromise', target: compromised, reason: 'leaked in a log' });
    });

    it('of the standby: revoked, and a new standby takes its place; the active key is untouched', async () => {
      const { active: [active], pending: [standby] } = statesByRole();
      const record = await f.core.rotations.compromise(standby!, { actor: ADMIN, reason: 'standby leaked' });
      expect(record).toMatchObject({ fromKid: standby, toKid: null, promotedAt: null, fromKeyState: 'revoked' });
      expect(state(standby!)).toBe('revoked');
      expect(state(active!)).toBe('active');
      expect(state(record.newStandbyKid)).toBe('pending');
    });

    it('of a retiring key: just revoked', async () => {
      const rotation = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
      const { pending: [standby] } = statesByRole();
      const record = await f.core.rotations.compromise(rotation.fromKid!, { actor: ADMIN, reason: 'old key leaked' });
      expect(record).toMatchObject({ toKid: null, newStandbyKid: null });
      expect(state(rotation.fromKid)).toBe('revoked');
      expect(statesByRole().pending).toEqual([standby]);
    });

    it('refuses an unknown kid (KEY_NOT_FOUND) and an already revoked key (KEY_STATE_CONFLICT naming its state)', async () => {
      await expect(f.core.rotations.compromise('nope', { actor: ADMIN, reason: 'r' })).rejects.toBeInstanceOf(KeyNotFoundError);
      const { pending: [standby] } = statesByRole();
      await f.core.rotations.compromise(standby!, { actor: ADMIN, reason: 'r' });
      const again = f.core.rotations.compromise(standby!, { actor: ADMIN, reason: 'r' });
      await expect(again).rejects.toBeInstanceOf(KeyStateConflictError);
      await expect(again).rejects.toThrow(`key ${standby} is revoked`);
    });

    it('overtakes a staged rotation waiting at its gate, which then aborts', async () => {
      const { active: [active] } = statesByRole();
      f.core.reports.recordReport(heartbeat('slow', { sent_at: f.time.now, started_at: f.time.now - 10_000, heartbeat_interval_ms: 60_000 }));
      f.core.reports.flush();
      let emergency: Promise<unknown> | undefined;
      f.time.onSleep = () => {
        emergency ??= f.core.rotations.compromise(active!, { actor: ADMIN, reason: 'leak' });
      };
      const staged = await f.core.rotations.rotate('scheduled', { actor: ADMIN, reason: 'staged' });
      await emergency;
      expect(staged.status).toBe('aborted');
      expect(staged.abortedReason).toMatch(/superseded/);
      expect(state(active!)).toBe('revoked');
      expect(statesByRole().active).toHaveLength(1);
      expect(statesByRole().pending).toHaveLength(1);
    });
  });

  describe('rollback', () => {
    it('re-activates the previous key and retires the new one; tokens switch back', async () => {
      const rotation = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
      const { pending: [standby] } = statesByRole();
      const seq = lastSeq();
      const rollback = await f.core.rotations.rollback(rotation.id, { actor: ADMIN, reason: 'new key misbehaves' });
      expect(rollback).toMatchObject({ kind: 'rollback', status: 'completed', fromKid: rotation.toKid, toKid: rotation.fromKid, rollbackOf: rotation.id, fromKeyState: 'retired' });
      expect(state(rotation.fromKid)).toBe('active');
      expect(state(rotation.toKid)).toBe('retired');
      expect(statesByRole().pending).toEqual([standby]);
      expect(await tokenKid()).toBe(rotation.fromKid);
      expect(f.core.rotations.get(rotation.id)).toMatchObject({ status: 'rolled_back', rolledBackBy: rollback.id });
      const events = await keyEventsAfter(seq);
      expect(events.map((e) => [e.payload.kid, e.payload.state])).toEqual([
        [rotation.toKid, 'retiring'],
        [rotation.fromKid, 'active'],
        [rotation.toKid, 'retired'],
      ]);
      // Its age restarts: a rolled-back key is not rotated away again at the next tick.
      expect(f.core.keyStates().find((k) => k.kid === rotation.fromKid)!.activatedAt).toBe(rollback.promotedAt);
      expect(f.core.admin.recent(1)[0]).toMatchObject({ action: 'rotations.rollback', target: rotation.id });
    });

    it('can revoke the new key instead', async () => {
      const rotation = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
      await f.core.rotations.rollback(rotation.id, { actor: ADMIN, reason: 'bad', newKeyState: 'revoked' });
      expect(state(rotation.toKid)).toBe('revoked');
      expect(state(rotation.fromKid)).toBe('active');
    });

    it('refuses to roll back onto a revoked key (ROLLBACK_TARGET_REVOKED), changing nothing', async () => {
      const { active: [active] } = statesByRole();
      const emergency = await f.core.rotations.compromise(active!, { actor: ADMIN, reason: 'leak' });
      const version = f.core.keyEvents.version();
      const refused = f.core.rotations.rollback(emergency.id, { actor: ADMIN, reason: 'undo' });
      await expect(refused).rejects.toBeInstanceOf(RollbackTargetRevokedError);
      await expect(refused).rejects.toMatchObject({ code: 'ROLLBACK_TARGET_REVOKED' });
      expect(f.core.keyEvents.version()).toBe(version);
      expect(state(emergency.toKid)).toBe('active');
    });

    it('refuses twice, unknown ids, and a rotation whose new key was replaced since', async () => {
      const first = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
      const second = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
      await expect(f.core.rotations.rollback(first.id, { actor: ADMIN, reason: 'x' })).rejects.toBeInstanceOf(KeyStateConflictError);
      await f.core.rotations.rollback(second.id, { actor: ADMIN, reason: 'x' });
      await expect(f.core.rotations.rollback(second.id, { actor: ADMIN, reason: 'x' })).rejects.toBeInstanceOf(RotationNotRollbackableError);
      await expect(f.core.rotations.rollback('nope', { actor: ADMIN, reason: 'x' })).rejects.toBeInstanceOf(RotationNotFoundError);
    });

    it('refuses when the previous key is already retired (KEY_STATE_CONFLICT naming it)', async () => {
      const rotation = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
      f.time.now += 400_000;
      await f.core.rotations.retireDue();
      await expect(f.core.rotations.rollback(rotation.id, { actor: ADMIN, reason: 'x' })).rejects.toThrow(`key ${rotation.fromKid} is retired`);
    });
  });

  it('resumes a rotation interrupted mid-gate after a restart: no key lost or duplicated', async () => {
    const { active: [oldKid], pending: [standby] } = statesByRole();
    f.core.reports.recordReport(heartbeat('slow', { sent_at: f.time.now, started_at: f.time.now - 10_000, heartbeat_interval_ms: 600_000 }));
    f.core.reports.flush();
    f.time.onSleep = () => f.core.rotations.stop(); // the process is told to stop while it waits
    const interrupted = await f.core.rotations.rotate('scheduled', { actor: ADMIN, reason: 'staged' });
    expect(interrupted.status).toBe('in_progress');
    f.time.onSleep = undefined;
    f.core.close();

    await f.reopen();
    expect(statesByRole()).toEqual({ active: [oldKid], pending: [standby] });
    await expect(f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'meanwhile' })).rejects.toBeInstanceOf(RotationInProgressError);
    const tick = await f.core.scheduler.tick();
    expect(tick.rotation).toBeNull();
    const resumed = f.core.rotations.get(interrupted.id);
    expect(resumed).toMatchObject({ status: 'completed', fromKid: oldKid, toKid: standby, unconfirmedInstances: ['slow'] });
    expect(statesByRole()).toEqual({ active: [standby], pending: [resumed.newStandbyKid] });
    expect(state(oldKid!)).toBe('retiring');
    expect(f.core.keyStates()).toHaveLength(3);
  });

  it('shows each key event of a rotation with per-instance confirmation', async () => {
    const start = f.time.now;
    f.core.reports.recordReport(heartbeat('a', { sent_at: start, started_at: start - 10_000, heartbeat_interval_ms: 600_000 }));
    f.core.reports.flush();
    const rotation = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
    publishAll(f.core, f.time.now);
    const [first] = f.core.rotations.events(rotation.id);
    f.core.reports.recordReport(ack('a', first!.eventId, { sent_at: f.time.now + 5 }));
    f.core.reports.flush();
    const details = f.core.rotationDetails(rotation.id);
    expect(details.record.id).toBe(rotation.id);
    expect(details.events).toHaveLength(3);
    expect(details.events[0]!.coverage).toMatchObject({ liveInstances: 1, applied: [{ instanceId: 'a', via: 'ack' }], pending: [], complete: true });
    expect(details.events[1]!.coverage).toMatchObject({ applied: [], pending: [{ instanceId: 'a' }], complete: false });
  });
});
