'use strict';
// Authority accept rate: revocations per second that a real authority process accepts over HTTP
// AND has on Kafka, none lost, against the same work done raw, measured in interleaved rounds on
// the same broker and disk:
//   baseline: the least an accept must do: SQLite WAL (synchronous = FULL) rows written 64 per
//             commit, then those 64 records sent by an idempotent acks=all kafkajs producer, round
//             after round; plus, for the note, each half alone (kafkajs batched, SQLite 64/commit);
//   subject:  POST /v1/revocations:batch (BATCH targets per request, IN_FLIGHT requests at once)
//             to the authority (operator session, store, outbox, signing, relay), timed from the
//             first request until a bare consumer has read every revocation's event from the
//             revocations topic; every revocation id is checked to be there (none lost).
// A second row does the same with one revocation per POST /v1/revocations, 64 in flight.
// The notes give the CPU time per revocation (the authority process, from /proc; the raw pipeline,
// this process): unlike the rates, it hardly moves with what else the machine runs.
// Uses KAFKA_BROKERS, or starts the local broker. To profile the authority:
// BENCH_AUTHORITY_EXEC_ARGV='--cpu-prof --cpu-prof-dir=/tmp/prof'; BENCH_ACCEPT_BATCH (default
// 1000) and BENCH_ACCEPT_IN_FLIGHT (default 4) change the batch shape; BENCH_ACCEPT_SINGLES=0 skips
// the single-revocation row (a profile of the batch path alone). BENCH_DATABASE_URL runs the
// authority on that PostgreSQL database (REVMESH_DATABASE_URL; it must be new and empty: the run
// bootstraps its first admin there); the rows then say so, and the baseline stays SQLite's.
const { randomUUID } = require('node:crypto');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const built = require('../lib/built');
const { startBenchAuthority } = require('../lib/authority');
const { interleave } = require('../lib/interleave');
const { median, bySize } = require('../lib/stats');
const { row } = require('../lib/report');
const { eventOfRecord } = require('../lib/record-event');

const RAW_BATCH = 64;

/** CPU time (user + system) a process used so far, µs, from /proc (Linux); undefined elsewhere. */
function processCpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Runs `measure` (which resolves to items/s over `items` items) and pushes the CPU µs per item
 * that `cpuNow` says was spent meanwhile: a figure far less sensitive than the rate to whatever
 * else the machine runs.
 */
async function withCpu(cpuNow, items, cpu, measure) {
  const before = cpuNow();
  const rate = await measure();
  const after = cpuNow();
  if (before !== undefined && after !== undefined) cpu.push((after - before) / items);
  return rate;
}

/** Collects the revocation ids of the events on `topic` (payload read, signature not checked). */
async function revocationObserver(kafka, topic) {
  const seen = new Set();
  let waiter;
  const consumer = kafka.consumer({ groupId: `bench-accept-${randomUUID()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        // Revocations published together are batch-signed records; eventOfRecord reads both forms.
        const payload = eventOfRecord(message.value);
        if (payload.type === 'revocation.issued') seen.add(payload.payload.revocation_id);
      }
      if (waiter && waiter.ids.every((id) => seen.has(id))) waiter.resolve();
    },
  });
  return {
    /** Resolves once every id was read; rejects naming how many are missing after `timeoutMs`. */
    all(ids, timeoutMs) {
      if (ids.every((id) => seen.has(id))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${ids.filter((id) => !seen.has(id)).length} of ${ids.length} revocations never reached Kafka`)), timeoutMs);
        waiter = { ids, resolve: () => (clearTimeout(timer), (waiter = undefined), resolve()) };
      });
    },
    stop: () => consumer.disconnect(),
  };
}

