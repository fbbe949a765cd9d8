import type { Sidecar } from '@revmesh/sidecar';
import { createTestIssuer, type TestIssuer } from '@revmesh/test-support';
import { revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/**
 * `sid` and `client_id` revocations through the real authority and broker. The authority's
 * client_credentials tokens carry no session, so tokens here come from a test issuer whose
 * public key the sidecars trust statically; the revocations still travel authority → Kafka → sidecar.
 */
describe('revocation by sid and by client_id', () => {
  let authority: AuthorityHandle;
  let issuer: TestIssuer;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('targets') });
    issuer = await createTestIssuer({ issuer: authority.url, audience: 'demo-api' });
    sidecars = await startSidecars(authority, 2, { keys: { jwks: issuer.jwks } });
  });
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((s) => s.close()));
    await authority?.process.stop();
  });

  const nowSeconds = () => Math.floor(Date.now() / 1000);

  it('denies every earlier token of a revoked session and leaves other sessions alone', async () => {
    const iat = nowSeconds() - 5;
    const session = await issuer.sign({ sub: 'alice', sid: 'session-1', client_id: 'web', iat });
    const otherSession = await issuer.sign({ sub: 'alice', sid: 'session-2', client_id: 'web', iat });
    expect(await sidecars[0]!.verify(session)).toMatchObject({ ok: true });

    expect((await revoke(authority, 'sid', 'session-1')).status).toBe(202);
    for (const sidecar of sidecars) {
      await eventually('sid revocation applied', async () => !(await sidecar.verify(session)).ok);
      expect(await sidecar.verify(session)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', target: 'sid' });
      expect(await sidecar.verify(otherSession)).toMatchObject({ ok: true });
    }
  });

  it('denies every earlier token of a revoked client, and accepts the client again from the next second on', async () => {
    const before = await issuer.sign({ sub: 'svc-1', client_id: 'batch-job', iat: nowSeconds() - 5 });
    const otherClient = await issuer.sign({ sub: 'svc-1', client_id: 'reporting', iat: nowSeconds() - 5 });

    const { status, body } = await revoke(authority, 'client_id', 'batch-job');
    expect(status).toBe(202);
    const notAfterIat = Number(body['not_after_iat']);
    const later = await issuer.sign({ sub: 'svc-1', client_id: 'batch-job', iat: notAfterIat + 1 });
    const sameSecond = await issuer.sign({ sub: 'svc-1', client_id: 'batch-job', iat: notAfterIat });

    for (const sidecar of sidecars) {
      await eventually('client_id revocation applied', async () => !(await sidecar.verify(before)).ok);
      expect(await sidecar.verify(before)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', target: 'client_id' });
      // iat has one-second granularity: the revocation second itself is denied (README, "one-second iat").
      expect(await sidecar.verify(sameSecond)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
      expect(await sidecar.verify(later)).toMatchObject({ ok: true });
      expect(await sidecar.verify(otherClient)).toMatchObject({ ok: true });
    }
  });
});
