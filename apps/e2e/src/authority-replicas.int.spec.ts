import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { topicNames } from '@revmesh/contracts';
import type { Sidecar } from '@revmesh/sidecar';
import { bootstrapOperator, createTestDatabase, DEFAULT_TEST_JUSTIFICATION, freePort, startServiceProcess, type OperatorSession, type ServiceProcess, type TestDatabase } from '@revmesh/test-support';
import { E2E_POLICY, REPO_ROOT, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/** The lease header the leader stamps on what it publishes (authority-core's LEADER_EPOCH_HEADER). */
const EPOCH_HEADER = 'revmesh-leader-epoch';
const brokers = process.env['KAFKA_BROKERS']!;

interface Replica {
  readonly name: string;
  readonly url: string;
  readonly process: ServiceProcess;
  /** False once killed; SIGSTOPped replicas stay alive but answer nothing. */
  alive: boolean;
}

interface ReplicaHealth {
  readonly role: 'leader' | 'follower';
  readonly epoch: number | null;
  readonly lease_age_ms: number | null;
}

async function health(replica: Replica): Promise<ReplicaHealth | undefined> {
  try {
    const response = await fetch(`${replica.url}/health`, { signal: AbortSignal.timeout(500) });
    return (await response.json()) as ReplicaHealth;
  } catch {
    return undefined;
  }
}

/** A record of the revocations topic, read committed. */
interface TopicRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly epoch: number;
  readonly eventId: string | undefined;
  readonly revocationId: string | undefined;
}

/**
 * Three authority processes on one PostgreSQL database and one broker: any of them accepts
 * revocations, one leader publishes them. The leader is killed -9 mid-burst, then the next one is
 * frozen (SIGSTOP) past its lease and thawed: every revocation answered 202 reaches the sidecar,
 * in order per target, applied once, and nothing is published under a lease after a newer one.
 */
