'use strict';
// Propagation through the broker at 1, 10 and 50 receivers, each side's receivers spread over
// child processes of at most ten (50 = 5 processes × 10), both sides alive at once and measured in
// interleaved rounds on the same broker:
//   baseline: raw kafkajs: a plain record sent by an idempotent acks=all producer in this process
//             to N bare consumers (each its own client and group, maxWaitTimeInMs 100, no offset
//             commits) on a topic made like the revocations topic;
//   subject:  POST /v1/revocations to a real authority process (operator session, store, outbox,
//             signing, relay) until N sidecars (createSidecar with brokers, as a service runs them)
//             have applied it (onRevocationApplied), signature check and deny-list update included.
// Each message is sent after the previous one reached every receiver; its latency is the time
// until its LAST receiver had it (each child stamps arrivals with the wall clock, so the IPC hop
// back is not counted). A bare consumer in this process also reads the authority's revocations
// topic, to split the subject's median into POST → issued_at → the relay sent the record (its
// timestamp) → a bare consumer has it → the last sidecar applied it. Last, the resident memory of the processes of each side.
// Uses KAFKA_BROKERS, or starts the local broker. To profile: BENCH_PROPAGATION_RECEIVERS=10 runs
// only that count, BENCH_CHILD_EXEC_ARGV='--cpu-prof --cpu-prof-dir=/tmp/prof' is given to the
// receivers' processes, BENCH_AUTHORITY_EXEC_ARGV to the authority's.
const { fork } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const built = require('../lib/built');
const { startBenchAuthority } = require('../lib/authority');
const { interleave } = require('../lib/interleave');
const { median, percentile, bySize } = require('../lib/stats');
const { row } = require('../lib/report');
const { eventOfRecord } = require('../lib/record-event');

const PER_PROCESS = 10;
const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `receivers` receivers of one kind over child processes of at most ten. `expect(id)` resolves
 * to the wall-clock time the last of them had message `id` (arrivals that come before anyone
 * asks are kept).
 */
async function startFanout(kind, receivers, config) {
  const children = [];
  const done = new Map();
  const waiting = new Map();
  const partial = new Map();
  const onArrived = ({ id, at }) => {
    const seen = partial.get(id) ?? { left: children.length, at: 0 };
    seen.left -= 1;
    seen.at = Math.max(seen.at, at);
    if (seen.left > 0) return void partial.set(id, seen);
    partial.delete(id);
    const waiter = waiting.get(id);
    if (waiter) {
      waiting.delete(id);
      waiter(seen.at);
    } else {
      done.set(id, seen.at);
    }
  };
  const ask = (child, question, answer) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message.failed) reject(new Error(`${kind} receivers failed to start: ${message.failed}`));
        else if (message[answer]) resolve(message[answer]);
        else return;
        child.off('message', onMessage);
      };
      child.on('message', onMessage);
      child.send(question);
    });
  try {
    const starting = [];
    for (let first = 0; first < receivers; first += PER_PROCESS) {
      const execArgv = (process.env.BENCH_CHILD_EXEC_ARGV ?? '').split(' ').filter(Boolean);
      const child = fork(join(__dirname, 'propagation-child.js'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (message) => message.arrived && onArrived(message.arrived));
      children.push(child);
      starting.push(ask(child, { start: { kind, count: Math.min(PER_PROCESS, receivers - first), ...config } }, 'ready'));
    }
    await Promise.all(starting);
  } catch (error) {
    for (const child of children) child.kill();
    throw error;
  }
  return {
    expect(id, timeoutMs = 15_000) {
      if (done.has(id)) {
        const at = done.get(id);
        done.delete(id);
        return Promise.resolve(at);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (waiting.delete(id), reject(new Error(`${kind}: message ${id} not at every receiver after ${timeoutMs} ms`))), timeoutMs);
        waiting.set(id, (at) => (clearTimeout(timer), resolve(at)));
      });
    },
    /** Resident set size (MB) and CPU time used so far (µs), summed over the processes. */
    async usage() {
      const answers = await Promise.all(children.map((child) => ask(child, { memory: true }, 'memory')));
      return { rssMb: answers.reduce((sum, m) => sum + m.rss, 0) / 2 ** 20, cpuMicros: answers.reduce((sum, m) => sum + m.cpuMicros, 0) };
    },
    processes: children.length,
    async close() {
      await Promise.all(children.map((child) => new Promise((resolve) => (child.once('exit', resolve), child.send({ close: true })))));
    },
  };
}

