import type { Sidecar } from '@revmesh/sidecar';
import { adminApi, issueToken, kidOf, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/**
 * Emergency compromise and rollback through the real authority and broker, with three
 * sidecars that learn keys from the keys topic only.
 */
describe('emergency key compromise and rollback', () => {
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: uniquePrefix('keys'),
      extraEnv: { REVMESH_PROMOTION_GATE_TIMEOUT_MS: '5000' },
    });
    sidecars = await startSidecars(authority, 3);
  });
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((s) => s.close()));
    await authority?.process.stop();
  });

  const acceptedByAll = async (token: string) => (await Promise.all(sidecars.map((s) => s.verify(token)))).every((r) => r.ok);

  it('rejects every token of the compromised key everywhere with KEY_REVOKED, accepts new tokens, and reports time to full acknowledgement', async () => {
    const before = [await issueToken(authority), await issueToken(authority)];
    const compromisedKid = kidOf(before[0]!);
    for (const token of before) expect(await acceptedByAll(token)).toBe(true);

    const calledAt = Date.now();
    const { status, body } = await adminApi(authority, 'POST', `/v1/keys/${compromisedKid}/compromise`, { reason: 'private key found in a public repository' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ kind: 'emergency', from_kid: compromisedKid, from_key_state: 'revoked', gate_outcome: 'skipped' });
    expect(body['to_kid']).not.toBe(compromisedKid);
    expect(body['new_standby_kid']).toEqual(expect.any(String));

    for (const sidecar of sidecars) {
      await eventually('compromised key revoked at the sidecar', async () => !(await sidecar.verify(before[0]!)).ok);
      for (const token of before) expect(await sidecar.verify(token)).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
    }
    const enforcedAt = Date.now();

    // New tokens come from the promoted standby, which every sidecar already held.
    const after = await issueToken(authority);
    expect(kidOf(after)).toBe(body['to_kid']);
    expect(await acceptedByAll(after)).toBe(true);

    // Time from the call to every live sidecar acknowledging the revocation of the key.
    let fullyAcknowledgedAt = 0;
    await eventually('every live sidecar acknowledged the compromise', async () => {
      const details = await adminApi(authority, 'GET', `/v1/rotations/${String(body['id'])}`);
      const events = details.body['events'] as { kid: string; state: string; complete: boolean; live_instances: number; applied: { applied_at: number | null }[] }[];
      const revoked = events.find((e) => e.kid === compromisedKid && e.state === 'revoked');
      if (!revoked?.complete || revoked.live_instances < 3) return false;
      fullyAcknowledgedAt = Math.max(...revoked.applied.map((a) => a.applied_at ?? 0));
      return true;
    });
    process.stdout.write(
      `key compromise: enforced by all 3 sidecars ${enforcedAt - calledAt} ms after the call (observed by polling); ` +
        `fully acknowledged ${fullyAcknowledgedAt - calledAt} ms after the call\n`,
    );
    expect(fullyAcknowledgedAt).toBeGreaterThanOrEqual(calledAt);
  });

  it('rollback restores the previous key; rollback onto a revoked key is refused', async () => {
    const old = await issueToken(authority);
    const oldKid = kidOf(old);
    const rotated = await adminApi(authority, 'POST', '/v1/keys/rotate', { reason: 'scheduled rotation brought forward' });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ from_kid: oldKid, from_key_state: 'retiring' });
    const fresh = await issueToken(authority);
    const newKid = kidOf(fresh);
    expect(newKid).toBe(rotated.body['to_kid']);
    for (const sidecar of sidecars) await eventually('new key usable', async () => (await sidecar.verify(fresh)).ok);

    const rollback = await adminApi(authority, 'POST', `/v1/rotations/${String(rotated.body['id'])}/rollback`, { reason: 'new key breaks a partner' });
    expect(rollback.status).toBe(201);
    // Tokens are signed by the previous key again, and tokens of the rolled-back key stop working.
    const afterRollback = await issueToken(authority);
    expect(kidOf(afterRollback)).toBe(oldKid);
    for (const sidecar of sidecars) {
      await eventually('rolled-back key removed', async () => !(await sidecar.verify(fresh)).ok);
      expect(await sidecar.verify(fresh)).toMatchObject({ ok: false, code: 'KEY_UNKNOWN' });
      expect(await sidecar.verify(old)).toMatchObject({ ok: true });
      expect(await sidecar.verify(afterRollback)).toMatchObject({ ok: true });
    }

    // Compromise the active key, then try to roll that emergency back onto it.
    const emergency = await adminApi(authority, 'POST', `/v1/keys/${oldKid}/compromise`, { reason: 'leaked after all' });
    expect(emergency.status).toBe(201);
    const refused = await adminApi(authority, 'POST', `/v1/rotations/${String(emergency.body['id'])}/rollback`, { reason: 'undo' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ROLLBACK_TARGET_REVOKED' });
    for (const sidecar of sidecars) {
      await eventually('old key revoked', async () => !(await sidecar.verify(old)).ok);
      expect(await sidecar.verify(old)).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
    }
  });
});
