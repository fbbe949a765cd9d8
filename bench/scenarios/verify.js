'use strict';
// Verify throughput: sidecar.verify against a bare jose jwtVerify with the same ES256 key, both
// with the same number of verifications in flight, in interleaved rounds; (a) every token new to
// the sidecar (no cache hit possible), (b) one token over and over (the verified-token cache; the
// deny rules are still checked on each call).
const { interleave, throughput } = require('../lib/interleave');
const { inMemorySidecar, ISSUER, AUDIENCE } = require('../lib/in-memory-sidecar');
const { median, bySize } = require('../lib/stats');
const { row } = require('../lib/report');

const CONCURRENCY = 16;

async function run({ mode, log }) {
  const jose = require('jose');
  const rounds = bySize(mode, { full: 7, quick: 5, smoke: 1 });
  const perRound = bySize(mode, { full: 3000, quick: 1500, smoke: 50 });
  const repeatedPerRound = bySize(mode, { full: 200_000, quick: 40_000, smoke: 1000 });
  const jtiRules = bySize(mode, { full: 10_000, quick: 1000, smoke: 20 });
  const { sidecar, issuer, close } = await inMemorySidecar({ jtiRules, subRules: Math.ceil(jtiRules / 100) });
  try {
    const joseOptions = { issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'] };
    const bare = async (token) => jose.jwtVerify(token, issuer.publicKey, joseOptions);
    const viaSidecar = async (token) => {
      const result = await sidecar.verify(token);
      if (!result.ok) throw new Error(`bench token refused by the sidecar: ${result.code} ${result.message}`);
    };

    log(`verify: signing ${rounds * perRound} distinct ES256 tokens`);
    const tokens = [];
    for (let i = 0; i < rounds * perRound; i++) tokens.push(await issuer.sign({ sub: `user-${i % 1000}` }));
    // Warm both paths up (JIT, key import caches) with tokens outside the measured sets.
    for (let i = 0; i < Math.min(200, perRound); i++) {
      const token = await issuer.sign();
      await bare(token);
      await viaSidecar(token);
    }
    const slice = (round) => tokens.slice(round * perRound, (round + 1) * perRound);
    log('verify: distinct tokens');
    const cpu = { baseline: [], subject: [] };
    const distinct = await interleave({
      rounds,
      baseline: (round) => {
        const set = slice(round);
        return throughput(set.length, CONCURRENCY, (i) => bare(set[i]), cpu.baseline);
      },
      subject: (round) => {
        const set = slice(round);
        return throughput(set.length, CONCURRENCY, (i) => viaSidecar(set[i]), cpu.subject);
      },
    });
    log('verify: one token repeated');
    const repeatedToken = tokens[0];
    const repeated = await interleave({
      rounds,
      baseline: () => throughput(perRound, CONCURRENCY, () => bare(repeatedToken)),
      subject: () => throughput(repeatedPerRound, CONCURRENCY, () => viaSidecar(repeatedToken)),
    });
    const side = (label, values) => ({ label, value: median(values), unit: 'verify/s', rounds: values });
    return [
      row({
        measure: 'verify, distinct tokens (ES256, 16 in flight)',
        baseline: side('bare jose jwtVerify', distinct.baseline),
        subject: side('sidecar.verify', distinct.subject),
        target: '≥ 0.95×',
        note: `CPU per verification ${median(cpu.baseline).toFixed(0)} µs vs ${median(cpu.subject).toFixed(0)} µs`,
      }),
      row({
        measure: `verify, one token repeated (deny rules checked: ${sidecar.stats().denyListSize} rules held)`,
        baseline: side('bare jose jwtVerify', repeated.baseline),
        subject: side('sidecar.verify', repeated.subject),
        target: '≥ 20×',
      }),
    ];
  } finally {
    await close();
  }
}

module.exports = { name: 'verify', needs: [], run };
