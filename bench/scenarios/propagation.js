'use strict';
// Propagation through the broker: how long from handing a record to a kafkajs producer until every
// receiver has it, at 1 and 10 receivers in this process, interleaved:
//   baseline: raw kafkajs, a plain record to N consumers (each its own group, maxWaitTimeInMs 100
//             and no offset commits, as the sidecar's readers) on a topic made like the revocations topic;
//   subject:  a signed `revocation.issued` event, produced as the authority's relay does
//             (idempotent, acks=all, its record key), until N sidecars have applied it
//             (onRevocationApplied), signature check and deny-list update included.
// The authority's own share (HTTP request, store, outbox) is not in this row: it belongs to an
// authority scenario, measured from POST /v1/revocations.
// Each message is sent after the previous one reached every receiver; the latency of a message is
// the time until its LAST receiver had it. Uses KAFKA_BROKERS, or starts the local broker.
const { randomUUID } = require('node:crypto');
const built = require('../lib/built');
const { interleave } = require('../lib/interleave');
const { percentile, bySize } = require('../lib/stats');
const { row } = require('../lib/report');
const { benchSidecarOptions } = require('../lib/in-memory-sidecar');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `count` arrivals of `id` were reported through `arrived`, rejects after `timeoutMs`. */
function waiter() {
  const pending = new Map();
  return {
    expect(id, count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`message ${id}: ${pending.get(id)?.left} receivers still waiting after ${timeoutMs} ms`)), timeoutMs);
        pending.set(id, { left: count, done: () => (clearTimeout(timer), resolve(now())) });
      });
    },
    arrived(id) {
      const p = pending.get(id);
      if (!p) return;
      if (--p.left === 0) {
        pending.delete(id);
        p.done();
      }
    },
  };
}

async function rawFanout({ kafka, topic, receivers }) {
  const arrivals = waiter();
  const consumers = [];
  for (let i = 0; i < receivers; i++) {
    const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    // No offset commits: the sidecar's readers commit none either.
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => arrivals.arrived(message.value.toString()) });
    consumers.push(consumer);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const send = async (timeoutMs) => {
    const id = randomUUID();
    const arrived = arrivals.expect(id, receivers, timeoutMs);
    const start = now();
    await producer.send({ topic, acks: -1, messages: [{ key: `jti:${id}`, value: id }] });
    return (await arrived) - start;
  };
  // Consumers joined with fromBeginning false: wait until each one sees new records.
  for (let attempt = 0; ; attempt++) {
    try {
      await send(3_000);
      break;
    } catch (error) {
      if (attempt > 10) throw error;
    }
  }
  return { send, close: async () => (await producer.disconnect(), await Promise.all(consumers.map((c) => c.disconnect()))) };
}

async function sidecarFanout({ kafka, brokers, topics, prefix, receivers, signer }) {
  const ts = built.testSupport();
  const { createSidecar } = built.sidecar();
  const arrivals = waiter();
  const sidecars = [];
  for (let i = 0; i < receivers; i++) {
    const sidecar = createSidecar({ ...benchSidecarOptions(signer, `bench-${process.pid}-${receivers}-${i}`), brokers, topicPrefix: prefix });
    sidecar.onRevocationApplied((applied) => arrivals.arrived(applied.revocationId));
    sidecars.push(sidecar);
  }
  await Promise.all(sidecars.map((s) => s.start()));
  await Promise.all(sidecars.map((s) => s.ready));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const send = async (timeoutMs) => {
    const revocationId = randomUUID();
    const event = ts.revocationEvent({ target: { type: 'jti', value: randomUUID() }, revocationId, now: Date.now() });
    const arrived = arrivals.expect(revocationId, receivers, timeoutMs);
    const start = now();
    await producer.send({ topic: topics.revocations, acks: -1, messages: [{ key: ts.eventRecordKey(event), value: await signer.sign(event) }] });
    return (await arrived) - start;
  };
  await send();
  return { send, close: async () => (await producer.disconnect(), await Promise.all(sidecars.map((s) => s.close()))) };
}

async function run({ mode, log }) {
  const ts = built.testSupport();
  const { topicNames, revocationTopicSpec, keysTopicSpec, acksTopicSpec } = built.contracts();
  const { createKafkaTransport } = built.transport();
  const { Kafka, logLevel } = require('kafkajs');
  const brokers = (await ts.ensureKafka()).brokers;
  const own = ts.createOwnTopics(brokers.join(','), 'bench');
  const topics = topicNames(own.prefix);
  const rawTopic = `${own.prefix}raw-fanout`;
  const transport = createKafkaTransport({ brokers });
  const kafka = new Kafka({ clientId: 'revmesh-bench', brokers, logLevel: logLevel.NOTHING });
  const rows = [];
  try {
    await transport.ensureTopics([revocationTopicSpec(topics.revocations), keysTopicSpec(topics.keys), acksTopicSpec(topics.acks), revocationTopicSpec(rawTopic)]);
    const signer = await ts.createTestEventSigner();
    const rounds = bySize(mode, { full: 4, quick: 2, smoke: 1 });
    const perRound = bySize(mode, { full: 250, quick: 100, smoke: 5 });
    for (const receivers of bySize(mode, { full: [1, 10], quick: [1, 10], smoke: [1] })) {
      log(`propagation: ${receivers} receiver(s): starting consumers and sidecars`);
      const raw = await rawFanout({ kafka, topic: rawTopic, receivers });
      const mesh = await sidecarFanout({ kafka, brokers, topics, prefix: own.prefix, receivers, signer });
      try {
        const batch = async (side) => {
          const latencies = [];
          for (let i = 0; i < perRound; i++) {
            latencies.push(await side.send());
            await sleep(5);
          }
          return latencies;
        };
        log(`propagation: ${receivers} receiver(s): ${rounds} rounds of ${perRound} messages each side`);
        const result = await interleave({ rounds, baseline: () => batch(raw), subject: () => batch(mesh) });
        const pooled = { baseline: result.baseline.flat(), subject: result.subject.flat() };
        for (const p of [50, 99]) {
          const side = (label, values) => ({ label, value: percentile(values, p), unit: 'ms', samples: values.length });
          rows.push(
            row({
              measure: `propagation p${p}, ${receivers} receiver${receivers > 1 ? 's' : ''} (produce → last receiver has it)`,
              baseline: side('raw kafkajs produce → consume', pooled.baseline),
              subject: side('signed event → applied by sidecar', pooled.subject),
              better: 'lower',
              target: p === 50 ? '≤ 1.2×' : '≤ 1.5×',
            }),
          );
        }
      } finally {
        await raw.close();
        await mesh.close();
      }
    }
  } finally {
    await transport.close();
    await own.remove();
  }
  return rows;
}

module.exports = { name: 'propagation', needs: ['kafka'], run };
