// Insert rate as the tables grow, random (UUIDv4) against time-ordered (UUIDv7) ids, in tables
// shaped like the authority's revocations and outbox (a TEXT primary key, a unique event id, an
// index on the revocation id; 1 000 revocations per transaction, the store's pragmas).
//
//   node bench/id-locality.js [rows=400000]
//
// Prints rows/s per 200 000 rows for each kind, v7 first then v4 then v7 again (so load from
// anything else falls on both). Not part of `npm run bench`: it isolates one storage effect.
'use strict';
const Database = require('better-sqlite3');
const { randomUUID } = require('node:crypto');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { v7 } = require('uuid');

const total = Number(process.argv[2] ?? 400_000);
const STEP = 200_000;
const PER_COMMIT = 1000;

function run(kind) {
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-id-locality-'));
  const db = new Database(join(dir, 't.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 8000');
    db.exec(`CREATE TABLE revocations (id TEXT PRIMARY KEY, target_value TEXT NOT NULL, at INTEGER NOT NULL) STRICT;
      CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, revocation_id TEXT REFERENCES revocations (id), value BLOB NOT NULL) STRICT;
      CREATE INDEX outbox_by_revocation ON outbox (revocation_id);`);
    const revocation = db.prepare('INSERT INTO revocations VALUES (?, ?, ?)');
    const outbox = db.prepare('INSERT INTO outbox (event_id, revocation_id, value) VALUES (?, ?, ?)');
    const newId = kind === 'v7' ? v7 : randomUUID;
    // About the size of a signed revocation event.
    const value = Buffer.alloc(600, 1);
    const commit = db.transaction((base) => {
      for (let i = 0; i < PER_COMMIT; i++) {
        const id = newId();
        revocation.run(id, `bench-${base + i}`, Date.now());
        outbox.run(newId(), id, value);
      }
    });
    const rates = [];
    let started = process.hrtime.bigint();
    for (let done = 0; done < total; done += PER_COMMIT) {
      commit(done);
      if ((done + PER_COMMIT) % STEP === 0) {
        const now = process.hrtime.bigint();
        rates.push(Math.round(STEP / (Number(now - started) / 1e9)));
        started = now;
      }
    }
    return rates;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of ['v7', 'v4', 'v7']) process.stdout.write(`${kind}: rows/s per ${STEP}: ${run(kind).join(' ')}\n`);
