import { randomUUID } from 'node:crypto';
import {
  encodeSnapshotRules,
  mergeSnapshotRules,
  openSignedEvent,
  signSnapshot,
  topicNames,
  type EventSigningKey,
  type RevocationIssuedEvent,
  type RevocationTargetType,
  type SnapshotRule,
} from '@revmesh/contracts';
import {
  appendSignedEvent,
  authorityHeartbeatEvent,
  createInMemoryTransport,
  createRecordingLogger,
  createTestEventSigner,
  revocationEvent,
  type InMemoryTransport,
  type TestEventSigner,
} from '@revmesh/test-support';
import { createDenyList, type DenyList, type DenyMatch } from '../deny-list/deny-list';
import { createRuleKeyHasher } from '../deny-list/rule-key';
import { createTopicReaders } from '../sync/topic-readers';
import { seededRandom } from '../testing/seeded-random.spec-helper';
import { createSnapshotBootstrap, type SnapshotBootstrap } from './snapshot-bootstrap';

const T0 = 1_750_000_000_000;
const TOPICS = topicNames('snap.');
const IDP = 'https://idp.example';
const scopeOf = (iss: string | undefined): string => iss ?? '';
type ProbedType = Extract<RevocationTargetType, 'jti' | 'sub' | 'client_id' | 'sid'>;
const TYPES: readonly ProbedType[] = ['jti', 'sub', 'client_id', 'sid'];

interface History {
  readonly events: RevocationIssuedEvent[];
  /** Values per type, to probe. */
  readonly pools: Readonly<Record<ProbedType, readonly string[]>>;
}

/** A random history: targets drawn from small pools (so rules merge), two issuers, cut-offs and expiries all over (some already expired). */
function randomHistory(seed: number, count: number): History {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const pools = {
    jti: Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? randomUUID() : `jti-${seed}-${i}`)),
    sub: ['alice', 'bob', 'carol', 'dave'],
    client_id: ['web', 'cli', 'batch'],
    sid: ['s1', 's2', 's3'],
  } as const;
  const events = Array.from({ length: count }, () => {
    const type = pick(TYPES);
    const revokedAt = T0 - 3 * 3_600_000 + Math.floor(random() * 3_600_000);
    return revocationEvent({
      target: { type, value: pick(pools[type]) },
      ...(random() < 0.3 ? { iss: IDP } : {}),
      revocationId: random() < 0.5 ? randomUUID() : `rev-${Math.floor(random() * 1e9)}`,
      issuedAt: revokedAt,
      revokedAt,
      notAfterIat: Math.floor(T0 / 1000) - Math.floor(random() * 7200),
      // From an hour ago (already expired) to three hours ahead.
      expiresAt: T0 - 3_600_000 + Math.floor(random() * 4 * 3_600_000),
    });
  });
  return { events, pools };
}

const asRule = (event: RevocationIssuedEvent): SnapshotRule => ({
  revocationId: event.payload.revocation_id,
  targetType: event.payload.target.type,
  value: event.payload.target.value,
  iss: event.payload.iss,
  notAfterIat: event.payload.not_after_iat,
  expiresAt: event.payload.expires_at,
});

interface Started {
  readonly denyList: DenyList;
  readonly bootstrap: SnapshotBootstrap | undefined;
  readonly applied: number;
}

/**
 * Reads the topics as the sidecar does (`createTopicReaders`, with or without the snapshot
 * bootstrap), applying each signed revocation to a deny list; resolves once caught up.
 */
async function coldStart(transport: InMemoryTransport, signer: TestEventSigner, clock: () => number, withSnapshots: boolean): Promise<Started> {
  const hasher = createRuleKeyHasher(new Uint8Array(16).fill(7));
  const denyList = createDenyList({ maxEntries: 1_000_000, maxRuleTtlMs: 86_400_000, clock, hasher });
  const trust = { publicKeyFor: (kid: string) => (kid === signer.kid ? signer.publicKey : undefined) };
  const logger = createRecordingLogger();
  const bootstrap = withSnapshots
    ? createSnapshotBootstrap({ topics: TOPICS, instanceId: 'cold', trust, denyList, scopeOf, timeoutMs: 5000, clock, logger, isClosed: () => false })
    : undefined;
  let applied = 0;
  let resolveDone!: () => void;
  let rejectDone!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const readers = createTopicReaders({
    topics: TOPICS,
    instanceId: `cold-${withSnapshots}`,
    logger,
    ...(bootstrap === undefined ? {} : { snapshots: bootstrap }),
    handle: async (topic, record) => {
      const opened = await openSignedEvent(record.value, trust);
      if (topic !== 'revocations' || !opened.ok || opened.event.type !== 'revocation.issued') return;
      const { payload } = opened.event;
      denyList.apply({ revocationId: payload.revocation_id, scope: scopeOf(payload.iss), target: payload.target, notAfterIat: payload.not_after_iat, expiresAt: payload.expires_at });
      applied++;
    },
    isClosed: () => false,
    onCaughtUp: () => resolveDone(),
    onNotCaughtUp: (error) => rejectDone(error),
  });
  await readers.start(transport);
  await done;
  await readers.stop();
  return { denyList, bootstrap, applied };
}

