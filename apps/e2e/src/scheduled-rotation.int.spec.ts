import type { Sidecar } from '@revmesh/sidecar';
import { adminApi, issueToken, kidOf, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { uniquePrefix } from './support/wait';

/**
 * Scheduled rotation under load: the authority rotates every few seconds while tokens from the
 * old and new keys are verified continuously by three sidecars. No valid token may be rejected,
 * and no sidecar may ever see a token signed by a key it does not hold yet.
 */
describe('scheduled key rotation under load', () => {
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: uniquePrefix('rotation'),
      extraEnv: {
        REVMESH_KEY_ROTATION_PERIOD_SECONDS: '4',
        REVMESH_KEY_PREPUBLISH_LEAD_SECONDS: '1',
        REVMESH_ROTATION_CHECK_INTERVAL_MS: '200',
        REVMESH_PROMOTION_GATE_TIMEOUT_MS: '3000',
        REVMESH_ACCESS_TOKEN_TTL_SECONDS: '60',
      },
    });
    sidecars = await startSidecars(authority, 3);
  });
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((s) => s.close()));
    await authority?.process.stop();
  });

  it('rejects no valid token across two rotations', async () => {
    const calendar = await adminApi(authority, 'GET', '/v1/keys/calendar');
    expect(calendar.status).toBe(200);

    const tokens: string[] = [];
    const failures: string[] = [];
    const kids = new Set<string>();
    let verifications = 0;
    const deadline = Date.now() + 11_000;
    while (Date.now() < deadline) {
      const token = await issueToken(authority);
      kids.add(kidOf(token));
      tokens.push(token);
      // Every token issued so far, old keys and new, must still be accepted everywhere.
      const sample = [token, ...tokens.slice(-20, -1), tokens[0]!];
      for (const sidecar of sidecars) {
        for (const t of sample) {
          const result = await sidecar.verify(t);
          verifications++;
          if (!result.ok) failures.push(`${sidecar.stats().instanceId}: ${result.code} ${result.message} (kid ${kidOf(t)})`);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(failures).toEqual([]);
    // The load really spanned rotations: tokens were signed by at least three keys.
    expect(kids.size).toBeGreaterThanOrEqual(3);
    expect(verifications).toBeGreaterThan(500);

    const rotations = await adminApi(authority, 'GET', '/v1/rotations');
    const scheduled = (rotations.body['rotations'] as { kind: string; gate_outcome: string; unconfirmed_instances: string[] }[]).filter(
      (r) => r.kind === 'scheduled',
    );
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    // The promotion gate saw all three sidecars confirm the standby before each promotion.
    for (const r of scheduled) {
      expect(r.gate_outcome).toBe('confirmed');
      expect(r.unconfirmed_instances).toEqual([]);
    }
  });
});
