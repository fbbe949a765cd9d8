import { encodeSnapshotRules, mergeSnapshotRules, signSnapshot, topicNames, type KeyState, type RevmeshEvent, type SnapshotRule } from '@revmesh/contracts';
import {
  appendSignedEvent,
  authorityHeartbeatEvent,
  createInMemoryTransport,
  createRecordingLogger,
  createTestEventSigner,
  createTestIssuer,
  keyStateEvent,
  revocationEvent,
  type InMemoryTransport,
  type TestEventSigner,
  type TestIssuer,
} from '@revmesh/test-support';
import { createSidecar, type Sidecar } from './sidecar';
import { seededRandom } from './testing/seeded-random.spec-helper';

const T0 = 1_750_000_000_000;
const ISSUER = 'https://auth.snapshot.test';
const AUDIENCE = 'orders-api';
const TOPICS = topicNames();

/**
 * The whole sidecar, started twice on the same topics: once from a signed snapshot plus the tail,
 * once replaying everything (snapshots off). Over random histories of revocations (merging
 * targets, some already expired) and key events (keys announced, activated, retired, revoked), both
 * must answer every probe token alike and hold the same key set.
 */
describe('sidecar cold start from a snapshot equals a full replay (random histories with key events)', () => {
  let signer: TestEventSigner;
  let keys: TestIssuer[];
  beforeAll(async () => {
    signer = await createTestEventSigner();
    keys = await Promise.all([0, 1, 2].map(() => createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: () => T0 })));
  });

  const start = async (transport: InMemoryTransport, snapshots: boolean): Promise<Sidecar> => {
    const sidecar = createSidecar({
      issuer: ISSUER,
      audience: AUDIENCE,
      eventSigners: [signer.publicJwk],
      transport,
      clock: () => T0,
      logger: createRecordingLogger(),
      instanceId: `prop-${snapshots}`,
      staleness: { maxSilenceMs: 86_400_000 },
      snapshots: { enabled: snapshots },
      // A token of a pending key is refused at once (the fixed clock would hold its grace wait forever).
      pendingKeyGraceMs: 0,
    });
    await sidecar.start();
    await sidecar.ready;
    return sidecar;
  };

  it.each([11, 12, 13, 14, 15, 16])('seed %i', async (seed) => {
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const transport = createInMemoryTransport({ partitions: 3 });
    const subs = ['alice', 'bob', 'carol'];
    const jtis = ['j1', 'j2', 'j3', 'j4'];
    let at = T0 - 3 * 3_600_000;
    let version = 0;
    const revocations: SnapshotRule[] = [];
    let cut: { offsets: Record<string, string>; coveredAt: number; rules: number } | undefined;
    const events = 30 + Math.floor(random() * 40);
    const cutAt = Math.floor(random() * events);
    for (let i = 0; i < events; i++) {
      if (i === cutAt) {
        const [state] = await transport.describeTopics([TOPICS.revocations]);
        cut = { offsets: Object.fromEntries(state!.partitions.map((p) => [String(p.partition), p.high])), coveredAt: at++, rules: revocations.length };
      }
      let event: RevmeshEvent;
      const roll = random();
      if (roll < 0.25) {
        const key = pick(keys);
        const state: KeyState = pick(['pending', 'active', 'active', 'retiring', 'revoked']);
        event = keyStateEvent({ key, state, keySetVersion: ++version, now: at });
      } else if (roll < 0.3) {
        event = authorityHeartbeatEvent({ now: at, keySetVersion: version });
      } else {
        const type = random() < 0.5 ? 'jti' : 'sub';
        event = revocationEvent({
          target: { type, value: type === 'jti' ? pick(jtis) : pick(subs) },
          revocationId: `rev-${seed}-${i}`,
          issuedAt: at,
          revokedAt: at,
          notAfterIat: Math.floor(T0 / 1000) - Math.floor(random() * 3600),
          expiresAt: T0 - 1_800_000 + Math.floor(random() * 4 * 3_600_000),
        });
        const { payload } = event;
        revocations.push({ revocationId: payload.revocation_id, targetType: payload.target.type, value: payload.target.value, iss: undefined, notAfterIat: payload.not_after_iat, expiresAt: payload.expires_at });
      }
      const topic = event.type === 'key.state-changed' ? TOPICS.keys : TOPICS.revocations;
      await appendSignedEvent(transport, topic, event, signer, { timestamp: at++ });
    }
    // The authority's store may already hold a few rules the tail repeats.
    const rules = mergeSnapshotRules(revocations.slice(0, Math.min(revocations.length, cut!.rules + Math.floor(random() * 3))), T0);
    const { records } = await signSnapshot(
      {
        seq: seed,
        createdAt: cut!.coveredAt,
        coveredAt: cut!.coveredAt,
        topics: { revocations: TOPICS.revocations, keys: TOPICS.keys },
        offsets: { revocations: cut!.offsets, keys: { '0': '0' } },
        keySetVersion: 0,
        ruleCount: rules.length,
        body: encodeSnapshotRules(rules),
      },
      signer.signingKey,
    );
    for (const record of records) transport.append({ topic: TOPICS.snapshots, key: record.key, value: record.value, partition: 0 });

    const [fast, full] = [await start(transport, true), await start(transport, false)];
    try {
      expect(fast.stats().snapshot).toMatchObject({ loadedSeq: seed, tailMismatches: 0 });
      expect(fast.stats().keySet).toEqual(full.stats().keySet);
      expect(fast.stats().denyListSize).toBe(full.stats().denyListSize);
      const probes: string[] = [];
      for (const key of keys) {
        for (const sub of [...subs, 'nobody']) {
          for (const jti of [...jtis, 'fresh']) {
            for (const age of [0, 1800, 7200]) probes.push(await key.sign({ sub, jti, iat: Math.floor(T0 / 1000) - age, exp: Math.floor(T0 / 1000) + 300 }));
          }
        }
      }
      for (const token of probes) expect(await fast.verify(token)).toEqual(await full.verify(token));
    } finally {
      await fast.close();
      await full.close();
    }
  }, 60_000);
});