/** Every (issuer, type, value) of the pools, probed at cut-offs around every rule's: the two deny lists must answer alike. */
function differences(a: DenyList, b: DenyList, history: History): string[] {
  const iats = [0, ...new Set(history.events.flatMap((e) => [e.payload.not_after_iat, e.payload.not_after_iat + 1]))];
  const out: string[] = [];
  for (const scope of ['', IDP]) {
    for (const type of TYPES) {
      for (const value of history.pools[type]) {
        for (const iat of type === 'jti' ? [0] : iats) {
          const token = { jti: 'none', sub: 'none', client_id: 'none', sid: 'none', iat, [type]: value };
          const [x, y]: (DenyMatch | undefined)[] = [a.match(token, scope), b.match(token, scope)];
          if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${scope}|${type}|${value}|iat ${iat}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
        }
      }
    }
  }
  return out;
}

interface Published {
  readonly transport: InMemoryTransport;
  readonly coveredAt: number;
  readonly offsets: Record<string, string>;
}

/** Appends the history's events (with heartbeats between) and returns where the first `cut` of them end. */
async function publishHistory(history: History, signer: TestEventSigner, cut: number, random: () => number): Promise<Published> {
  const transport = createInMemoryTransport({ partitions: 3 });
  let offsets: Record<string, string> = { '0': '0', '1': '0', '2': '0' };
  let coveredAt = T0 - 4 * 3_600_000;
  let at = T0 - 4 * 3_600_000;
  for (const [i, event] of history.events.entries()) {
    if (i === cut) {
      const [state] = await transport.describeTopics([TOPICS.revocations]);
      offsets = Object.fromEntries(state!.partitions.map((p) => [String(p.partition), p.high]));
      coveredAt = at++;
    }
    if (random() < 0.2) await appendSignedEvent(transport, TOPICS.revocations, authorityHeartbeatEvent({ now: at }), signer, { timestamp: at++ });
    await appendSignedEvent(transport, TOPICS.revocations, event, signer, { timestamp: at++ });
  }
  if (cut >= history.events.length) {
    const [state] = await transport.describeTopics([TOPICS.revocations]);
    offsets = Object.fromEntries(state!.partitions.map((p) => [String(p.partition), p.high]));
    coveredAt = at++;
  }
  return { transport, coveredAt, offsets };
}

async function appendSnapshot(
  transport: InMemoryTransport,
  signer: EventSigningKey,
  rules: readonly SnapshotRule[],
  published: Pick<Published, 'coveredAt' | 'offsets'>,
  seq: number,
): Promise<{ key: string; value: Buffer }[]> {
  const { records } = await signSnapshot(
    {
      seq,
      createdAt: published.coveredAt + 1,
      coveredAt: published.coveredAt,
      topics: { revocations: TOPICS.revocations, keys: TOPICS.keys },
      offsets: { revocations: published.offsets, keys: { '0': '0' } },
      keySetVersion: 0,
      ruleCount: rules.length,
      body: encodeSnapshotRules(rules),
      chunkBytes: 1024,
    },
    signer,
  );
  return records;
}

const appendAll = (transport: InMemoryTransport, records: readonly { key: string; value: Buffer }[]): void => {
  for (const record of records) transport.append({ topic: TOPICS.snapshots, key: record.key, value: record.value, partition: 0 });
};