/** A bare consumer of the authority's revocations topic: when each revocation's record reached it. */
async function recordObserver(kafka, topic) {
  const seen = new Map();
  const consumer = kafka.consumer({ groupId: `bench-observer-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const at = wallNow();
      try {
        const event = eventOfRecord(message.value);
        // The record's timestamp is the relay producer's clock when it sent it (CreateTime, whole ms).
        if (event.type === 'revocation.issued') seen.set(event.payload.revocation_id, { at, issuedAt: event.issued_at, sentAt: Number(message.timestamp) });
      } catch {
        // Not an event this bench reads.
      }
    },
  });
  return { take: (id) => seen.get(id), forget: (id) => seen.delete(id), close: () => consumer.disconnect() };
}

/** Sends until a message reaches every receiver: consumers that joined late see new records only. */
async function warmUp(send) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(5_000);
    } catch (error) {
      if (attempt >= 10) throw error;
    }
  }
}

async function run({ mode, log }) {
  const ts = built.testSupport();
  const { topicNames, revocationTopicSpec } = built.contracts();
  const { createKafkaTransport } = built.transport();
  const { Kafka, logLevel } = require('kafkajs');
  const brokers = (await ts.ensureKafka()).brokers;
  const own = ts.createOwnTopics(brokers.join(','), 'bench');
  const topics = topicNames(own.prefix);
  const rawTopic = `${own.prefix}raw-fanout`;
  const transport = createKafkaTransport({ brokers });
  const kafka = new Kafka({ clientId: 'revmesh-bench', brokers, logLevel: logLevel.NOTHING });
  const rows = [];
  let authority;
  let producer;
  let observer;
  try {
    await transport.ensureTopics([revocationTopicSpec(rawTopic)]);
    log('propagation: starting the authority');
    const authorityExecArgv = (process.env.BENCH_AUTHORITY_EXEC_ARGV ?? '').split(' ').filter(Boolean);
    authority = await startBenchAuthority({ brokers, topicPrefix: own.prefix, execArgv: authorityExecArgv });
    const eventSigners = await authority.eventSigners();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    observer = await recordObserver(kafka, topics.revocations);
    const rounds = bySize(mode, { full: 4, quick: 2, smoke: 1 });
    // Fewer messages at 50 receivers, where each takes ten times longer on 2 cores (p99 still rests on 400 per side).
    const perRoundOf = (receivers) => (receivers >= 50 ? bySize(mode, { full: 100, quick: 50, smoke: 5 }) : bySize(mode, { full: 250, quick: 100, smoke: 5 }));
    const counts = process.env.BENCH_PROPAGATION_RECEIVERS
      ? process.env.BENCH_PROPAGATION_RECEIVERS.split(',').map(Number)
      : bySize(mode, { full: [1, 10, 50], quick: [1, 10, 50], smoke: [1] });
    for (const receivers of counts) {
      const perRound = perRoundOf(receivers);
      const processes = Math.ceil(receivers / PER_PROCESS);
      log(`propagation: ${receivers} receiver(s) in ${processes} process(es) per side: starting bare consumers and sidecars`);
      const raw = await startFanout('raw', receivers, { brokers, topic: rawTopic });
      let mesh;
      try {
        mesh = await startFanout('sidecar', receivers, { brokers, topicPrefix: own.prefix, issuer: authority.url, eventSigners });
        const sendRaw = async (timeoutMs) => {
          const id = randomUUID();
          const arrived = raw.expect(id, timeoutMs);
          const start = wallNow();
          await producer.send({ topic: rawTopic, acks: -1, messages: [{ key: `jti:${id}`, value: id }] });
          return (await arrived) - start;
        };
        const parts = { accept: [], relay: [], hop: [], apply: [] };
        const sendRevocation = async (timeoutMs) => {
          const start = wallNow();
          const { id } = await authority.revoke('jti', randomUUID());
          const at = await mesh.expect(id, timeoutMs);
          const record = observer.take(id);
          observer.forget(id);
          if (record) {
            parts.accept.push(record.issuedAt - start);
            parts.relay.push(record.sentAt - record.issuedAt);
            parts.hop.push(record.at - record.sentAt);
            parts.apply.push(at - record.at);
          }
          return at - start;
        };
        await warmUp(sendRaw);
        await warmUp(sendRevocation);
        for (const list of Object.values(parts)) list.length = 0;
        const batch = async (send) => {
          const latencies = [];
          for (let i = 0; i < perRound; i++) {
            latencies.push(await send());
            await sleep(5);
          }
          return latencies;
        };
        log(`propagation: ${receivers} receiver(s): ${rounds} rounds of ${perRound} messages each side`);
        const before = { raw: await raw.usage(), mesh: await mesh.usage() };
        const result = await interleave({ rounds, baseline: () => batch(sendRaw), subject: () => batch(sendRevocation) });
        const after = { raw: await raw.usage(), mesh: await mesh.usage() };
        const pooled = { baseline: result.baseline.flat(), subject: result.subject.flat() };
        const where =
          `median split: POST → issued_at ${median(parts.accept).toFixed(1)} ms, → sent by the relay ${median(parts.relay).toFixed(1)} ms, ` +
          `→ at a bare consumer ${median(parts.hop).toFixed(1)} ms, → applied by the last sidecar ${median(parts.apply).toFixed(1)} ms (issued_at and the record timestamp are whole ms)`;
        const label = `${receivers} receiver${receivers > 1 ? 's' : ''}${processes > 1 ? ` (${processes} processes × ${PER_PROCESS})` : ''}`;
        for (const p of [50, 99]) {
          const side = (name, values) => ({ label: name, value: percentile(values, p), unit: 'ms', samples: values.length });
          rows.push(
            row({
              measure: `propagation p${p}, ${label}`,
              baseline: side('raw kafkajs produce → consumed', pooled.baseline),
              subject: side('POST /v1/revocations → applied', pooled.subject),
              better: 'lower',
              target: p === 50 ? '≤ 1.2×' : receivers >= 50 ? '≤ 1.5×, and < 20 ms' : '≤ 1.5×',
              note: p === 50 ? where : '',
            }),
          );
        }
        if (receivers === counts[counts.length - 1]) {
          // CPU over the whole measurement (both sides stay up while the other runs), per message and receiver.
          const cpuPer = (side) => (after[side].cpuMicros - before[side].cpuMicros) / (rounds * perRound) / receivers;
          rows.push(
            row({
              measure: `resident memory, ${label}`,
              baseline: { label: 'bare kafkajs consumers', value: after.raw.rssMb, unit: 'MB' },
              subject: { label: 'sidecars', value: after.mesh.rssMb, unit: 'MB' },
              better: 'lower',
              note: `RSS summed over ${processes} process(es) per side, after the run; their CPU per message and receiver ${cpuPer('raw').toFixed(0)} µs vs ${cpuPer('mesh').toFixed(0)} µs`,
            }),
          );
        }
      } finally {
        await raw.close();
        await mesh?.close();
      }
    }
  } finally {
    await observer?.close();
    await producer?.disconnect();
    await authority?.stop();
    await transport.close();
    await own.remove();
  }
  return rows;
}

module.exports = { name: 'propagation', needs: ['kafka', 'authority'], run };
