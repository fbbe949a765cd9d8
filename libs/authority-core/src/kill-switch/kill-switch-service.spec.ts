import type { KillSwitchChangedEvent } from '@revmesh/contracts';
import { decodeJwt } from 'jose';
import type { AuditContext } from '../audit/audit-context';
import type { AuditEntryInput, AuditLog, AuditRecord } from '../audit/audit-log';
import type { Client } from '../clients/client-registry';
import { KillSwitchNotEngagedError } from '../errors/errors';
import type { EventSignerRing } from '../event-signers/event-signer-ring';
import { openCoreFixture, openOutbox, publishAll, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';
import { createKillSwitchService, type KillSwitchController } from './kill-switch-service';

const alice: AuditContext = {
  actor: { kind: 'operator', id: 'alice' },
  role: 'security-admin',
  justification: 'token signing host breached',
  requestId: 'req-1',
  sourceAddress: '10.0.0.1',
};
const bob: AuditContext = { ...alice, actor: { kind: 'operator', id: 'bob' }, justification: 'host rebuilt, keys rotated' };

/** Records every entry, or throws when told to (to prove change and entry commit together). */
function fakeAudit(): AuditLog & { entries: AuditEntryInput[]; failNext: boolean } {
  const log = {
    entries: [] as AuditEntryInput[],
    failNext: false,
    append(entry: AuditEntryInput): AuditRecord {
      if (log.failNext) {
        log.failNext = false;
        throw new Error('audit store unavailable');
      }
      log.entries.push(entry);
      return { ...entry, seq: log.entries.length, at: 0, prevHash: '', hash: '' };
    },
  };
  return log;
}

describe('kill switch service', () => {
  let fixture: CoreFixture;
  let audit: ReturnType<typeof fakeAudit>;
  let service: KillSwitchController;
  let client: Client;

  const killSwitchEvents = async (): Promise<{ key: string; signerKid: string | undefined; event: KillSwitchChangedEvent }[]> => {
    const rows = await openOutbox(fixture.core, trustIn(fixture.core.eventSigners.trusted()), fixture.core.topics.keys.topic);
    return rows.filter((r) => r.event?.type === 'kill-switch.changed').map((r) => ({ key: r.key, signerKid: r.signerKid, event: r.event as KillSwitchChangedEvent }));
  };

  beforeEach(async () => {
    fixture = await openCoreFixture();
    fixture.time.now += 400; // .400 into a second
    audit = fakeAudit();
    const core = fixture.core;
    // The core's own instance has no audit log yet; this one shares its store and key event log.
    const signers = { get current() { return { kid: core.eventSigners.currentKid() }; } } as unknown as Pick<EventSignerRing, 'current'>;
    service = createKillSwitchService({ store: core.store, log: core.keyEvents, signers, clock: fixture.time.clock, audit });
    client = core.clients.register({ clientId: 'svc', audiences: ['api-a', 'api-b'], scopes: ['read'] });
  });
  afterEach(() => fixture.cleanup());

  it('engages an audience with lockdown: stored, published on the keys topic with the next key_set_version, audited', async () => {
    const before = fixture.core.keyEvents.version();
    const state = await service.engage({ scope: { kind: 'audience', audience: 'api-a' }, lockdown: true }, alice);
    expect(state).toEqual({
      scope: { kind: 'audience', audience: 'api-a' },
      issuedAtOrBefore: fixture.time.now,
      lockdown: true,
      engagedAt: fixture.time.now,
      engagedBy: 'alice',
      liftedAt: null,
      liftedBy: null,
    });
    expect(service.list()).toEqual([state]);
    expect(fixture.core.keyEvents.version()).toBe(before + 1);
    const [published] = await killSwitchEvents();
    expect(published?.key).toBe('kill-switch:aud:api-a');
    expect(published?.signerKid).toBe(fixture.core.eventSigners.currentKid());
    expect(published?.event.actor).toEqual({ kind: 'operator', id: 'alice' });
    expect(published?.event.payload).toEqual({
      scope: { kind: 'audience', audience: 'api-a' },
      not_after_iat: Math.floor(fixture.time.now / 1000),
      lockdown: true,
      key_set_version: before + 1,
      engaged_at: fixture.time.now,
      engaged_by: { kind: 'operator', id: 'alice' },
      lifted_at: null,
      lifted_by: null,
    });
    expect(audit.entries).toEqual([
      expect.objectContaining({ action: 'kill-switch.engage', outcome: 'succeeded', target: 'aud:api-a', context: alice }),
    ]);
    expect(audit.entries[0]?.details).toMatchObject({ lockdown: true, key_set_version: before + 1 });
  });

  it('writes nothing when the audit entry cannot be written (one transaction)', async () => {
    const before = fixture.core.keyEvents.version();
    audit.failNext = true;
    await expect(service.engage({ scope: { kind: 'global' }, lockdown: true }, alice)).rejects.toThrow('audit store unavailable');
    expect(service.list()).toEqual([]);
    expect(fixture.core.keyEvents.version()).toBe(before);
    expect(await killSwitchEvents()).toEqual([]);
  });

  it('lifts: lockdown ends, the cut stays, the lift is published and audited; lifting again is refused', async () => {
    const engaged = await service.engage({ scope: { kind: 'global' }, lockdown: true }, alice);
    fixture.time.now += 60_000;
    const lifted = await service.lift({ kind: 'global' }, bob);
    expect(lifted).toEqual({ ...engaged, lockdown: false, liftedAt: fixture.time.now, liftedBy: 'bob' });
    const events = await killSwitchEvents();
    expect(events.map((e) => e.key)).toEqual(['kill-switch:global', 'kill-switch:global']);
    expect(events[1]?.event.payload).toMatchObject({
      lockdown: false,
      not_after_iat: Math.floor(engaged.issuedAtOrBefore / 1000),
      lifted_by: { kind: 'operator', id: 'bob' },
      lifted_at: fixture.time.now,
    });
    expect(audit.entries.map((e) => e.action)).toEqual(['kill-switch.engage', 'kill-switch.lift']);
    await expect(service.lift({ kind: 'global' }, bob)).rejects.toBeInstanceOf(KillSwitchNotEngagedError);
    await expect(service.lift({ kind: 'audience', audience: 'never' }, bob)).rejects.toMatchObject({ code: 'KILL_SWITCH_NOT_ENGAGED' });
  });

  it('never moves a cut back and only a lift ends a lockdown', async () => {
    const first = await service.engage({ scope: { kind: 'audience', audience: 'api-a' }, lockdown: true }, alice);
    fixture.time.now += 10_000;
    const again = await service.engage(
      { scope: { kind: 'audience', audience: 'api-a' }, lockdown: false, issuedAtOrBefore: first.issuedAtOrBefore - 5_000 },
      bob,
    );
    expect(again.issuedAtOrBefore).toBe(first.issuedAtOrBefore);
    expect(again.lockdown).toBe(true);
  });

  it('refuses a cut in the future and a malformed scope', async () => {
    await expect(service.engage({ scope: { kind: 'global' }, lockdown: false, issuedAtOrBefore: fixture.time.now + 1 }, alice)).rejects.toThrow(TypeError);
    await expect(service.engage({ scope: { kind: 'audience', audience: '' }, lockdown: false }, alice)).rejects.toThrow(TypeError);
  });

  it('the token issuer waits for the next second after a cut in the current second, only for the affected audience', async () => {
    const second = Math.floor(fixture.time.now / 1000);
    await fixture.core.killSwitch.engage({ scope: { kind: 'audience', audience: 'api-a' }, lockdown: false }, alice);
    const other = await fixture.core.tokens.issueClientCredentials(client, { audience: 'api-b' });
    expect(decodeJwt(other.accessToken).iat).toBe(second);
    const affected = await fixture.core.tokens.issueClientCredentials(client, { audience: 'api-a' });
    expect(affected.claims.iat).toBe(second + 1);
    expect(fixture.time.now).toBeGreaterThanOrEqual((second + 1) * 1000);
  });

  it('a global cut holds back every audience', async () => {
    fixture.time.now -= 5_000;
    const past = fixture.time.now;
    fixture.time.now += 5_000;
    await fixture.core.killSwitch.engage({ scope: { kind: 'global' }, lockdown: false, issuedAtOrBefore: past }, alice);
    expect(fixture.core.killSwitch.list()[0]?.issuedAtOrBefore).toBe(past);
    // The cut is 5 s back: nothing to wait for now.
    const issued = await fixture.core.tokens.issueClientCredentials(client, { audience: 'api-b' });
    expect(issued.claims.iat).toBe(Math.floor(fixture.time.now / 1000));
    await fixture.core.killSwitch.engage({ scope: { kind: 'global' }, lockdown: false }, alice);
    const after = await fixture.core.tokens.issueClientCredentials(client, { audience: 'api-b' });
    expect(after.claims.iat).toBe(Math.floor(past / 1000) + 6);
  });

  it('the core kill switch records engage and lift in the core audit log', async () => {
    await fixture.core.killSwitch.engage({ scope: { kind: 'global' }, lockdown: true }, alice);
    await fixture.core.killSwitch.lift({ kind: 'global' }, bob);
    const entries = fixture.core.audit.list(0, 1000).filter((e) => e.action.startsWith('kill-switch.'));
    expect(entries.map((e) => [e.action, e.target, e.actor.id, e.justification])).toEqual([
      ['kill-switch.engage', 'global', 'alice', alice.justification],
      ['kill-switch.lift', 'global', 'bob', bob.justification],
    ]);
    expect(fixture.core.audit.verify()).toMatchObject({ ok: true });
  });

  it('an event-signer rotation re-signs the kill switch with the new signer', async () => {
    await fixture.core.killSwitch.engage({ scope: { kind: 'global' }, lockdown: true }, alice);
    publishAll(fixture.core, fixture.time.now);
    fixture.time.onSleep = (now) => publishAll(fixture.core, now); // the relay, while the gate waits
    const rotated = await fixture.core.eventSigners.rotation.rotate({ actor: alice.actor, reason: 'yearly' });
    const events = await killSwitchEvents();
    expect(events.map((e) => e.signerKid)).toEqual([rotated.previousKid, rotated.currentKid]);
    expect(events[1]?.event.payload).toMatchObject({ scope: { kind: 'global' }, lockdown: true, engaged_by: { kind: 'operator', id: 'alice' } });
  });

  it('survives a restart, and a signer reset re-publishes it under the new signer', async () => {
    await fixture.core.killSwitch.engage({ scope: { kind: 'audience', audience: 'api-a' }, lockdown: true }, alice);
    const oldSigner = fixture.core.eventSigners.currentKid();
    fixture.core.close();
    const core = await fixture.reopen({ eventSignerReset: true });
    expect(core.killSwitch.list()).toEqual([expect.objectContaining({ scope: { kind: 'audience', audience: 'api-a' }, lockdown: true })]);
    expect(core.eventSigners.currentKid()).not.toBe(oldSigner);
    const events = await killSwitchEvents();
    const last = events[events.length - 1];
    expect(last?.signerKid).toBe(core.eventSigners.currentKid());
    expect(last?.event.payload).toMatchObject({ lockdown: true, engaged_by: { kind: 'operator', id: 'alice' } });
    // Nothing more to re-publish on a plain restart.
    core.close();
    const again = await fixture.reopen();
    expect((await killSwitchEvents()).length).toBe(events.length);
    expect(again.killSwitch.list()).toHaveLength(1);
  });
});
