import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Sidecar } from '@revmesh/sidecar';
import { freePort } from '@revmesh/test-support';
import { REPO_ROOT, startAuthority, type AuthorityHandle } from './support/authority-process';
import { burst } from './support/revocation-burst';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

const run = promisify(execFile);

/** Every accepted revocation is applied by every sidecar given. */
async function expectEnforcedEverywhere(sidecars: readonly Sidecar[], ids: readonly string[]): Promise<void> {
  for (const sidecar of sidecars) {
    await eventually(`${sidecar.instanceId} applied all ${ids.length} accepted revocations`, () => ids.every((id) => sidecar.appliedRevocation(id) !== undefined), 60_000);
  }
}

/**
 * "No accepted revocation is lost" under crashes during a burst: the authority killed -9, and
 * the broker killed -9. Every revocation answered 202 must reach every running sidecar and every
 * sidecar started afterwards.
 */
describe('chaos: kill -9 during a burst of revocations', () => {
  const sidecars: Sidecar[] = [];
  const authorities: AuthorityHandle[] = [];
  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.close().catch(() => undefined)));
    for (const a of authorities) await a.process.stop().catch(() => undefined);
  });

  it('authority killed mid-burst: every 202 is enforced after its restart, by running and new sidecars', async () => {
    const first = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('chaosauth') });
    authorities.push(first);
    const [running] = await startSidecars(first, 1, { instanceId: 'chaos-auth-running' });
    sidecars.push(running!);

    let killed = false;
    const outcome = await burst(first, 'auth-kill', 400, 16, (done) => {
      if (done === 120 && !killed) {
        killed = true;
        first.process.child.kill('SIGKILL');
      }
    });
    expect(killed).toBe(true);
    expect(outcome.accepted.length).toBeGreaterThanOrEqual(100);
    await new Promise((resolve) => first.process.child.exitCode !== null || first.process.child.signalCode !== null ? resolve(undefined) : first.process.child.once('exit', resolve));
    authorities.pop();

    const restarted = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: first.env['REVMESH_TOPIC_PREFIX']!, previous: first });
    authorities.push(restarted);
    const [late] = await startSidecars(restarted, 1, { instanceId: 'chaos-auth-late' });
    sidecars.push(late!);
    await expectEnforcedEverywhere([running!, late!], outcome.accepted);
    process.stdout.write(`chaos: authority killed -9 after 120 of 400 revocations: ${outcome.accepted.length} answered 202, ${outcome.unanswered} unanswered; every 202 enforced by the running and a new sidecar after the restart\n`);
  }, 180_000);

  it('broker killed mid-burst: every 202 is enforced once it is back, the outage shows in readiness, and sidecars recover on their own', async () => {
    // A private broker: killing the shared one would disturb every other test file.
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'revmesh-chaos-kafka-'));
    const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_DATA_DIR: dataDir };
    const kafka = (command: 'start' | 'stop') => run('bash', [join(REPO_ROOT, 'deploy/local-kafka/kafka.sh'), command], { env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
    await kafka('start');
    try {
      const brokers = `127.0.0.1:${port}`;
      const authority = await startAuthority({ brokers, topicPrefix: uniquePrefix('chaosbroker'), extraEnv: { REVMESH_OUTBOX_POLL_MS: '200' } });
      authorities.push(authority);
      const [running] = await startSidecars(authority, 1, { instanceId: 'chaos-broker-running', staleness: { maxSilenceMs: 600_000 } });
      sidecars.push(running!);

      let killedAt = 0;
      const outcome = await burst(authority, 'broker-kill', 300, 8, (done) => {
        if (done === 100 && killedAt === 0) {
          killedAt = Date.now();
          process.kill(Number(readFileSync(join(dataDir, 'kafka.pid'), 'utf8').trim()), 'SIGKILL');
        }
      });
      // The authority keeps accepting durably while its broker is dead.
      expect(outcome.accepted).toHaveLength(300);
      await eventually('readiness degraded while the broker is down', async () => {
        const ready = (await (await fetch(`${authority.url}/health/ready`)).json()) as { status: string; reasons: { component: string }[] };
        return ready.status === 'degraded' && ready.reasons.some((r) => r.component === 'broker');
      }, 60_000);

      await kafka('start');
      await expectEnforcedEverywhere([running!], outcome.accepted);
      const [late] = await startSidecars(authority, 1, { instanceId: 'chaos-broker-late' });
      sidecars.push(late!);
      await expectEnforcedEverywhere([late!], outcome.accepted);
      process.stdout.write(`chaos: broker killed -9 after 100 of 300 revocations; all ${outcome.accepted.length} applied by the running sidecar ${Math.round((Date.now() - killedAt) / 1000)} s after the kill (broker restart included)\n`);
    } finally {
      await Promise.all(sidecars.splice(0).map((s) => s.close().catch(() => undefined)));
      for (const a of authorities.splice(0)) await a.process.stop().catch(() => undefined);
      await kafka('stop').catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