describe('several authority replicas on one PostgreSQL database', () => {
  let database: TestDatabase;
  const replicas: Replica[] = [];
  let sidecar: Sidecar | undefined;
  let admin: OperatorSession;
  const prefix = uniquePrefix('replicas');

  afterAll(async () => {
    // What each replica said about its leadership, for the report (and a failure's diagnosis).
    for (const replica of replicas) {
      const lines = replica.process.output().split('\n').filter((line) => /leadership:/.test(line));
      process.stderr.write(`--- ${replica.name} leadership log:\n${lines.map((l) => l.slice(0, 300)).join('\n')}\n`);
    }
    await sidecar?.close();
    for (const replica of replicas) {
      replica.process.child.kill('SIGCONT');
      await replica.process.stop('SIGKILL');
    }
    await database?.drop();
  });

  async function startReplica(name: string, shared: Record<string, string>): Promise<Replica> {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), `revmesh-e2e-${name}-`));
    const child = await startServiceProcess({
      name,
      command: process.execPath,
      args: [join(REPO_ROOT, 'apps/authority/dist/main.js')],
      env: { ...shared, PORT: String(port), REVMESH_DATA_DIR: dataDir },
      readyLine: /revmesh authority listening on/,
      readyTimeoutMs: 60_000,
    });
    return { name, url: `http://127.0.0.1:${port}`, process: child, alive: true };
  }

  async function leader(among: readonly Replica[] = replicas): Promise<{ replica: Replica; epoch: number } | undefined> {
    for (const replica of among) {
      const h = await health(replica);
      if (h?.role === 'leader' && h.epoch !== null) return { replica, epoch: h.epoch };
    }
    return undefined;
  }

  /** POST /v1/revocations on one replica; undefined when it did not answer (killed, frozen). */
  async function revokeOn(replica: Replica, target: string, reason: string): Promise<string | undefined> {
    try {
      const response = await fetch(`${replica.url}/v1/revocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
        body: JSON.stringify({ target: 'sub', value: target, reason, justification: DEFAULT_TEST_JUSTIFICATION }),
        signal: AbortSignal.timeout(2000),
      });
      const body = (await response.json()) as { id?: string };
      return response.status === 202 ? body.id : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every record of the revocations topic (read committed), once `ids` are all there. */
  async function readTopic(ids: readonly string[]): Promise<TopicRecord[]> {
    const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `replicas-check-${randomBytes(4).toString('hex')}`, readUncommitted: false });
    const records: TopicRecord[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: topicNames(prefix).revocations, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const payload = JSON.parse(Buffer.from(message.value!.toString().split('.')[1] ?? '', 'base64url').toString()) as { id?: string; payload?: { revocation_id?: string } };
        records.push({
          partition,
          offset: BigInt(message.offset),
          epoch: Number(message.headers?.[EPOCH_HEADER]?.toString() ?? 'NaN'),
          eventId: payload.id,
          revocationId: payload.payload?.revocation_id,
        });
      },
    });
    const wanted = new Set(ids);
    await eventually('every accepted revocation on the topic', () => records.filter((r) => r.revocationId !== undefined && wanted.has(r.revocationId)).length >= wanted.size, 30_000);
    await consumer.disconnect();
    return records;
  }

  it('fails over within a bounded time when the leader is killed -9 mid-burst, and a frozen stale leader never publishes again', async () => {
    database = await createTestDatabase('authority_replicas');
    const policyDir = mkdtempSync(join(tmpdir(), 'revmesh-e2e-replicas-'));
    writeFileSync(join(policyDir, 'policy.json'), JSON.stringify(E2E_POLICY));
    const firstPort = await freePort();
    const shared: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      KAFKA_BROKERS: brokers,
      REVMESH_DATABASE_URL: database.url,
      REVMESH_ISSUER: `http://127.0.0.1:${firstPort}`,
      REVMESH_BOOTSTRAP_TOKEN: randomBytes(32).toString('base64url'),
      REVMESH_POLICY_FILE: join(policyDir, 'policy.json'),
      REVMESH_KEK: randomBytes(32).toString('base64'),
      REVMESH_TOPIC_PREFIX: prefix,
      REVMESH_DEMO: 'true',
      REVMESH_DEMO_CLIENT_ID: 'demo-client',
      REVMESH_DEMO_CLIENT_SECRET: randomBytes(32).toString('base64url'),
      // Followers' revocations reach the leader's relay by its poll (no wake-up across processes).
      REVMESH_OUTBOX_POLL_MS: '50',
      REVMESH_LOG_LEVEL: 'info',
    };
    // The first creates the schema and the lease; the others join it.
    replicas.push(await startReplica('authority-1', { ...shared, PORT: String(firstPort) }));
    replicas.push(...(await Promise.all([startReplica('authority-2', shared), startReplica('authority-3', shared)])));
    admin = await bootstrapOperator(replicas[0]!.url, shared['REVMESH_BOOTSTRAP_TOKEN']!);
    await eventually('one leader', async () => (await leader()) !== undefined);
    const roles = await Promise.all(replicas.map(health));
    expect(roles.filter((h) => h?.role === 'leader')).toHaveLength(1);
    expect(roles.filter((h) => h?.role === 'follower')).toHaveLength(2);

    const handle: AuthorityHandle = { url: replicas[0]!.url, admin, clientId: 'demo-client', clientSecret: shared['REVMESH_DEMO_CLIENT_SECRET']!, dataDir: policyDir, env: shared, process: replicas[0]!.process };
    [sidecar] = await startSidecars(handle, 1, { instanceId: 'replicas-sidecar' });

    // A burst: 20 targets, 8 revocations each, one after the other per target (so acceptance
    // order per target is known), round-robin over the replicas; a replica that does not answer
    // is skipped and the revocation sent to the next one.
    const accepted: string[] = [];
    const orderPerTarget = new Map<string, string[]>();
    let unanswered = 0;
    let sent = 0;
    const killAfter = 50;
    let killed: { replica: Replica; epoch: number; at: number } | undefined;
    let killing: Promise<void> | undefined;
    const killLeader = async (): Promise<void> => {
      let current: { replica: Replica; epoch: number } | undefined;
      await eventually('the leader to kill', async () => (current = await leader()) !== undefined);
      if (current === undefined) return;
      const at = performance.now();
      current.replica.alive = false;
      await current.replica.process.stop('SIGKILL');
      killed = { ...current, at };
    };
    await Promise.all(
      Array.from({ length: 20 }, async (_, t) => {
        const target = `failover-user-${t}`;
        const order: string[] = [];
        orderPerTarget.set(target, order);
        for (let n = 0; n < 8; n++) {
          for (let attempt = 0; ; attempt++) {
            const live = replicas.filter((r) => r.alive);
            const replica = live[(t + n + attempt) % live.length]!;
            const id = await revokeOn(replica, target, `burst ${n}`);
            if (id !== undefined) {
              order.push(id);
              accepted.push(id);
              break;
            }
            unanswered++;
            if (attempt > 10) throw new Error(`no replica accepted revocation ${n} of ${target}`);
          }
          if (++sent === killAfter) killing = killLeader();
        }
      }),
    );
    await killing;
    expect(killed).toBeDefined();
    const survivors = replicas.filter((r) => r.alive);
    // The takeover: a survivor leads at a newer epoch.
    await eventually('a new leader', async () => ((await leader(survivors))?.epoch ?? 0) > killed!.epoch, 15_000);
    const takeoverMs = performance.now() - killed!.at;
    const second = (await leader(survivors))!;
    // Every 202, whichever replica answered it, reaches the sidecar.
    await eventually('every accepted revocation applied by the sidecar', () => accepted.every((id) => sidecar!.appliedRevocation(id) !== undefined), 30_000);
    const appliedAllMs = performance.now() - killed!.at;
    process.stderr.write(
      `\n*** authority failover: leader ${killed!.replica.name} (epoch ${killed!.epoch}) killed -9 after ${killAfter} revocations; ${second.replica.name} leads at epoch ${second.epoch} ${Math.round(takeoverMs)} ms later; all ${accepted.length} accepted revocations applied ${Math.round(appliedAllMs)} ms after the kill (${unanswered} requests unanswered by the dead replica, resent) ***\n\n`,
    );

    // SIGSTOP the new leader past its lease (TTL 3 s), while the third replica keeps accepting.
    const frozen = second.replica;
    const third = survivors.find((r) => r !== frozen)!;
    frozen.process.child.kill('SIGSTOP');
    const frozenAt = performance.now();
    const duringFreeze: string[] = [];
    for (let n = 0; n < 10; n++) {
      const id = await revokeOn(third, `frozen-user-${n % 3}`, `during freeze ${n}`);
      if (id !== undefined) duringFreeze.push(id);
    }
    await eventually('the third replica takes over from the frozen one', async () => ((await leader([third]))?.epoch ?? 0) > second.epoch, 15_000);
    const thirdEpoch = (await leader([third]))!.epoch;
    process.stderr.write(`*** ${third.name} took over from the frozen ${frozen.name} ${Math.round(performance.now() - frozenAt)} ms after SIGSTOP (epoch ${thirdEpoch}) ***\n`);
    await eventually('revocations accepted during the freeze applied', () => duringFreeze.every((id) => sidecar!.appliedRevocation(id) !== undefined), 30_000);
    // Thawed: it must notice it lost the lease before publishing anything, and say so.
    frozen.process.child.kill('SIGCONT');
    const afterThaw: string[] = [];
    for (let n = 0; n < 10; n++) {
      const id = await revokeOn(n % 2 === 0 ? frozen : third, `thawed-user-${n % 3}`, `after thaw ${n}`);
      if (id !== undefined) afterThaw.push(id);
    }
    await eventually('the thawed replica reports itself a follower', async () => (await health(frozen))?.role === 'follower', 10_000);
    expect(frozen.process.output()).toMatch(/stepped down at epoch|stepped down: no renewal/);
    await eventually('revocations accepted after the thaw applied', () => afterThaw.every((id) => sidecar!.appliedRevocation(id) !== undefined), 30_000);

    const all = [...accepted, ...duringFreeze, ...afterThaw];
    const records = await readTopic(all);
    // Fencing: on every partition, lease epochs never go back (no stale leader's record after a newer leader's).
    for (const partition of new Set(records.map((r) => r.partition))) {
      const epochs = records.filter((r) => r.partition === partition).sort((a, b) => (a.offset < b.offset ? -1 : 1)).map((r) => r.epoch);
      expect(epochs.every((e) => Number.isInteger(e))).toBe(true);
      expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    }
    const firstOfThird = records.filter((r) => r.epoch === thirdEpoch);
    expect(firstOfThird.length).toBeGreaterThan(0);
    // Per target, revocations appear (first time) in the order they were accepted.
    for (const [, order] of orderPerTarget) {
      const firstSeen = [...new Map(records.filter((r) => r.revocationId !== undefined && order.includes(r.revocationId)).map((r) => [r.revocationId!, r] as const)).values()];
      const positions = order.map((id) => records.findIndex((r) => r.revocationId === id));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect(firstSeen).toHaveLength(order.length);
      const samePartition = new Set(firstSeen.map((r) => r.partition));
      expect(samePartition.size).toBe(1);
      const offsets = order.map((id) => records.filter((r) => r.revocationId === id).map((r) => r.offset).reduce((a, b) => (a < b ? a : b)));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    // Republished records (a batch whose marks the killed leader never wrote) are allowed; their effect is not:
    // the sidecar applied each revocation once.
    const distinctRevocations = new Set(records.flatMap((r) => (r.revocationId === undefined ? [] : [r.revocationId])));
    await eventually('the sidecar applied every revocation on the topic', () => sidecar!.stats().eventsApplied >= distinctRevocations.size);
    expect(sidecar!.stats().eventsApplied).toBe(distinctRevocations.size);
  });
});
