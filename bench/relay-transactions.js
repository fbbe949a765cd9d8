'use strict';
// The cost of the relay's Kafka transactions (REVMESH_RELAY_TRANSACTIONS), in one run: two real
// authority processes on the same broker and disk, one publishing with idempotent sends only
// (off: SQLite's default), one with one transaction per batch under the replicas' shared
// transactional id (on: PostgreSQL's default, fencing a stale leader), measured in interleaved
// rounds:
//   1. accept rate: POST /v1/revocations:batch (1000 per request, 4 in flight), timed until a
//      read-committed consumer has every revocation's event (none lost);
//   2. latency: one POST /v1/revocations at a time, from the request to the event read on Kafka.
//
//   npm run build && node bench/relay-transactions.js [revocations per round=20000] [rounds=3]
//
// Uses KAFKA_BROKERS, or starts the local broker.
const { randomUUID } = require('node:crypto');
const built = require('./lib/built');
const { startBenchAuthority } = require('./lib/authority');
const { interleave } = require('./lib/interleave');
const { median } = require('./lib/stats');
const { eventOfRecord } = require('./lib/record-event');

const perRound = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const BATCH = 1000;
const IN_FLIGHT = 4;
const SINGLES = 200;

/** Revocation ids read (committed) from the authority's revocations topic, with when each arrived. */
async function observe(kafka, topic) {
  const seen = new Map();
  let waiter;
  const consumer = kafka.consumer({ groupId: `bench-tx-${randomUUID()}`, maxWaitTimeInMs: 20, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const now = process.hrtime.bigint();
      for (const message of batch.messages) {
        const event = eventOfRecord(message.value);
        if (event.type === 'revocation.issued' && !seen.has(event.payload.revocation_id)) seen.set(event.payload.revocation_id, now);
      }
      if (waiter && waiter.ids.every((id) => seen.has(id))) waiter.resolve();
    },
  });
  return {
    seen,
    all(ids) {
      if (ids.every((id) => seen.has(id))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${ids.filter((id) => !seen.has(id)).length} of ${ids.length} revocations never reached Kafka`)), 120_000);
        waiter = { ids, resolve: () => (clearTimeout(timer), (waiter = undefined), resolve()) };
      });
    },
    stop: () => consumer.disconnect(),
  };
}

async function main() {
  const ts = built.testSupport();
  const { Kafka, logLevel } = require('kafkajs');
  const brokers = (await ts.ensureKafka()).brokers;
  const kafka = new Kafka({ clientId: 'revmesh-bench-tx', brokers, logLevel: logLevel.NOTHING });
  const sides = {};
  try {
    for (const mode of ['off', 'on']) {
      const own = ts.createOwnTopics(brokers.join(','), `bench-tx-${mode}`);
      const authority = await startBenchAuthority({ brokers, topicPrefix: own.prefix, env: { REVMESH_RELAY_TRANSACTIONS: mode } });
      await authority.revoke('jti', `warm-up-${mode}`);
      // The relay creates the topics when it starts: retry until it has.
      let observer;
      for (let attempt = 0; observer === undefined; attempt++) {
        try {
          observer = await observe(kafka, `${own.prefix}revocations.v1`);
        } catch (error) {
          if (attempt > 40) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      sides[mode] = { own, authority, observer };
    }
    const batches = (mode) => async (round) => {
      const { authority, observer } = sides[mode];
      const started = process.hrtime.bigint();
      const ids = [];
      let next = 0;
      const count = Math.ceil(perRound / BATCH);
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < count) {
            const b = next++;
            const targets = Array.from({ length: Math.min(BATCH, perRound - b * BATCH) }, (_, i) => ({ target: 'jti', value: `tx-${mode}-${round}-${b}-${i}` }));
            const response = await authority.admin.request('POST', '/v1/revocations:batch', { targets, reason: 'bench' });
            if (response.status !== 202) throw new Error(`batch: ${response.status}`);
            for (const r of response.body.revocations) ids.push(r.id);
          }
        }),
      );
      await observer.all(ids);
      return ids.length / (Number(process.hrtime.bigint() - started) / 1e9);
    };
    const latencies = { off: [], on: [] };
    const singles = (mode) => async (round) => {
      const { authority, observer } = sides[mode];
      for (let i = 0; i < SINGLES; i++) {
        const started = process.hrtime.bigint();
        const { id } = await authority.revoke('jti', `tx-single-${mode}-${round}-${i}`);
        await observer.all([id]);
        latencies[mode].push(Number(observer.seen.get(id) - started) / 1e6);
      }
      return 0;
    };
    const rate = await interleave({ rounds, baseline: batches('off'), subject: batches('on') });
    await interleave({ rounds, baseline: singles('off'), subject: singles('on') });
    const pct = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];
    const off = median(rate.baseline);
    const on = median(rate.subject);
    console.log(`accept rate, ${perRound} revocations per round in batches of ${BATCH} (${IN_FLIGHT} in flight), ${rounds} interleaved rounds:`);
    console.log(`  relay without transactions: ${off.toFixed(0)}/s (rounds ${rate.baseline.map((v) => v.toFixed(0)).join(', ')})`);
    console.log(`  relay with transactions:    ${on.toFixed(0)}/s (rounds ${rate.subject.map((v) => v.toFixed(0)).join(', ')})`);
    console.log(`  ratio with/without: ${(on / off).toFixed(2)}`);
    console.log(`one revocation at a time, request to event read on Kafka (${latencies.off.length} each):`);
    for (const mode of ['off', 'on']) console.log(`  transactions ${mode}: p50 ${pct(latencies[mode], 50).toFixed(1)} ms, p99 ${pct(latencies[mode], 99).toFixed(1)} ms`);
  } finally {
    for (const side of Object.values(sides)) {
      await side.observer.stop().catch(() => undefined);
      await side.authority.stop();
      await side.own.remove();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
