'use strict';
// Child of deny-heap.js, run with --expose-gc: builds one deny list, measures the memory it holds,
// prints one JSON line (held bytes empty and full, and the resident memory gained). `node --expose-gc deny-heap-child.js <compact|lru-cache> <rules>`.
//   compact:   the sidecar's deny list (libs/sidecar/dist/deny-list/deny-list.js)
//   lru-cache: the previous design, an LRUCache<string, entry> of `jti:<value>` keys, max 1M
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const built = require('../lib/built');

const [impl, rulesArg] = process.argv.slice(2);
const rules = Number(rulesArg);
const HOUR = 3_600_000;
const MAX_ENTRIES = 1_000_000;

/** Bytes held by this process's JavaScript objects and typed-array backing stores, after a full GC. */
function held() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

// Loaded before the first measurement: module code is not what is measured.
const { createDenyList } = built.denyList();
const { LRUCache } = require(require.resolve('lru-cache', { paths: [join(built.root, 'libs', 'sidecar')] }));

function compact() {
  const list = createDenyList({ maxEntries: Math.max(MAX_ENTRIES, rules), maxRuleTtlMs: 24 * HOUR, clock: Date.now });
  return {
    list,
    add: (value, revocationId, now) => list.apply({ revocationId, target: { type: 'jti', value }, notAfterIat: Math.floor(now / 1000), expiresAt: now + HOUR }),
    size: () => list.size,
  };
}

function lruCache() {
  class DenyEntry {
    constructor(revocationId, notAfterIat, expiresAt) {
      this.revocationId = revocationId;
      this.notAfterIat = notAfterIat;
      this.expiresAt = expiresAt;
    }
  }
  const cache = new LRUCache({ max: Math.max(MAX_ENTRIES, rules), ttl: 24 * HOUR, ttlAutopurge: false, ttlResolution: 0, allowStale: false, updateAgeOnGet: false });
  return {
    list: cache,
    add: (value, revocationId, now) => cache.set(`jti:${value}`, new DenyEntry(revocationId, Number.POSITIVE_INFINITY, now + HOUR), { ttl: HOUR }),
    size: () => cache.size,
  };
}

/**
 * A random UUID as a flat string, as JSON.parse gives it to the sidecar from a Kafka record
 * (`randomUUID()` returns a tree of concatenated pieces, ~470 bytes until something flattens it).
 */
const uuid = () => JSON.parse(`"${randomUUID()}"`);

const before = held();
const rssBefore = process.memoryUsage().rss;
const made = impl === 'compact' ? compact() : impl === 'lru-cache' ? lruCache() : undefined;
if (!made) throw new Error(`unknown implementation ${impl}`);
const empty = held() - before;
const now = Date.now();
for (let i = 0; i < rules; i++) made.add(uuid(), uuid(), now);
if (made.size() !== rules) throw new Error(`${impl}: ${made.size()} rules held, ${rules} added`);
const full = held() - before;
// Resident memory gained while the rules went in (after the same GC): what the process costs the
// machine, garbage the allocator has not handed back included.
const rss = process.memoryUsage().rss - rssBefore;
process.stdout.write(`${JSON.stringify({ impl, rules, emptyBytes: empty, fullBytes: full, rssBytes: rss, keep: typeof made.list })}\n`);
