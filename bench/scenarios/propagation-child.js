'use strict';
// Child of propagation.js: hosts up to ten receivers of one kind in this process (forked with an
// IPC channel) and tells the parent, per message, the wall-clock time (ms, µs resolution) at
// which the LAST of its receivers had it.
//   { start: { kind: 'raw', count, brokers, topic } }
//       bare kafkajs consumers, each in its own group, maxWaitTimeInMs 100, no offset commits
//       (as the sidecar's readers); the message value is its id;
//   { start: { kind: 'sidecar', count, brokers, topicPrefix, issuer, eventSigners } }
//       sidecars reading the authority's topics (createSidecar with brokers, as a service does);
//       a message is a revocation, "had it" means applied (onRevocationApplied).
// Answers { ready: { rss, heapUsed, cpuMicros } } once every receiver reads, { arrived: { id, at } }
// per message, { memory: { rss, heapUsed, cpuMicros } } when asked { memory: true }, and exits after
// { close: true }.
const { randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const built = require('../lib/built');
const { benchSidecarOptions } = require('../lib/in-memory-sidecar');

const wallNow = () => performance.timeOrigin + performance.now();
const send = (message) => process.send(message);
/** Resident and heap bytes, and the CPU time this process used so far (µs, user + system). */
const memory = () => {
  const { rss, heapUsed } = process.memoryUsage();
  const { user, system } = process.cpuUsage();
  return { rss, heapUsed, cpuMicros: user + system };
};

/** Counts arrivals per message id; reports an id once all `count` receivers had it. */
function arrivals(count) {
  const left = new Map();
  return (id) => {
    const n = (left.get(id) ?? count) - 1;
    if (n > 0) return void left.set(id, n);
    left.delete(id);
    send({ arrived: { id, at: wallNow() } });
  };
}

async function startRaw({ count, brokers, topic }) {
  const { Kafka, logLevel } = require('kafkajs');
  const arrived = arrivals(count);
  const consumers = [];
  for (let i = 0; i < count; i++) {
    // One client per consumer, as each service has its own.
    const kafka = new Kafka({ clientId: `bench-raw-${process.pid}-${i}`, brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => arrived(message.value.toString()) });
    consumers.push(consumer);
  }
  return async () => void (await Promise.all(consumers.map((c) => c.disconnect())));
}

async function startSidecars({ count, brokers, topicPrefix, issuer, eventSigners }) {
  const { createSidecar } = built.sidecar();
  const arrived = arrivals(count);
  const sidecars = [];
  for (let i = 0; i < count; i++) {
    const sidecar = createSidecar({ ...benchSidecarOptions({ eventSigners, instanceId: `bench-${process.pid}-${i}`, issuer }), brokers, topicPrefix });
    sidecar.onRevocationApplied((applied) => arrived(applied.revocationId));
    sidecars.push(sidecar);
  }
  await Promise.all(sidecars.map((s) => s.start()));
  await Promise.all(sidecars.map((s) => s.ready));
  return async () => void (await Promise.all(sidecars.map((s) => s.close())));
}

let close = async () => undefined;
process.on('message', (message) => {
  if (message.start) {
    const start = message.start.kind === 'raw' ? startRaw(message.start) : startSidecars(message.start);
    start.then(
      (stop) => {
        close = stop;
        send({ ready: memory() });
      },
      (error) => send({ failed: error instanceof Error ? error.stack : String(error) }),
    );
  } else if (message.memory) {
    send({ memory: memory() });
  } else if (message.close) {
    close()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