/** Runs `fn(i)` for i in [0, n) with `inFlight` callers. */
async function concurrently(n, inFlight, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** The raw pipeline: SQLite rows 64 per commit (synchronous FULL), each group then sent by kafkajs. */
function rawPipeline(producer, topic, dir) {
  const Database = require('better-sqlite3');
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS r (id TEXT PRIMARY KEY, target TEXT, value TEXT, at INTEGER); CREATE TABLE IF NOT EXISTS o (seq INTEGER PRIMARY KEY, id TEXT, value BLOB, published INTEGER)');
  const insertR = db.prepare('INSERT INTO r VALUES (?, ?, ?, ?)');
  const insertO = db.prepare('INSERT INTO o (id, value) VALUES (?, ?)');
  const commit = db.transaction((rows) => {
    for (const r of rows) {
      insertR.run(r.id, 'jti', r.value, Date.now());
      insertO.run(r.id, r.payload);
    }
  });
  const group = (n, round) =>
    Array.from({ length: n }, (_, i) => {
      const id = randomUUID();
      return { id, value: `raw-${round}-${i}`, payload: Buffer.from(JSON.stringify({ id, target: 'jti', value: `raw-${round}-${i}` })) };
    });
  return {
    /** Store and send `n` records, 64 per commit and per send; resolves to records/s. */
    async both(n, round) {
      const started = process.hrtime.bigint();
      for (let done = 0; done < n; done += RAW_BATCH) {
        const rows = group(Math.min(RAW_BATCH, n - done), round);
        commit(rows);
        await producer.send({ topic, acks: -1, messages: rows.map((r) => ({ key: `jti:${r.value}`, value: r.payload })) });
      }
      return n / (Number(process.hrtime.bigint() - started) / 1e9);
    },
    sqliteOnly(n, round) {
      const started = process.hrtime.bigint();
      for (let done = 0; done < n; done += RAW_BATCH) commit(group(Math.min(RAW_BATCH, n - done), `s${round}`));
      return n / (Number(process.hrtime.bigint() - started) / 1e9);
    },
    async kafkaOnly(n, round) {
      const started = process.hrtime.bigint();
      for (let done = 0; done < n; done += RAW_BATCH) {
        const rows = group(Math.min(RAW_BATCH, n - done), `k${round}`);
        await producer.send({ topic, acks: -1, messages: rows.map((r) => ({ key: `jti:${r.value}`, value: r.payload })) });
      }
      return n / (Number(process.hrtime.bigint() - started) / 1e9);
    },
    close: () => db.close(),
  };
}

async function run({ mode, log }) {
  const ts = built.testSupport();
  const { Kafka, logLevel } = require('kafkajs');
  const brokers = (await ts.ensureKafka()).brokers;
  const own = ts.createOwnTopics(brokers.join(','), 'bench-accept');
  const kafka = new Kafka({ clientId: 'revmesh-bench-accept', brokers, logLevel: logLevel.NOTHING });
  const rounds = bySize(mode, { full: 5, quick: 3, smoke: 1 });
  const perRound = bySize(mode, { full: 30_000, quick: 10_000, smoke: 500 });
  const singles = bySize(mode, { full: 3_000, quick: 1_500, smoke: 100 });
  const batchSize = Number(process.env.BENCH_ACCEPT_BATCH ?? 1000);
  const inFlight = Number(process.env.BENCH_ACCEPT_IN_FLIGHT ?? 4);
  const execArgv = (process.env.BENCH_AUTHORITY_EXEC_ARGV ?? '').split(' ').filter(Boolean);
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const store = databaseUrl ? ', store PostgreSQL' : '';
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-bench-accept-'));
  const rawTopic = `${own.prefix}raw`;
  let authority;
  let observer;
  let raw;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    authority = await startBenchAuthority({ brokers, topicPrefix: own.prefix, execArgv, env: databaseUrl ? { REVMESH_DATABASE_URL: databaseUrl } : {} });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await producer.connect();
    raw = rawPipeline(producer, rawTopic, dir);
    // The authority creates its topics when its relay starts; one revocation makes sure they exist.
    await authority.revoke('jti', 'bench-accept-warm-up');
    observer = await revocationObserver(kafka, `${own.prefix}revocations.v1`);

    const batches = async (round) => {
      const started = process.hrtime.bigint();
      const ids = [];
      const count = Math.ceil(perRound / batchSize);
      await concurrently(count, inFlight, async (b) => {
        const targets = Array.from({ length: Math.min(batchSize, perRound - b * batchSize) }, (_, i) => ({ target: 'jti', value: `bench-b${round}-${b}-${i}` }));
        const response = await authority.admin.request('POST', '/v1/revocations:batch', { targets, reason: 'bench' });
        if (response.status !== 202) throw new Error(`POST /v1/revocations:batch: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
        for (const r of response.body.revocations) ids.push(r.id);
      });
      await observer.all(ids, 120_000);
      return ids.length / (Number(process.hrtime.bigint() - started) / 1e9);
    };
    const single = async (round) => {
      const started = process.hrtime.bigint();
      const ids = [];
      await concurrently(singles, 64, async (i) => ids.push((await authority.revoke('jti', `bench-s${round}-${i}`)).id));
      await observer.all(ids, 120_000);
      return ids.length / (Number(process.hrtime.bigint() - started) / 1e9);
    };

    await raw.both(RAW_BATCH * 4, 'warm');
    log(`accept-rate: ${rounds} rounds of ${perRound} revocations in batches of ${batchSize}, ${inFlight} in flight`);
    const authorityCpu = () => processCpuMicros(authority.pid);
    const ownCpu = () => {
      const used = process.cpuUsage();
      return used.user + used.system;
    };
    const cpu = { raw: [], batch: [], single: [] };
    const batched = await interleave({
      rounds,
      baseline: (r) => withCpu(ownCpu, perRound, cpu.raw, () => raw.both(perRound, `b${r}`)),
      subject: (r) => withCpu(authorityCpu, perRound, cpu.batch, () => batches(r)),
    });
    const withSingles = process.env.BENCH_ACCEPT_SINGLES !== '0';
    if (withSingles) log(`accept-rate: ${rounds} rounds of ${singles} single revocations, 64 in flight`);
    const singly = withSingles
      ? await interleave({
          rounds,
          baseline: (r) => raw.both(singles, `s${r}`),
          subject: (r) => withCpu(authorityCpu, singles, cpu.single, () => single(r)),
        })
      : undefined;
    const kafkaOnly = [];
    const sqliteOnly = [];
    for (let r = 0; r < rounds; r++) {
      kafkaOnly.push(await raw.kafkaOnly(perRound, r));
      sqliteOnly.push(raw.sqliteOnly(perRound, r));
    }
    const side = (label, values) => ({ label, value: median(values), unit: '/s', rounds: values });
    const micros = (values) => (values.length === 0 ? 'n/a' : `${median(values).toFixed(0)} µs`);
    const parts =
      `raw halves alone: kafkajs idempotent 64 per send ${median(kafkaOnly).toFixed(0)}/s, SQLite WAL FULL 64 per commit ${median(sqliteOnly).toFixed(0)}/s; ` +
      `CPU per revocation: authority process ${micros(cpu.batch)} (HTTP, store, signing, relay), raw pipeline ${micros(cpu.raw)} (broker not counted on either side)`;
    const rows = [
      row({
        measure: `authority accept rate${store}, POST /v1/revocations:batch (${batchSize} per request, ${inFlight} in flight), all on Kafka, 0 lost`,
        baseline: side('raw SQLite 64/commit + kafkajs 64/send', batched.baseline),
        subject: side('revocations accepted and on Kafka', batched.subject),
        target: '≥ 5,000/s',
        note: parts,
      }),
    ];
    if (singly) {
      rows.push(
        row({
          measure: `authority accept rate${store}, one revocation per POST /v1/revocations (64 in flight), all on Kafka, 0 lost`,
          baseline: side('raw SQLite 64/commit + kafkajs 64/send', singly.baseline),
          subject: side('revocations accepted and on Kafka', singly.subject),
          note: `CPU per revocation: authority process ${micros(cpu.single)}`,
        }),
      );
    }
    return rows;
  } finally {
    await observer?.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    raw?.close();
    await authority?.stop();
    await own.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { name: 'accept-rate', needs: ['kafka', 'authority'], run };
