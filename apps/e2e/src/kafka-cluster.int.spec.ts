import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { Sidecar } from '@revmesh/sidecar';
import { freePort } from '@revmesh/test-support';
import { REPO_ROOT, startAuthority, type AuthorityHandle } from './support/authority-process';
import { burst } from './support/revocation-burst';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

const run = promisify(execFile);
const NODES = 3;

/** Distinct free loopback ports. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function quantiles(values: readonly number[]): string {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted[sorted.length - 1]} ms (n=${sorted.length})`;
}

/**
 * revmesh on a three-broker KRaft cluster (deploy/local-kafka/cluster.sh), one private cluster
 * for the whole file: topics are replicated 3 times with min.insync.replicas 2, and a broker
 * killed -9 during a burst of revocations loses none that the authority accepted.
 */
describe('three-broker Kafka cluster', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'revmesh-kafka-cluster-'));
  let env: NodeJS.ProcessEnv = {};
  let brokers = '';
  const cluster = (...args: string[]) =>
    run('bash', [join(REPO_ROOT, 'deploy/local-kafka/cluster.sh'), ...args], { env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
  let authority: AuthorityHandle | undefined;
  const sidecars: Sidecar[] = [];

  beforeAll(async () => {
    const ports = await freePorts(2 * NODES);
    env = {
      ...process.env,
      KAFKA_CLUSTER_DIR: dataDir,
      KAFKA_CLUSTER_PORTS: ports.slice(0, NODES).join(','),
      KAFKA_CLUSTER_CONTROLLER_PORTS: ports.slice(NODES).join(','),
    };
    brokers = (await cluster('start')).stdout.trim().split('\n').pop()!;
    authority = await startAuthority({ brokers, topicPrefix: uniquePrefix('kcluster') });
    sidecars.push(...(await startSidecars(authority, 2, { staleness: { maxSilenceMs: 600_000 } })));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.close().catch(() => undefined)));
    await authority?.process.stop().catch(() => undefined);
    await cluster('stop').catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('creates revmesh topics with 3 replicas and min.insync.replicas 2', async () => {
    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topic = `${authority!.env['REVMESH_TOPIC_PREFIX']}revocations.v1`;
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0]!.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas'] }] });
      expect(configs.resources[0]!.configEntries[0]!.configValue).toBe('2');
    } finally {
      await admin.disconnect();
    }
  });

  it('a broker killed -9 mid-burst and restarted: every 202 reaches every sidecar, relay and readers recover on their own', async () => {
    const count = 300;
    const killAfter = 100;
    // The node leading the most revocation partitions: its loss forces leader elections.
    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topic = `${authority!.env['REVMESH_TOPIC_PREFIX']}revocations.v1`;
    const leaders = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.map((p) => p.leader);
    await admin.disconnect();
    const victim = [1, 2, 3].sort((a, b) => leaders.filter((l) => l === b).length - leaders.filter((l) => l === a).length)[0]!;

    let killedAt = 0;
    const { acceptedAt, unanswered } = await burst(authority!, 'kcluster', count, 8, (done) => {
      if (done === killAfter) {
        killedAt = Date.now();
        process.kill(Number(readFileSync(join(dataDir, `node-${victim}`, 'kafka.pid'), 'utf8').trim()), 'SIGKILL');
      }
    });
    expect(killedAt).toBeGreaterThan(0);
    // Two of three replicas remain in sync: the authority keeps accepting and publishing.
    expect(unanswered).toBe(0);
    expect(acceptedAt.size).toBe(count);

    const ids = [...acceptedAt.keys()];
    const allApplied = () => sidecars.every((s) => ids.every((id) => s.appliedRevocation(id) !== undefined));
    // With one broker down, nothing restarted: the relay and the sidecars' readers move to the new leaders.
    await eventually(`every sidecar applied all ${count} revocations with broker ${victim} down`, allApplied, 60_000);
    const appliedWhileDownAt = Date.now();

    const restartStarted = Date.now();
    await cluster('start', String(victim));
    const restartMs = Date.now() - restartStarted;
    // And after the broker is back, new revocations still flow (the restarted node rejoins the ISR).
    const after = await authority!.admin.request('POST', '/v1/revocations', { target: 'jti', value: 'kcluster-after-restart', reason: 'broker back' });
    expect(after.status).toBe(202);
    const afterId = String(after.body['id']);
    await eventually('a revocation after the restart reaches every sidecar', () => sidecars.every((s) => s.appliedRevocation(afterId) !== undefined), 60_000);

    const latencies = (select: (at: number) => boolean) =>
      sidecars.flatMap((s) => ids.filter((id) => select(acceptedAt.get(id)!)).map((id) => Number(s.appliedRevocation(id)!.latencyMs)));
    process.stdout.write(
      `kafka cluster: broker ${victim} (leader of ${leaders.filter((l) => l === victim).length}/${leaders.length} revocation partitions) killed -9 after ${killAfter} of ${count} revocations; ` +
        `all ${count} answered 202 and applied by ${sidecars.length} sidecars ${appliedWhileDownAt - killedAt} ms after the kill, before its restart (${restartMs} ms). ` +
        `Issue-to-apply latency of revocations accepted over 1 s before the kill: ${quantiles(latencies((at) => at < killedAt - 1000))}; ` +
        `in the last second before it (in flight): ${quantiles(latencies((at) => at >= killedAt - 1000 && at < killedAt))}; after it: ${quantiles(latencies((at) => at >= killedAt))}\n`,
    );
  }, 240_000);
});
