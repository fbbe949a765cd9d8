import type { Sidecar } from '@revmesh/sidecar';
import { claimsOf, issueToken, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/**
 * The first end-to-end path: the authority (a real process) issues a token, accepts a
 * revocation and publishes it through a real Kafka broker; three in-process sidecars stop
 * accepting the token.
 */
describe('a revocation reaches every sidecar', () => {
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('propagation') });
    sidecars = await startSidecars(authority, 3);
  });
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((s) => s.close()));
    await authority?.process.stop();
  });

  it('rejects a token revoked by jti on all three sidecars, and only that token', async () => {
    const token = await issueToken(authority);
    const other = await issueToken(authority);
    for (const sidecar of sidecars) expect(await sidecar.verify(token)).toMatchObject({ ok: true });

    const { status, body } = await revoke(authority, 'jti', String(claimsOf(token)['jti']));
    expect(status).toBe(202);

    for (const sidecar of sidecars) {
      await eventually('jti revocation applied', async () => !(await sidecar.verify(token)).ok);
      expect(await sidecar.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
      expect(await sidecar.verify(other)).toMatchObject({ ok: true });
      const applied = sidecar.appliedRevocation(body.id);
      expect(applied?.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('rejects every earlier token of a subject revoked by sub, and accepts a token issued afterwards', async () => {
    const before = await issueToken(authority);
    for (const sidecar of sidecars) expect(await sidecar.verify(before)).toMatchObject({ ok: true });

    const { status } = await revoke(authority, 'sub', authority.clientId);
    expect(status).toBe(202);
    // Issued right after the revocation, possibly in the same second: the authority must make it valid.
    const after = await issueToken(authority);

    for (const sidecar of sidecars) {
      await eventually('sub revocation applied', async () => !(await sidecar.verify(before)).ok);
      expect(await sidecar.verify(before)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
      expect(await sidecar.verify(after)).toMatchObject({ ok: true });
    }
    expect(Number(claimsOf(after)['iat'])).toBeGreaterThan(Number(claimsOf(before)['iat']) - 1);
  });

  it('a sidecar started after the revocation rejects the token as soon as it is ready', async () => {
    const token = await issueToken(authority);
    const { body } = await revoke(authority, 'jti', String(claimsOf(token)['jti']));
    // Wait until the revocation is on Kafka, so the late sidecar can only learn it from the topic.
    await eventually('revocation published', async () => {
      const r = await authority.admin.request('GET', `/v1/revocations/${body.id}`);
      return r.body['published'] === true;
    });
    const [late] = await startSidecars(authority, 1, { instanceId: 'late-joiner' });
    try {
      // No polling here: `ready` must mean "caught up with everything published before start".
      expect(await late!.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    } finally {
      await late!.close();
    }
  });
});
