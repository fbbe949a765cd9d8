import type { KeyStateChangedEvent } from '@revmesh/contracts';
import { systemAuditContext } from '../audit/audit-context';
import { compromiseActor, openCoreFixture, recordingLogger, openOutbox, publishAll, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';

const PERIOD = 3_600_000;
const LEAD = 60_000;
const TTL_PLUS_SKEW = 300_000 + 60_000;

describe('rotation scheduler (injected clock, no sleeping)', () => {
  let f: CoreFixture;
  let start: number;
  beforeEach(async () => {
    f = await openCoreFixture();
    start = f.time.now;
    publishAll(f.core, start);
  });
  afterEach(() => f.cleanup());

  const active = (): string => f.core.keyStates().find((k) => k.state === 'active')!.kid;

  it('does nothing before the active key reaches the rotation period', async () => {
    const kid = active();
    f.time.now = start + PERIOD - 1;
    expect(await f.core.scheduler.tick()).toEqual({ retired: [], withdrawnSigners: [], rotation: null });
    expect(active()).toBe(kid);
  });

  it('rotates when the active key reaches the period, with a scheduled rotation record', async () => {
    const kid = active();
    const calendar = f.core.calendar();
    expect(calendar.nextRotationAt).toBe(start + PERIOD);
    f.time.now = start + PERIOD;
    const { rotation } = await f.core.scheduler.tick();
    expect(rotation).toMatchObject({ kind: 'scheduled', status: 'completed', fromKid: kid, toKid: calendar.standbyKid, actor: { kind: 'system', id: 'rotation-scheduler' } });
    expect(active()).toBe(calendar.standbyKid);
    // The next rotation is one period after the promotion.
    expect(f.core.calendar().nextRotationAt).toBe(rotation!.promotedAt! + PERIOD);
    expect((await f.core.scheduler.tick()).rotation).toBeNull();
  });

  it('does not start a scheduled rotation while the standby is unpublished (broker down)', async () => {
    f.core.store.db.exec('UPDATE outbox SET published_at = NULL');
    f.time.now = start + PERIOD;
    expect((await f.core.scheduler.tick()).rotation).toBeNull();
    expect(f.core.rotations.list(10)).toEqual([]);
    publishAll(f.core, f.time.now);
    expect((await f.core.scheduler.tick()).rotation).toMatchObject({ status: 'completed' });
  });

  it('waits for a fresh standby to have been published for the pre-publish lead', async () => {
    f.time.now = start + PERIOD - 1000;
    const standby = f.core.keyStates().find((k) => k.state === 'pending')!.kid;
    const { newStandbyKid } = await f.core.rotations.compromise(standby, { actor: compromiseActor, reason: 'standby leaked' });
    const replaced = f.time.now;
    f.time.now = start + PERIOD;
    expect((await f.core.scheduler.tick()).rotation).toBeNull();
    expect(f.core.calendar()).toMatchObject({ standbyKid: newStandbyKid, nextRotationAt: replaced + LEAD });
    f.time.now = replaced + LEAD;
    publishAll(f.core, f.time.now);
    expect((await f.core.scheduler.tick()).rotation).toMatchObject({ toKid: newStandbyKid });
  });

  it('retires a retiring key only once retire_after has passed, and publishes it', async () => {
    const rotation = await f.core.rotations.rotate('manual', { actor: compromiseActor, reason: 'r' });
    const retireAfter = rotation.promotedAt! + TTL_PLUS_SKEW;
    expect(f.core.calendar().upcomingRetirements).toEqual([{ kid: rotation.fromKid, retireAfter }]);

    f.time.now = retireAfter - 1;
    expect((await f.core.scheduler.tick()).retired).toEqual([]);
    expect(f.core.keyStates().find((k) => k.kid === rotation.fromKid)!.state).toBe('retiring');

    f.time.now = retireAfter;
    expect((await f.core.scheduler.tick()).retired).toEqual([rotation.fromKid]);
    expect(f.core.keyStates().find((k) => k.kid === rotation.fromKid)!.state).toBe('retired');
    expect(f.core.keys.jwks().keys.map((k) => k.kid)).not.toContain(rotation.fromKid);
    expect(f.core.calendar().upcomingRetirements).toEqual([]);
    const events = await openOutbox(f.core, trustIn(f.core.eventSigners.trusted()), 'test.keys.v1');
    const last = events[events.length - 1]!.event as KeyStateChangedEvent;
    expect(last.payload).toMatchObject({ kid: rotation.fromKid, state: 'retired', retire_after: retireAfter, rotation_id: rotation.id });
  });

  it('survives a failing step (logged), and finishes the interrupted rotation at the next tick', async () => {
    const logger = recordingLogger();
    f.core.close();
    await f.reopen({ logger });
    const kid = active();
    f.core.store.db.exec("CREATE TRIGGER boom BEFORE UPDATE ON signing_keys BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    f.time.now = start + PERIOD;
    expect((await f.core.scheduler.tick()).rotation).toBeNull();
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'rotation scheduler: scheduled rotation failed' }));
    expect(active()).toBe(kid);
    const [interrupted] = f.core.rotations.list(1);
    expect(interrupted).toMatchObject({ status: 'in_progress' });
    f.core.store.db.exec('DROP TRIGGER boom');
    await f.core.scheduler.tick();
    expect(f.core.rotations.get(interrupted!.id)).toMatchObject({ status: 'completed' });
    expect(active()).not.toBe(kid);
  });

  it("uses the security policy's rotation period when it sets one, read at every tick", async () => {
    const kid = active();
    const policyPeriod = 600_000; // 10 minutes, instead of the configured hour
    f.time.now = start + policyPeriod;
    expect((await f.core.scheduler.tick()).rotation).toBeNull();

    f.core.securityPolicy.update({ rotation: { periodSeconds: policyPeriod / 1000 } }, systemAuditContext('test', 'rotate every ten minutes'));
    expect(f.core.calendar().nextRotationAt).toBe(start + policyPeriod);
    expect(f.core.policy.rotationPeriodMs).toBe(policyPeriod);
    const { rotation } = await f.core.scheduler.tick();
    expect(rotation).toMatchObject({ kind: 'scheduled', status: 'completed', fromKid: kid, reason: expect.stringContaining('(600 s)') });

    // Without the policy period, the configured one applies again.
    f.core.securityPolicy.update({}, systemAuditContext('test', 'back to the configured period'));
    expect(f.core.calendar().nextRotationAt).toBe(rotation!.promotedAt! + PERIOD);
  });

  it('runs in the background every checkIntervalMs once started, and stops', async () => {
    const kid = active();
    f.time.now = start + PERIOD;
    f.core.scheduler.start();
    for (let i = 0; i < 50 && active() === kid; i++) await new Promise((r) => setImmediate(r));
    await f.core.scheduler.stop();
    expect(active()).not.toBe(kid);
  });
});
