'use strict';
// Deny-list memory: the sidecar's compact table against the previous lru-cache design, each
// measured in a fresh child process (--expose-gc): bytes held once created empty (with room for
// 1M rules), and with N active jti rules (values and revocation ids random UUIDs). Counts the V8
// heap and typed-array backing stores alike; the note gives each side's resident memory gained.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { median, bySize } = require('../lib/stats');
const { row } = require('../lib/report');

const MB = 1024 * 1024;

function measure(impl, rules) {
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=2048', join(__dirname, 'deny-heap-child.js'), impl, String(rules)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

async function run({ mode, log }) {
  const rules = bySize(mode, { full: 1_000_000, quick: 1_000_000, smoke: 10_000 });
  const rounds = bySize(mode, { full: 3, quick: 1, smoke: 1 });
  const results = { 'lru-cache': [], compact: [] };
  for (let round = 0; round < rounds; round++) {
    for (const impl of round % 2 === 0 ? ['lru-cache', 'compact'] : ['compact', 'lru-cache']) {
      log(`deny-list heap: ${impl}, ${rules} jti rules (round ${round + 1}/${rounds})`);
      results[impl].push(measure(impl, rules));
    }
  }
  const side = (label, impl, key) => {
    const values = results[impl].map((r) => r[key] / MB);
    return { label, value: median(values), unit: 'MB', rounds: values };
  };
  return [
    row({
      measure: 'deny list created empty (room for 1M rules)',
      baseline: side('lru-cache (previous)', 'lru-cache', 'emptyBytes'),
      subject: side('compact table', 'compact', 'emptyBytes'),
      better: 'lower',
      target: 'nothing preallocated',
    }),
    row({
      measure: `deny list holding ${rules === 1_000_000 ? '1M' : rules} active jti rules`,
      baseline: side('lru-cache (previous)', 'lru-cache', 'fullBytes'),
      subject: side('compact table', 'compact', 'fullBytes'),
      better: 'lower',
      target: '≤ 100 MB per 1M',
      note: `heap + typed-array stores; resident memory gained: lru-cache ${median(results['lru-cache'].map((r) => r.rssBytes / MB)).toFixed(0)} MB, compact ${median(results.compact.map((r) => r.rssBytes / MB)).toFixed(0)} MB`,
    }),
  ];
}

module.exports = { name: 'deny-heap', needs: [], run };
