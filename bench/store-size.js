// Store size per revocation, before and after the retention jobs.
//
//   npx nx run authority-core:build && node bench/store-size.js [revocations=100000]
//
// Opens authority-core on a fresh data folder with a clock the script moves, accepts the
// revocations through the core (signed, outbox, audit entry), ships and "publishes" them (what
// the relay marks after the broker's ack), records one sidecar's ack of each, then prints the
// bytes in use (pages not on the free list) and the file size:
//   1. all kept (what the store held before the retention job existed),
//   2. once the revocations expired past REVMESH_EXPIRED_REVOCATION_RETENTION_SECONDS: only the
//      audit entries and their signed copies remain (kept for the policy's audit.retentionDays),
//   3. once the audit retention passed too.
// The file keeps its size after pruning: SQLite reuses the freed pages for what comes next.
'use strict';
const { randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { openAuthorityCore, sqliteNative } = require('../libs/authority-core/dist/index.js');
const { encodeSidecarReport } = require('../libs/contracts/dist/index.js');

const total = Number(process.argv[2] ?? 100_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function usage(core) {
  const db = sqliteNative(core.store.db);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true });
  const pages = db.pragma('page_count', { simple: true });
  const free = db.pragma('freelist_count', { simple: true });
  const count = (table) => db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n;
  let byTable;
  try {
    // Tables and indexes by bytes (when SQLite was built with the dbstat table).
    byTable = Object.fromEntries(
      db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name HAVING bytes > 100000 ORDER BY bytes DESC').all().map((r) => [r.name, `${(r.bytes / 1e6).toFixed(1)} MB`]),
    );
  } catch {
    byTable = undefined;
  }
  return {
    byTable,
    inUseBytes: (pages - free) * pageSize,
    fileBytes: statSync(core.store.path).size,
    rows: { revocations: count('revocations'), outbox: count('outbox'), audit_log: count('audit_log'), sidecar_acks: count('sidecar_acks') },
  };
}

function show(label, u) {
  const perRevocation = (u.inUseBytes / total).toFixed(0);
  const per100k = ((u.inUseBytes / total) * 100_000 / 1e6).toFixed(1);
  console.log(`${label}: ${(u.inUseBytes / 1e6).toFixed(1)} MB in use (${perRevocation} B/revocation, ${per100k} MB per 100k), file ${(u.fileBytes / 1e6).toFixed(1)} MB, rows ${JSON.stringify(u.rows)}${u.byTable === undefined ? '' : `\n   by table/index: ${JSON.stringify(u.byTable)}`}`);
}

(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-store-size-'));
  let now = Date.UTC(2031, 0, 1);
  const core = await openAuthorityCore({
    dataDir: dir,
    kek: randomBytes(32),
    issuer: 'https://authority.bench',
    accessTokenTtlSeconds: 300,
    topicPrefix: 'bench.',
    clock: { now: () => now },
    storeRetentionIntervalMs: 86_400_000, // runs below are explicit
    auditRetentionIntervalMs: 86_400_000,
  });
  try {
    const actor = { kind: 'admin-key', id: 'bench' };
    const started = Date.now();
    for (let i = 0; i < total; i += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, total - i) }, (_, j) =>
          core.revocations.revoke({ target: { type: 'jti', value: randomBytes(16).toString('base64url') }, reason: 'incident 2031-01 credential leak', actor }),
        ),
      );
      await core.audit.flushShipping();
      core.outbox.markPublished(core.outbox.unpublished(10_000).map((e) => e.seq), now);
      for (const r of batch) {
        const eventId = core.revocations.get(r.id).eventId;
        core.reports.recordRaw(
          encodeSidecarReport({ type: 'sidecar.ack', version: 1, instance_id: 'svc-1', event_id: eventId, event_type: 'revocation.issued', applied_at: now, key_set_version: 0, sent_at: now }),
        );
      }
      core.reports.flush();
    }
    console.log(`${total} revocations accepted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    show('1. everything kept', usage(core));

    now += core.storeRetention.periods.expiredRevocationMs + HOUR;
    console.log('store retention:', JSON.stringify(await core.storeRetention.runOnce()));
    show('2. revocations expired and pruned, audit kept', usage(core));

    now += core.securityPolicy.current().audit.retentionDays * DAY;
    console.log('audit retention:', JSON.stringify({ ...(await core.audit.retention.runOnce()), checkpoint: undefined }));
    await core.audit.flushShipping();
    core.outbox.markPublished(core.outbox.unpublished(10_000).map((e) => e.seq), now);
    console.log('store retention:', JSON.stringify(await core.storeRetention.runOnce()));
    show('3. audit retention passed too', usage(core));
  } finally {
    core.close();
    rmSync(dir, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
