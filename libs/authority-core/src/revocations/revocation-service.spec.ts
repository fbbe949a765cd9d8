import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isValidTraceparent, openSignedEvent } from '@revmesh/contracts';
import { openAuthorityCore, type AuthorityCore } from '../authority-core';
import { RevocationNotFoundError, StoreError } from '../errors/errors';
import { trustIn } from '../testing/core-fixture.spec-helper';
import { createRevocationService, type RevokeInput } from './revocation-service';

describe('revocation service', () => {
  let dir: string;
  let core: AuthorityCore;
  const now = Date.UTC(2030, 0, 1, 12, 0, 0, 750);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-revocations-'));
    core = await openAuthorityCore({
      dataDir: dir,
      kek: randomBytes(32),
      issuer: 'https://authority.test',
      accessTokenTtlSeconds: 300,
      topicPrefix: 'test.',
      revocationSkewMs: 60_000,
      clock: { now: () => now },
    });
    // The key events queued at first start are not what these tests look at.
    core.outbox.markPublished(
      core.outbox.unpublished(100).map((e) => e.seq),
      now,
    );
  });
  afterEach(() => {
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const input: RevokeInput = {
    target: { type: 'sub', value: 'alice' },
    reason: 'laptop stolen',
    actor: { kind: 'admin-key', id: 'admin' },
  };
  const count = (table: 'revocations' | 'outbox'): number =>
    core.store.db.prepare(`SELECT COUNT(*) FROM ${table} ${table === 'outbox' ? "WHERE topic = 'test.revocations.v1'" : ''}`).pluck().get() as number;
  /** The outbox's unpublished revocation events (the audit shipper's records may come in between, whenever it runs). */
  const revocationRows = (limit: number) => core.outbox.unpublished(limit + 100).filter((e) => e.record.topic === 'test.revocations.v1').slice(0, limit);

  it('computes the rule window from the revocation time and the token TTL', async () => {
    const r = await core.revocations.revoke(input);
    expect(r).toMatchObject({
      target: { type: 'sub', value: 'alice' },
      reason: 'laptop stolen',
      revokedAt: now,
      notAfterIat: Math.floor(now / 1000),
      expiresAt: now + 300_000 + 60_000,
    });
  });

  it('writes the revocation and a signed, contract-valid revocation.issued event to the outbox', async () => {
    const r = await core.revocations.revoke(input);
    const [entry, ...rest] = revocationRows(10);
    expect(rest).toEqual([]);
    expect(entry!.record.topic).toBe('test.revocations.v1');
    expect(entry!.record.key).toBe('sub:alice');
    expect(isValidTraceparent(entry!.record.headers!['traceparent']!)).toBe(true);
    expect(entry!.record.value.toString()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const decoded = await openSignedEvent(entry!.record.value, trustIn(core.eventSigners.trusted()));
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decoded.signerKid).toBe(core.eventSigners.currentKid());
    expect(decoded.event).toEqual({
      id: entry!.eventId,
      type: 'revocation.issued',
      version: 1,
      issued_at: now,
      actor: { kind: 'admin-key', id: 'admin' },
      payload: {
        revocation_id: r.id,
        target: { type: 'sub', value: 'alice' },
        revoked_at: r.revokedAt,
        not_after_iat: r.notAfterIat,
        expires_at: r.expiresAt,
        reason: 'laptop stolen',
      },
    });
  });

  it('queues concurrent revocations in call order, although their signatures finish in any order', async () => {
    const values = Array.from({ length: 50 }, (_, i) => `j${i}`);
    await Promise.all(values.map((value) => core.revocations.revoke({ ...input, target: { type: 'jti', value } })));
    expect(revocationRows(100).map((e) => e.record.key)).toEqual(values.map((v) => `jti:${v}`));
  });

  it("continues the caller's trace when given a traceparent", async () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await core.revocations.revoke({ ...input, traceparent: parent });
    const header = revocationRows(1)[0]!.record.headers!['traceparent']!;
    expect(header.slice(3, 35)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('writes neither row when the outbox insert fails inside the transaction', async () => {
    core.store.db.exec(
      "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
    );
    await expect(core.revocations.revoke(input)).rejects.toBeInstanceOf(StoreError);
    expect(count('revocations')).toBe(0);
    expect(count('outbox')).toBe(0);
  });

  it('writes neither row when the event does not satisfy its contract', async () => {
    const tooLong = { ...input, reason: 'x'.repeat(1001) };
    await expect(core.revocations.revoke(tooLong)).rejects.toThrow();
    expect(count('revocations')).toBe(0);
    expect(count('outbox')).toBe(0);
  });

  it('signals the relay after a commit, and not after a rollback', async () => {
    const onCommitted = jest.fn();
    const service = createRevocationService({
      store: core.store,
      outbox: core.outbox,
      topic: 'test.revocations.v1',
      accessTokenTtlSeconds: 300,
      clock: { now: () => now },
      signer: { current: { kid: 'test', privateKey: generateKeyPairSync('ed25519').privateKey } },
      onCommitted,
    });
    await service.revoke(input);
    expect(onCommitted).toHaveBeenCalledTimes(1);
    core.store.db.exec("CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'no'); END");
    await expect(service.revoke(input)).rejects.toBeInstanceOf(StoreError);
    expect(onCommitted).toHaveBeenCalledTimes(1);
  });

  it('reports publication state', async () => {
    const r = await core.revocations.revoke(input);
    expect(core.revocations.get(r.id)).toMatchObject({ id: r.id, published: false, publishedAt: null });
    core.outbox.markPublished([revocationRows(1)[0]!.seq], now + 5);
    expect(core.revocations.get(r.id)).toMatchObject({ published: true, publishedAt: now + 5 });
  });

  it('re-signs every live revocation with the current signer, same payload, new event ids', async () => {
    const live = await core.revocations.revoke(input);
    const before = revocationRows(10);
    expect(await core.revocations.republishLive(now + 1)).toBe(1);
    const after = revocationRows(10);
    expect(after).toHaveLength(2);
    const opened = await openSignedEvent(after[1]!.record.value, trustIn(core.eventSigners.trusted()));
    if (!opened.ok) throw new Error(opened.message);
    expect(opened.event.id).not.toBe(before[0]!.eventId);
    expect(opened.event.payload).toMatchObject({ revocation_id: live.id, not_after_iat: live.notAfterIat, expires_at: live.expiresAt });
    // Expired rules are not republished.
    expect(await core.revocations.republishLive(live.expiresAt)).toBe(0);
    // The revocation's own publication record is still the first event.
    expect(core.revocations.get(live.id).eventId).toBe(before[0]!.eventId);
  });

  it('throws RevocationNotFoundError for an unknown id', () => {
    expect(() => core.revocations.get('nope')).toThrow(RevocationNotFoundError);
  });

  it('answers the latest rule second for a subject or client', async () => {
    expect(core.revocations.latestNotAfterIat({ sub: 'alice', clientId: 'c' })).toBeUndefined();
    await core.revocations.revoke(input);
    expect(core.revocations.latestNotAfterIat({ sub: 'alice', clientId: 'c' })).toBe(Math.floor(now / 1000));
    expect(core.revocations.latestNotAfterIat({ sub: 'bob', clientId: 'c' })).toBeUndefined();
  });
});
