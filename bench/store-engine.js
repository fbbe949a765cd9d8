// Accept path on each store engine: revocations per second accepted through authority-core
// (signed, stored with its outbox row and audit entry, group-committed), SQLite against
// PostgreSQL, in interleaved rounds on this machine.
//
//   npx nx run authority-core:build && node bench/store-engine.js [revocations per round=5000] [rounds=3]
//
// PostgreSQL: a fresh database on the server BENCH_DATABASE_URL (default: the one
// REVMESH_TEST_DATABASE_URL names) is created for the run and dropped afterwards (psql).
// Prints each engine's median rate and PostgreSQL's rate as a ratio of SQLite's.
'use strict';
const { randomBytes } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { openAuthorityCore } = require('../libs/authority-core/dist/index.js');

const perRound = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 3);
const server = process.env.BENCH_DATABASE_URL ?? process.env.REVMESH_TEST_DATABASE_URL;
if (!server) throw new Error('set BENCH_DATABASE_URL (or REVMESH_TEST_DATABASE_URL) to a PostgreSQL server where this may CREATE DATABASE');

const psql = (url, sql) => execFileSync('psql', [url, '-Atqc', sql], { encoding: 'utf8' });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function acceptRate(options) {
  const core = await openAuthorityCore({
    kek: randomBytes(32),
    issuer: 'https://authority.bench',
    accessTokenTtlSeconds: 300,
    topicPrefix: 'bench.',
    storeRetentionIntervalMs: 86_400_000,
    auditRetentionIntervalMs: 86_400_000,
    ...options,
  });
  try {
    const actor = { kind: 'admin-key', id: 'bench' };
    const started = process.hrtime.bigint();
    // 500 in flight: what arrives together is group-committed, as over HTTP.
    for (let i = 0; i < perRound; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, perRound - i) }, () =>
          core.revocations.revoke({ target: { type: 'jti', value: randomBytes(16).toString('base64url') }, reason: 'bench', actor }),
        ),
      );
    }
    return perRound / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    core.close();
  }
}

(async () => {
  const rates = { sqlite: [], postgres: [] };
  for (let round = 0; round < rounds; round++) {
    // A fresh store of each engine per round (a new KEK each time).
    const dir = mkdtempSync(join(tmpdir(), 'revmesh-store-engine-'));
    const name = `bench_store_${randomBytes(4).toString('hex')}`;
    psql(server, `CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    try {
      rates.sqlite.push(await acceptRate({ dataDir: dir }));
      rates.postgres.push(await acceptRate({ dataDir: dir, database: { url: url.toString() } }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      psql(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
    console.log(`round ${round + 1}: sqlite ${rates.sqlite.at(-1).toFixed(0)}/s, postgres ${rates.postgres.at(-1).toFixed(0)}/s`);
  }
  const sqlite = median(rates.sqlite);
  const postgres = median(rates.postgres);
  console.log(`accepted revocations/s (median of ${rounds} rounds of ${perRound}): sqlite ${sqlite.toFixed(0)}, postgres ${postgres.toFixed(0)} (${(postgres / sqlite).toFixed(2)}x of sqlite)`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
