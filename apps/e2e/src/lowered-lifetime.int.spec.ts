import type { Sidecar } from '@revmesh/sidecar';
import { claimsOf, issueToken, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/**
 * A token issued under a 1-hour lifetime, the lifetime then lowered to 30 s and the authority
 * restarted (an incident), then the token revoked: the rule must hold until the token's own exp,
 * not until "now + 30 s". The sidecar's clock is moved past the short window to show it.
 */
describe('lowering the token lifetime does not resurrect revoked tokens', () => {
  let authority: AuthorityHandle | undefined;
  let sidecar: Sidecar | undefined;
  let skewMs = 0;
  afterAll(async () => {
    await sidecar?.close();
    await authority?.process.stop();
  });

  it('keeps a jti rule until the token it names expires, through the real broker', async () => {
    const first = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('lifetime'), extraEnv: { REVMESH_ACCESS_TOKEN_TTL_SECONDS: '3600' } });
    const token = await issueToken(first);
    const exp = Number(claimsOf(token)['exp']);
    expect(exp - Number(claimsOf(token)['iat'])).toBe(3600);
    await first.process.stop();

    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: first.env['REVMESH_TOPIC_PREFIX']!,
      previous: { ...first, env: { ...first.env, REVMESH_ACCESS_TOKEN_TTL_SECONDS: '30' } },
    });
    // The sidecar's clock can be moved ahead; its staleness bound is set wide so that moving it is not "silence".
    [sidecar] = await startSidecars(authority, 1, { clock: () => Date.now() + skewMs, staleness: { maxSilenceMs: 3_600_000 } });
    expect(await sidecar!.verify(token)).toMatchObject({ ok: true });

    const revocation = await revoke(authority, 'jti', String(claimsOf(token)['jti']));
    expect(revocation.status).toBe(202);
    expect(Number(revocation.body['expires_at'])).toBeGreaterThanOrEqual(exp * 1000);
    await eventually('jti rule applied', async () => !(await sidecar!.verify(token)).ok);

    // Past "revocation + 30 s lifetime + 60 s skew" (where the rule used to expire), well before exp.
    skewMs = 120_000;
    expect(await sidecar!.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
  });
});