describe('cold start from a signed snapshot', () => {
  let signer: TestEventSigner;
  let forger: TestEventSigner;
  beforeAll(async () => {
    signer = await createTestEventSigner();
    forger = await createTestEventSigner({ kid: 'forger' });
  });

  it('snapshot + tail gives exactly the deny state of a full replay, over random histories with expiries and merges', async () => {
    for (let seed = 1; seed <= 15; seed++) {
      const random = seededRandom(seed * 7919);
      const history = randomHistory(seed, 20 + Math.floor(random() * 80));
      const cut = Math.floor(random() * (history.events.length + 1));
      // The authority reads its store after the offsets: the snapshot may already hold a few rules of the tail.
      const ahead = Math.floor(random() * (history.events.length - cut + 1) * 0.3);
      const published = await publishHistory(history, signer, cut, random);
      const rules = mergeSnapshotRules(history.events.slice(0, cut + ahead).map(asRule), T0);
      appendAll(published.transport, await appendSnapshot(published.transport, signer.signingKey, rules, published, seed));
      let now = T0;
      const clock = () => now;
      const full = await coldStart(published.transport, signer, clock, false);
      const fast = await coldStart(published.transport, signer, clock, true);
      const context = `seed ${seed}, ${history.events.length} events, cut ${cut}, ahead ${ahead}`;
      expect({ context, loaded: fast.bootstrap!.counts().loadedSeq, mismatches: fast.bootstrap!.counts().tailMismatches }).toEqual({ context, loaded: seed, mismatches: 0 });
      // Only the tail was replayed (plus nothing covered).
      expect({ context, applied: fast.applied }).toEqual({ context, applied: history.events.length - cut });
      expect({ context, size: fast.denyList.size, diff: differences(fast.denyList, full.denyList, history) }).toEqual({ context, size: full.denyList.size, diff: [] });
      // And they expire alike.
      for (const later of [1_800_000, 3_600_000, 7_200_000]) {
        now = T0 + later;
        expect({ context, later, diff: differences(fast.denyList, full.denyList, history) }).toEqual({ context, later, diff: [] });
      }
    }
  }, 60_000);

  it('refuses a forged snapshot (counted) and replays in full', async () => {
    const history = randomHistory(101, 40);
    const published = await publishHistory(history, signer, 25, seededRandom(5));
    const rules = mergeSnapshotRules(history.events.slice(0, 25).map(asRule), T0);
    appendAll(published.transport, await appendSnapshot(published.transport, { kid: signer.kid, privateKey: forger.privateKey } satisfies EventSigningKey, rules, published, 9));
    const fast = await coldStart(published.transport, signer, () => T0, true);
    expect(fast.bootstrap!.counts()).toMatchObject({ loadedSeq: undefined, refused: { FORGED: 1 } });
    expect(fast.applied).toBe(40);
  });

  it('refuses a truncated snapshot (a chunk missing) and falls back to the next newest complete one', async () => {
    const history = randomHistory(102, 60);
    const random = seededRandom(6);
    const published = await publishHistory(history, signer, 30, random);
    // Many rules, so the snapshot takes several chunks of 1 KiB.
    const extra = Array.from({ length: 100 }, (): SnapshotRule => ({ revocationId: randomUUID(), targetType: 'jti', value: randomUUID(), iss: undefined, notAfterIat: 0, expiresAt: T0 + 3_600_000 }));
    const rules = mergeSnapshotRules([...history.events.slice(0, 30).map(asRule), ...extra], T0);
    const older = await appendSnapshot(published.transport, signer.signingKey, rules, published, 3);
    appendAll(published.transport, older);
    const newer = await appendSnapshot(published.transport, signer.signingKey, rules, published, 4);
    expect(newer.length).toBeGreaterThan(2);
    appendAll(published.transport, newer.filter((_, i) => i !== 1));
    const fast = await coldStart(published.transport, signer, () => T0, true);
    expect(fast.bootstrap!.counts()).toMatchObject({ loadedSeq: 3, refused: { TRUNCATED: 1 } });
    expect(fast.denyList.match({ jti: extra[0]!.value, sub: 'x', client_id: 'x', iat: 0 })).toEqual({ revocationId: extra[0]!.revocationId, target: 'jti' });
  });

  it('refuses an old snapshot written again after a newer one', async () => {
    const history = randomHistory(103, 30);
    const published = await publishHistory(history, signer, 20, seededRandom(7));
    const rules = mergeSnapshotRules(history.events.slice(0, 20).map(asRule), T0);
    const old = await appendSnapshot(published.transport, signer.signingKey, rules.slice(0, 1), published, 5);
    appendAll(published.transport, old);
    appendAll(published.transport, await appendSnapshot(published.transport, signer.signingKey, rules, published, 8));
    // The old manifest again, as a replay would write it.
    appendAll(published.transport, old.slice(-1));
    const fast = await coldStart(published.transport, signer, () => T0, true);
    expect(fast.bootstrap!.counts()).toMatchObject({ loadedSeq: 8, refused: { OLD: 1 } });
  });

  it('replays in full when the revocations topic was recreated after the snapshot (anchor newer than covered_at)', async () => {
    const history = randomHistory(104, 50);
    const published = await publishHistory(history, signer, 50, seededRandom(8));
    const rules = mergeSnapshotRules(history.events.slice(0, 10).map(asRule), T0);
    // Offsets as high as today's topic, but covered long before any record on it was written.
    appendAll(published.transport, await appendSnapshot(published.transport, signer.signingKey, rules, { offsets: published.offsets, coveredAt: T0 - 10 * 3_600_000 }, 11));
    const fast = await coldStart(published.transport, signer, () => T0, true);
    expect(fast.bootstrap!.counts()).toMatchObject({ loadedSeq: 11, tailMismatches: 1 });
    expect(fast.applied).toBe(50);
    const full = await coldStart(published.transport, signer, () => T0, false);
    expect(differences(fast.denyList, full.denyList, history)).toEqual([]);
  });
});
