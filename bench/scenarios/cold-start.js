'use strict';
// Cold start to ready: a sidecar (createSidecar with brokers, as a service runs it) started on
// topics holding N active jti revocations, timed from start() to `ready`.
//   subject:  the authority's way — a signed snapshot of the N rules on the snapshot topic
//             (contracts' signSnapshot, 512 KiB chunks) plus a tail of 1,000 signed events after
//             it; the sidecar verifies one signature, loads the rules in bulk, replays the tail.
//   baseline: the same N rules as N signed events on the revocations topic, snapshots off (a full
//             replay, every event's signature checked). Run only up to `baselineMax` rules: at
//             1M it takes minutes.
// Uses KAFKA_BROKERS, or starts the local broker.
const { randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const built = require('../lib/built');
const { bySize } = require('../lib/stats');
const { row } = require('../lib/report');
const { benchSidecarOptions } = require('../lib/in-memory-sidecar');

const TAIL = 1000;
const HOUR = 3_600_000;

function jtiEvent(ts, now) {
  return ts.revocationEvent({ target: { type: 'jti', value: randomUUID() }, now, revocationId: randomUUID(), expiresAt: now + HOUR });
}

/** Appends signed events in batches of 1,000 records. */
async function publishEvents(publisher, topic, signer, events, contracts) {
  for (let i = 0; i < events.length; i += 1000) {
    const slice = events.slice(i, i + 1000);
    const records = await Promise.all(slice.map(async (event) => ({ topic, key: contracts.revocationKey(event.payload.target), value: await signer.sign(event) })));
    await publisher.publish(records);
  }
}

async function timeToReady(options) {
  const { createSidecar } = built.sidecar();
  const sidecar = createSidecar(options);
  const started = performance.now();
  await sidecar.start();
  await sidecar.ready;
  const ms = performance.now() - started;
  const stats = sidecar.stats();
  await sidecar.close();
  return { ms, denyListSize: stats.denyListSize, snapshot: stats.snapshot };
}

async function run({ mode, log }) {
  const ts = built.testSupport();
  const contracts = built.contracts();
  const { createKafkaTransport } = built.transport();
  const sizes = bySize(mode, { full: [100_000, 1_000_000], quick: [20_000, 1_000_000], smoke: [2_000] });
  const baselineMax = bySize(mode, { full: 100_000, quick: 20_000, smoke: 2_000 });
  const brokers = (await ts.ensureKafka()).brokers;
  const transport = createKafkaTransport({ brokers, clientId: 'revmesh-bench-cold-start' });
  const publisher = transport.createPublisher();
  await publisher.connect();
  const signer = await ts.createTestEventSigner();
  const rows = [];
  try {
    for (const size of sizes) {
      const now = Date.now();
      const label = size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
      // Subject: snapshot + tail.
      const snapTopics = contracts.topicNames(`bench-cold-${randomUUID().slice(0, 8)}.`);
      await transport.ensureTopics([contracts.revocationTopicSpec(snapTopics.revocations), contracts.keysTopicSpec(snapTopics.keys), contracts.snapshotTopicSpec(snapTopics.snapshots)]);
      // A heartbeat first, the record the snapshot's offsets end on (the tail's anchor).
      await publisher.publish([{ topic: snapTopics.revocations, key: contracts.AUTHORITY_HEARTBEAT_KEY, value: await signer.sign(ts.authorityHeartbeatEvent({ now })) }]);
      const [state] = await transport.describeTopics([snapTopics.revocations]);
      const coveredAt = Date.now();
      const offsets = Object.fromEntries(state.partitions.map((p) => [String(p.partition), p.high]));
      log(`cold start: encoding and publishing a snapshot of ${label} rules`);
      const rules = Array.from({ length: size }, () => ({ revocationId: randomUUID(), targetType: 'jti', value: randomUUID(), iss: undefined, notAfterIat: 0, expiresAt: now + HOUR }));
      const body = contracts.encodeSnapshotRules(rules);
      // The authority's copy: a sidecar process never holds it (a million live objects would slow its GC).
      rules.length = 0;
      const { records } = await contracts.signSnapshot(
        { seq: now, createdAt: now, coveredAt, topics: { revocations: snapTopics.revocations, keys: snapTopics.keys }, offsets: { revocations: offsets, keys: { 0: '0' } }, keySetVersion: 0, ruleCount: size, body },
        signer.signingKey,
      );
      for (const record of records) await publisher.publish([{ topic: snapTopics.snapshots, key: record.key, value: record.value }]);
      await publishEvents(publisher, snapTopics.revocations, signer, Array.from({ length: TAIL }, () => jtiEvent(ts, now)), contracts);
      const options = (topicPrefix, snapshots) => ({
        ...benchSidecarOptions({ eventSigners: [signer.publicJwk], instanceId: `bench-cold-${randomUUID().slice(0, 8)}` }),
        brokers,
        topicPrefix,
        denyList: { maxEntries: 2_000_000 },
        snapshots: { enabled: snapshots },
      });
      const prefixOf = (topics) => topics.revocations.slice(0, -'revocations.v1'.length);
      log(`cold start: sidecar from the snapshot (${label} rules + ${TAIL} tail events)`);
      const subject = await timeToReady(options(prefixOf(snapTopics), true));
      if (subject.snapshot?.loadedSeq !== now || subject.denyListSize < size + TAIL) throw new Error(`cold start did not load the snapshot: ${JSON.stringify(subject.snapshot)}, ${subject.denyListSize} rules`);
      let baseline;
      if (size <= baselineMax) {
        const fullTopics = contracts.topicNames(`bench-full-${randomUUID().slice(0, 8)}.`);
        await transport.ensureTopics([contracts.revocationTopicSpec(fullTopics.revocations), contracts.keysTopicSpec(fullTopics.keys)]);
        log(`cold start: publishing ${label} signed events for the full replay`);
        await publishEvents(publisher, fullTopics.revocations, signer, Array.from({ length: size + TAIL }, () => jtiEvent(ts, now)), contracts);
        log(`cold start: sidecar replaying ${label} events in full`);
        baseline = await timeToReady(options(prefixOf(fullTopics), false));
      }
      rows.push(
        row({
          measure: `cold start to ready, ${label} active revocations`,
          baseline: baseline ? { label: 'full replay (snapshots off)', value: baseline.ms / 1000, unit: 's', rounds: [baseline.ms / 1000] } : { label: 'full replay: not run at this size', value: NaN, unit: 's', rounds: [] },
          subject: { label: `signed snapshot + ${TAIL} tail events`, value: subject.ms / 1000, unit: 's', rounds: [subject.ms / 1000] },
          better: 'lower',
          target: size >= 1_000_000 ? '< 10 s' : '',
          note: `snapshot ${(body.length / 1024 / 1024).toFixed(1)} MB in ${records.length - 1} chunks; loaded in ${subject.snapshot.loadMs} ms, of which ${subject.snapshot.readMs} ms reading the topic and checking it`,
        }),
      );
    }
  } finally {
    await publisher.disconnect().catch(() => undefined);
    await transport.close();
  }
  return rows;
}

module.exports = { name: 'cold-start', needs: ['kafka'], run };
