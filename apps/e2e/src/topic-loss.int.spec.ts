import { Kafka, logLevel } from 'kafkajs';
import type { Sidecar } from '@revmesh/sidecar';
import { adminApi, claimsOf, issueToken, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

const brokers = () => process.env['KAFKA_BROKERS']!;

async function deleteTopic(topic: string): Promise<void> {
  const admin = new Kafka({ brokers: brokers().split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

const revocationsTopic = (authority: AuthorityHandle) => `${authority.env['REVMESH_TOPIC_PREFIX']!}revocations.v1`;
const jtiOf = (token: string) => String(claimsOf(token)['jti']);

/**
 * The revocations topic deleted under a running mesh (an operator's mistake, or a broker that lost
 * its data): no revocation accepted before or during the loss may be forgotten, by a running
 * sidecar or by one started afterwards, and the loss must show in readiness, metrics and an alert.
 */
describe('revocations topic lost on the broker', () => {
  const sidecars: Sidecar[] = [];
  const authorities: AuthorityHandle[] = [];
  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.close()));
    for (const a of authorities) await a.process.stop();
  });

  it('is recreated with every live revocation republished while the authority runs; running and new sidecars deny all', async () => {
    const authority = await startAuthority({
      brokers: brokers(),
      topicPrefix: uniquePrefix('topicloss'),
      extraEnv: { REVMESH_TOPIC_CHECK_MS: '1000', REVMESH_AUTHORITY_HEARTBEAT_MS: '500' },
    });
    authorities.push(authority);
    const [running] = await startSidecars(authority, 1, { instanceId: 'topic-loss-running' });
    sidecars.push(running!);
    const before = await issueToken(authority);
    const during = await issueToken(authority);
    expect((await revoke(authority, 'jti', jtiOf(before))).status).toBe(202);
    await eventually('the first revocation applied', async () => !(await running!.verify(before)).ok);

    await deleteTopic(revocationsTopic(authority));
    const deletedAt = Date.now();
    // Accepted while the topic is gone: it waits in the outbox.
    expect((await revoke(authority, 'jti', jtiOf(during))).status).toBe(202);
    await eventually('the revocation accepted during the loss applied by the running sidecar', async () => !(await running!.verify(during)).ok, 30_000);
    process.stdout.write(`topic loss: revocations topic deleted; the revocation accepted meanwhile enforced by the running sidecar ${Date.now() - deletedAt} ms later (guard interval 1000 ms)\n`);
    expect(await running!.verify(before)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });

    await eventually('the loss recovered', async () => ((await adminApi(authority, 'GET', '/v1/alerts')).body['alerts'] as { kind: string }[]).some((a) => a.kind === 'topic_lost'), 15_000);
    await eventually('the republished state on Kafka', async () => ((await (await fetch(`${authority.url}/healthz`)).json()) as { outbox_pending: number }).outbox_pending === 0, 20_000);
    await eventually('readiness ok again', async () => ((await (await fetch(`${authority.url}/health/ready`)).json()) as { status: string }).status === 'ok', 15_000);
    // A sidecar starting now reads the recreated topic only: it must find both.
    const [fresh] = await startSidecars(authority, 1, { instanceId: 'topic-loss-fresh' });
    sidecars.push(fresh!);
    expect(await fresh!.verify(before)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(await fresh!.verify(during)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(await fresh!.verify(await issueToken(authority))).toMatchObject({ ok: true });

    const metrics = await (await fetch(`${authority.url}/metrics`)).text();
    expect(metrics).toMatch(/revmesh_authority_topics_recovered_total\{[^}]*how="missing"[^}]*\} [1-9]/);
    const alerts = await adminApi(authority, 'GET', '/v1/alerts');
    expect(alerts.body['alerts']).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'topic_lost', severity: 'critical' })]));
  });

  it('fails closed within the staleness bound while the topic stays gone, and a restarted authority republishes what was lost', async () => {
    // The guard looks rarely here, so the topic stays gone long enough to watch the sidecar.
    const first = await startAuthority({
      brokers: brokers(),
      topicPrefix: uniquePrefix('topicgone'),
      extraEnv: { REVMESH_TOPIC_CHECK_MS: '600000', REVMESH_AUTHORITY_HEARTBEAT_MS: '500' },
    });
    authorities.push(first);
    const [watching] = await startSidecars(first, 1, { instanceId: 'topic-gone-watching', staleness: { maxSilenceMs: 2000 } });
    sidecars.push(watching!);
    const revoked = await issueToken(first);
    const valid = await issueToken(first);
    expect((await revoke(first, 'jti', jtiOf(revoked))).status).toBe(202);
    await eventually('revocation applied', async () => !(await watching!.verify(revoked)).ok);

    await deleteTopic(revocationsTopic(first));
    const deletedAt = Date.now();
    await eventually('the sidecar to fail closed', async () => { const result = await watching!.verify(valid); return !result.ok && result.code === 'STALE_STATE'; }, 15_000);
    // Within the bound plus a heartbeat or two and the broker's deletion delay.
    expect(Date.now() - deletedAt).toBeLessThan(12_000);
    // The authority says so too: nothing it accepts reaches the sidecars.
    expect((await revoke(first, 'jti', 'accepted-while-the-topic-is-gone')).status).toBe(202);
    await eventually('readiness degraded', async () => ((await (await fetch(`${first.url}/health/ready`)).json()) as { status: string }).status === 'degraded', 15_000);

    // The authority restarts (with its usual guard): the topic was lost while nobody looked.
    await first.process.stop();
    authorities.pop();
    const restarted = await startAuthority({
      brokers: brokers(),
      topicPrefix: first.env['REVMESH_TOPIC_PREFIX']!,
      previous: { ...first, env: { ...first.env, REVMESH_TOPIC_CHECK_MS: '1000' } },
    });
    authorities.push(restarted);
    // What was lost is republished through the outbox: once it is on Kafka, a new sidecar finds it.
    await eventually('the republished state on Kafka', async () => ((await (await fetch(`${restarted.url}/healthz`)).json()) as { outbox_pending: number }).outbox_pending === 0, 20_000);
    const alerts = (await adminApi(restarted, 'GET', '/v1/alerts')).body['alerts'] as { kind: string; details: { how?: string } }[];
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'topic_lost', details: expect.objectContaining({ how: 'missing' }) })]));
    const [fresh] = await startSidecars(restarted, 1, { instanceId: 'topic-gone-fresh' });
    sidecars.push(fresh!);
    expect(await fresh!.verify(revoked)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    await eventually('the watching sidecar fresh again', async () => (await watching!.verify(valid)).ok === true, 20_000);
    expect(await watching!.verify(revoked)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
  });
});
