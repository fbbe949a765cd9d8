import type { EventSignerAnnouncedEvent, EventSignerJwk, EventSignerWithdrawnEvent, KeyStateChangedEvent } from '@revmesh/contracts';
import { RotationInProgressError } from '../errors/errors';
import { compromiseActor as ADMIN, heartbeat, openCoreFixture, openOutbox, publishAll, recordingLogger, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';

const OVERLAP = 600_000;

describe('event-signer rotation', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await openCoreFixture();
    publishAll(f.core, f.time.now);
  });
  afterEach(() => f.cleanup());

  const keysTopic = (trust: readonly EventSignerJwk[]) => openOutbox(f.core, trustIn(trust), 'test.keys.v1');

  it('announces the new signer signed by the old one, switches, and withdraws the old one after the overlap signed by the new one', async () => {
    const old = f.core.eventSigners.trusted();
    const oldKid = f.core.eventSigners.currentKid();
    await f.core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'r', actor: ADMIN });
    const seqBefore = f.core.store.db.prepare('SELECT MAX(seq) FROM outbox').pluck().get() as number;
    f.time.onSleep = (now) => publishAll(f.core, now); // the relay, while the gate waits

    const result = await f.core.eventSigners.rotation.rotate({ actor: ADMIN, reason: 'yearly' });
    expect(result).toMatchObject({ previousKid: oldKid, gate: { outcome: 'confirmed' } });
    const newKid = result.currentKid;
    expect(newKid).not.toBe(oldKid);
    expect(f.core.eventSigners.currentKid()).toBe(newKid);
    expect(result.withdrawAfter).toBe(f.time.now + OVERLAP);
    // During the overlap both are trusted (served at the well-known URL).
    expect(f.core.eventSigners.trusted().map((s) => s.kid).sort()).toEqual([oldKid, newKid].sort());

    // The announcement opens with the OLD signer alone: a sidecar pinned to it follows the chain.
    const announced = (await keysTopic(old)).find((r) => r.event?.type === 'event-signer.announced');
    expect(announced).toMatchObject({ signerKid: oldKid, key: `event-signer:${newKid}` });
    expect((announced!.event as EventSignerAnnouncedEvent).payload).toEqual({
      signer: f.core.eventSigners.trusted().find((s) => s.kid === newKid),
      key_set_version: result.keySetVersion,
    });

    // Everything after the switch is signed by the new signer: every key's state and every live
    // revocation re-signed, so a sidecar that trusts only the new signer misses nothing.
    const newOnly = f.core.eventSigners.trusted().filter((s) => s.kid === newKid);
    // (Not the audit topic: sidecars do not read it, and an entry shipped before the switch is
    // signed by the signer that was current then.)
    const after = (await openOutbox(f.core, trustIn(newOnly))).filter((r) => r.seq > (announced?.seq ?? 0) && r.topic !== f.core.topics.audit.topic);
    expect(after.every((r) => r.signerKid === newKid && r.event !== undefined)).toBe(true);
    const reKeyed = after.filter((r) => r.event?.type === 'key.state-changed').map((r) => (r.event as KeyStateChangedEvent).payload.kid);
    expect(reKeyed.sort()).toEqual(f.core.keyStates().map((k) => k.kid).sort());
    expect(after.filter((r) => r.topic === 'test.revocations.v1' && r.seq > seqBefore)).toHaveLength(1);
    const newRevocation = await f.core.revocations.revoke({ target: { type: 'sub', value: 'bob' }, reason: 'r', actor: ADMIN });
    const [latest] = (await openOutbox(f.core, trustIn(newOnly), 'test.revocations.v1')).slice(-1);
    expect(latest!.event?.payload).toMatchObject({ revocation_id: newRevocation.id });

    // Before the overlap ends: nothing withdrawn.
    f.time.now = result.withdrawAfter - 1;
    expect((await f.core.scheduler.tick()).withdrawnSigners).toEqual([]);
    f.time.now = result.withdrawAfter;
    expect((await f.core.scheduler.tick()).withdrawnSigners).toEqual([oldKid]);
    expect(f.core.eventSigners.trusted().map((s) => s.kid)).toEqual([newKid]);
    const withdrawn = (await keysTopic(newOnly)).find((r) => r.event?.type === 'event-signer.withdrawn');
    // Not the announcement's key: compaction must keep both (contracts, eventSignerWithdrawalKey).
    expect(withdrawn).toMatchObject({ signerKid: newKid, key: `event-signer-withdrawn:${oldKid}` });
    const payload = (withdrawn!.event as EventSignerWithdrawnEvent).payload;
    expect(payload.kid).toBe(oldKid);
    expect(payload.key_set_version).toBeGreaterThan(result.keySetVersion);
    expect(f.core.admin.recent(5).map((a) => a.action)).toContain('event-signers.rotate');
  });

  it('waits at the gate for live sidecars to hold the announcement before switching', async () => {
    const start = f.time.now;
    f.core.reports.recordReport(heartbeat('a', { sent_at: start, started_at: start - 10_000, heartbeat_interval_ms: 600_000 }));
    f.core.reports.flush();
    const oldKid = f.core.eventSigners.currentKid();
    const switching = f.core.eventSigners.rotation.rotate({ actor: ADMIN, reason: 'r' });
    // The authority keeps signing with the old signer until the gate ends.
    f.time.onSleep = () => {
      expect(f.core.eventSigners.currentKid()).toBe(oldKid);
    };
    const result = await switching;
    expect(result.gate).toMatchObject({ outcome: 'timed_out', unconfirmed: ['a'] });
  });

  it('refuses a second rotation while one is in progress', async () => {
    const first = f.core.eventSigners.rotation.rotate({ actor: ADMIN, reason: 'r' });
    await expect(f.core.eventSigners.rotation.rotate({ actor: ADMIN, reason: 'r' })).rejects.toBeInstanceOf(RotationInProgressError);
    await first;
  });

  it('finishes an announcement interrupted by a restart', async () => {
    const oldKid = f.core.eventSigners.currentKid();
    f.core.reports.recordReport(heartbeat('a', { sent_at: f.time.now, started_at: f.time.now - 10_000, heartbeat_interval_ms: 600_000 }));
    f.core.reports.flush();
    f.time.onSleep = () => f.core.eventSigners.rotation.stop();
    await expect(f.core.eventSigners.rotation.rotate({ actor: ADMIN, reason: 'r' })).rejects.toBeInstanceOf(RotationInProgressError);
    f.time.onSleep = undefined;
    expect(f.core.eventSigners.list().map((s) => s.state).sort()).toEqual(['active', 'announced']);
    f.core.close();

    await f.reopen();
    expect(f.core.eventSigners.currentKid()).toBe(oldKid);
    await f.core.scheduler.tick();
    expect(f.core.eventSigners.currentKid()).not.toBe(oldKid);
    expect(f.core.eventSigners.list().map((s) => s.state).sort()).toEqual(['active', 'overlap']);
    expect(f.core.eventSigners.list().every((s) => s.state !== 'active' || s.republishedAt !== null)).toBe(true);
  });

  it('REVMESH_EVENT_SIGNER_RESET: old signers compromised, a new chain, every key re-announced by it, logged loudly', async () => {
    const oldKid = f.core.eventSigners.currentKid();
    await f.core.revocations.revoke({ target: { type: 'jti', value: 'j' }, reason: 'r', actor: ADMIN });
    f.core.close();
    const logger = recordingLogger();
    await f.reopen({ eventSignerReset: true, logger });
    const newKid = f.core.eventSigners.currentKid();
    expect(newKid).not.toBe(oldKid);
    expect(f.core.eventSigners.list().find((s) => s.kid === oldKid)?.state).toBe('compromised');
    expect(f.core.eventSigners.trusted().map((s) => s.kid)).toEqual([newKid]);
    const loud = logger.lines.find((l) => l.level === 'error' && l.message.startsWith('EVENT SIGNER RESET'));
    expect(loud?.message).toContain('REVMESH_EVENT_SIGNERS=');
    expect(loud?.message).toContain(newKid);
    expect(f.core.admin.recent(1)[0]).toMatchObject({ action: 'event-signers.reset', target: newKid, details: { compromised: [oldKid] } });

    // A sidecar redeployed with the new anchor finds every key and (after the next tick) every live revocation.
    const trust = f.core.eventSigners.trusted();
    const keys = (await keysTopic(trust)).filter((r) => r.event !== undefined).map((r) => (r.event as KeyStateChangedEvent).payload.kid);
    expect(new Set(keys)).toEqual(new Set(f.core.keyStates().map((k) => k.kid)));
    await f.core.scheduler.tick();
    const revocations = (await openOutbox(f.core, trustIn(trust), 'test.revocations.v1')).filter((r) => r.event !== undefined);
    expect(revocations).toHaveLength(1);
    // Events signed by the compromised signer no longer open for it.
    const old = (await openOutbox(f.core, trustIn(trust))).filter((r) => r.event === undefined);
    expect(old.every((r) => r.reason === 'UNKNOWN_SIGNER' && r.signerKid === oldKid)).toBe(true);
  });
});
