import type { EventSignerJwk } from '@revmesh/contracts';
import { compromiseActor as ADMIN, openCoreFixture, openOutbox, publishAll, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';

describe('signed outbox', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await openCoreFixture();
  });
  afterEach(() => f.cleanup());

  it('every row the authority ever queued opens with openSignedEvent against a signer it published', async () => {
    // Every signer the well-known endpoint ever served, collected as a sidecar following the chain would.
    const published = new Map<string, EventSignerJwk>();
    const remember = (): void => {
      for (const jwk of f.core.eventSigners.trusted()) published.set(jwk.kid, jwk);
    };
    remember();
    f.time.onSleep = (now) => {
      publishAll(f.core, now);
      remember();
    };
    await f.core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'r', actor: ADMIN });
    await f.core.rotations.rotate('manual', { actor: ADMIN, reason: 'r' });
    await f.core.rotations.compromise(f.core.keys.active.kid, { actor: ADMIN, reason: 'r' });
    await f.core.eventSigners.rotation.rotate({ actor: ADMIN, reason: 'r' });
    remember();
    await f.core.revocations.revoke({ target: { type: 'client_id', value: 'c' }, reason: 'r', actor: ADMIN });
    f.time.now += 10_000_000;
    await f.core.scheduler.tick();

    const rows = await openOutbox(f.core, trustIn([...published.values()]));
    expect(rows.length).toBeGreaterThan(15);
    for (const row of rows) {
      expect({ seq: row.seq, reason: row.reason }).toEqual({ seq: row.seq, reason: undefined });
    }
    expect(new Set(rows.map((r) => r.topic))).toEqual(new Set(['test.keys.v1', 'test.revocations.v1', 'test.audit.v1']));
  });

  it('stores compact JWS bytes, never plain JSON', async () => {
    await f.core.revocations.revoke({ target: { type: 'jti', value: 'j' }, reason: 'r', actor: ADMIN });
    const values = f.core.store.db.prepare('SELECT value FROM outbox').pluck().all() as Buffer[];
    for (const value of values) expect(value.toString()).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('a row altered after signing no longer opens', async () => {
    await f.core.revocations.revoke({ target: { type: 'jti', value: 'j' }, reason: 'r', actor: ADMIN });
    const [seq, value] = f.core.store.db.prepare("SELECT seq, value FROM outbox WHERE topic = 'test.revocations.v1'").raw().get() as [number, Buffer];
    const [header, payload, signature] = value.toString().split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { payload: { target: { value: string } } };
    forged.payload.target.value = 'someone-else';
    f.core.store.db
      .prepare('UPDATE outbox SET value = ? WHERE seq = ?')
      .run(Buffer.from(`${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`), seq);
    const [row] = await openOutbox(f.core, trustIn(f.core.eventSigners.trusted()), 'test.revocations.v1');
    expect(row!.reason).toBe('SIGNATURE_INVALID');
  });
});
