// What DPoP costs a service: sidecar.verify of one repeated token, 1) as a plain bearer token
// (served from the verified-token cache), 2) DPoP-bound with a fresh proof per request (the proof's
// signature is verified every time: proofs are single-use; the key import is cached), and 3)
// contracts' verifyDpopProof without a key cache. Proofs are signed before each timed round.
//
//   npm run build && node bench/dpop-verify.js [--requests 2000] [--rounds 3]
//
// Not part of `npm test` (no timed assertion anywhere).
'use strict';
const { randomUUID } = require('node:crypto');
const built = require('./lib/built');
const { inMemorySidecar } = require('./lib/in-memory-sidecar');

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const requests = arg('requests', 2000);
const rounds = arg('rounds', 3);
const URL_ = 'https://orders.example.com/orders/42';

async function main() {
  const ts = built.testSupport();
  const { verifyDpopProof } = built.contracts();
  const { sidecar, issuer, close } = await inMemorySidecar({ jtiRules: 1000, subRules: 100 });
  try {
    const key = await ts.createTestDpopKey();
    const bearer = await issuer.sign();
    const bound = await issuer.sign({ cnf: { jkt: key.jkt } });
    const proofs = () => Promise.all(Array.from({ length: requests }, () => key.proof({ htm: 'GET', htu: URL_, accessToken: bound, jti: randomUUID() })));
    const time = async (label, run) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < requests; i++) await run(i);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(`${label.padEnd(34)} ${String(Math.round((requests / ms) * 1000)).padStart(7)} /s  ${((ms * 1000) / requests).toFixed(1).padStart(7)} µs each`);
    };
    for (let round = 1; round <= rounds; round++) {
      console.log(`round ${round}/${rounds}, ${requests} requests each`);
      await time('bearer token (cached)', async () => {
        const result = await sidecar.verify(bearer);
        if (!result.ok) throw new Error(result.code);
      });
      const forSidecar = await proofs();
      await time('DPoP-bound token, fresh proof', async (i) => {
        const result = await sidecar.verify(bound, { presentation: { scheme: 'DPoP', method: 'GET', url: URL_, dpop: forSidecar[i] } });
        if (!result.ok) throw new Error(result.code);
      });
      const alone = await proofs();
      await time('verifyDpopProof, no key cache', async (i) => {
        const result = await verifyDpopProof(alone[i], { method: 'GET', url: URL_, accessToken: bound }, { now: Date.now });
        if (!result.ok) throw new Error(result.message);
      });
    }
  } finally {
    await close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
