import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyStateChangedEvent } from '@revmesh/contracts';
import { openAuthorityCore } from '../authority-core';
import { KeyStateConflictError } from '../errors/errors';
import { MIGRATIONS } from '../store/migrations';
import { openStore } from '../store/store';
import { compromiseActor as ADMIN, openCoreFixture, openOutbox, publishAll, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';
import { generateSigningKey } from './token-key-material';

describe('key lifecycle', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await openCoreFixture();
    publishAll(f.core, f.time.now);
  });
  afterEach(() => f.cleanup());

  const byState = () => {
    const count: Record<string, number> = {};
    for (const key of f.core.keyStates()) count[key.state] = (count[key.state] ?? 0) + 1;
    return count;
  };
  const expectOneActiveOneStandby = (): void => {
    expect(byState()['active']).toBe(1);
    expect(byState()['pending']).toBe(1);
  };

  it('publishes the first keys at first start: pending → active for the first, pending for the standby, versions 1..3', async () => {
    const events = (await openOutbox(f.core, trustIn(f.core.eventSigners.trusted()), 'test.keys.v1')).map((r) => r.event as KeyStateChangedEvent);
    const active = f.core.keys.active.kid;
    const standby = f.core.keyStates().find((k) => k.state === 'pending')!.kid;
    expect(events.map((e) => [e.payload.kid, e.payload.state, e.payload.key_set_version])).toEqual([
      [active, 'pending', 1],
      [active, 'active', 2],
      [standby, 'pending', 3],
    ]);
    expect(events[0]!.payload.public_jwk).toEqual(f.core.keys.jwks().keys.find((k) => k.kid === active));
    expect(f.core.keyEvents.version()).toBe(3);
  });

  it('always keeps exactly one active key and one pre-published standby', async () => {
    expectOneActiveOneStandby();
    const rotation = await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
    expectOneActiveOneStandby();
    await f.core.rotations.compromise(f.core.keys.active.kid, { actor: ADMIN, reason: 'r' });
    expectOneActiveOneStandby();
    await f.core.rotations.compromise(f.core.keyStates().find((k) => k.state === 'pending')!.kid, { actor: ADMIN, reason: 'r' });
    expectOneActiveOneStandby();
    f.time.now += 400_000;
    await f.core.rotations.retireDue();
    expect(f.core.keyStates().find((k) => k.kid === rotation.fromKid)!.state).toBe('retired');
    expectOneActiveOneStandby();
    // The database itself refuses a second active or pending key.
    expect(() => f.core.store.db.prepare("UPDATE signing_keys SET state = 'active' WHERE state = 'pending'").run()).toThrow(/UNIQUE|unique constraint/);
  });

  it('re-creates a missing standby at start', async () => {
    const standby = f.core.keyStates().find((k) => k.state === 'pending')!.kid;
    f.core.store.db.prepare("UPDATE signing_keys SET state = 'revoked' WHERE kid = ?").run(standby);
    f.core.close();
    await f.reopen();
    expectOneActiveOneStandby();
  });

  it('keeps key_set_version strictly increasing and gap-free across restarts', async () => {
    await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
    f.core.close();
    await f.reopen();
    await f.core.rotations.compromise(f.core.keys.active.kid, { actor: ADMIN, reason: 'r' });
    const versions = f.core.store.db.prepare('SELECT key_set_version FROM key_events ORDER BY rowid').pluck().all() as number[];
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(f.core.keyEvents.version()).toBe(versions.length);
  });

  it('an illegal move writes nothing: no state change, no event, no version', async () => {
    const standby = f.core.keyStates().find((k) => k.state === 'pending')!.kid;
    await f.core.rotations.compromise(standby, { actor: ADMIN, reason: 'r' });
    const version = f.core.keyEvents.version();
    const outbox = f.core.outbox.pendingCount();
    const rows = f.core.keyStates();
    await expect(f.core.rotations.compromise(standby, { actor: ADMIN, reason: 'again' })).rejects.toBeInstanceOf(KeyStateConflictError);
    expect(f.core.keyEvents.version()).toBe(version);
    expect(f.core.outbox.pendingCount()).toBe(outbox);
    expect(f.core.keyStates()).toEqual(rows);
  });
});

describe('migration from the single-key data model', () => {
  it('keeps the existing key active, adds a standby, and publishes both; existing revocations are re-signed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revmesh-migrate-'));
    const kek = randomBytes(32);
    try {
      // A data folder written by the previous release: schema version 1, one active key, one revocation.
      const v1 = openStore({ dataDir: dir, migrations: MIGRATIONS.slice(0, 1) });
      const { key, sealed } = await generateSigningKey(kek);
      v1.db
        .prepare("INSERT INTO signing_keys (kid, alg, status, public_jwk, sealed_key, created_at) VALUES (?, 'ES256', 'active', ?, ?, 1000)")
        .run(key.kid, JSON.stringify(key.publicJwk), JSON.stringify(sealed));
      const far = Date.UTC(2100, 0, 1);
      v1.db.prepare("INSERT INTO revocations VALUES ('r1', 'sub', 'alice', 'old', 'admin-key', 'admin', 1000, 1, ?)").run(far);
      v1.close();

      const core = await openAuthorityCore({ dataDir: dir, kek, issuer: 'https://a.test', accessTokenTtlSeconds: 300, topicPrefix: 't.' });
      try {
        expect(core.keys.active.kid).toBe(key.kid);
        expect(core.keyStates().find((k) => k.kid === key.kid)).toMatchObject({ state: 'active', activatedAt: 1000 });
        const trust = trustIn(core.eventSigners.trusted());
        const events = (await openOutbox(core, trust, 't.keys.v1')).map((r) => r.event as KeyStateChangedEvent);
        expect(events.map((e) => [e.payload.kid, e.payload.state])).toEqual([
          [key.kid, 'active'],
          [core.keyStates().find((k) => k.state === 'pending')!.kid, 'pending'],
        ]);
        // The revocation was published unsigned by the old release: the scheduler re-signs it.
        expect(core.eventSigners.list()[0]!.republishedAt).toBeNull();
        await core.scheduler.tick();
        const revocations = await openOutbox(core, trust, 't.revocations.v1');
        expect(revocations.map((r) => r.event?.payload)).toEqual([expect.objectContaining({ revocation_id: 'r1' })]);
      } finally {
        core.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
